import assert from "node:assert/strict";
import { test } from "node:test";

import { moneyFormats } from "../../../../static/dashboard/format.js";
import { scopeChoices } from "../../../../static/dashboard/panels/planning.js";
import { classRows } from "../../../../static/dashboard/panels/planning-abc.js";
import { badgeText, fanSeries, forecastParams } from "../../../../static/dashboard/panels/planning-forecast.js";
import { FUNNEL_COLUMNS, PAIR_COLUMNS, tableCells } from "../../../../static/dashboard/panels/planning-tables.js";

const accuracy = (mase, c80, c95) => ({ mase, smape: 0.1, coverage_80: c80, coverage_95: c95 });

const FORECAST = {
  scope: "shop",
  metric: "revenue",
  grain: "month",
  model: "seasonal_ets",
  history_points: 36,
  scores: [
    { model: "seasonal_ets", one_step: accuracy(0.8234, 5 / 6, 1), at_horizon: accuracy(0.95, 4 / 6, 1) },
    { model: "seasonal_naive", one_step: accuracy(1, 1, 1), at_horizon: accuracy(1, 1, 1) },
  ],
  history: [
    { period: "2025-01", value: 100 },
    { period: "2025-02", value: 120 },
  ],
  results: [{ period: "2025-03", forecast: 130, lower: 110, upper: 150, lower_95: 100, upper_95: 160 }],
};

test("the badge names the model, its MASE, coverage and the models it beat", () => {
  assert.equal(
    badgeText(FORECAST),
    "Model: Seasonal ETS · MASE 0.82 one step, 0.95 at 3 months ahead · 80 % interval held 83%, " +
      "95 % held 100% · 36 periods of history · beat Seasonal naive",
  );
  assert.equal(
    badgeText({ ...FORECAST, model: "naive", scores: [], history_points: 2 }),
    "Model: Naive · no backtest (history too short) · 2 periods of history",
  );
  assert.equal(badgeText({ model: "none" }), "No forecast: no complete period of history yet.");
});

test("the fan joins the forecast to the last actual", () => {
  assert.deepEqual(fanSeries(FORECAST), {
    labels: ["Jan 2025", "Feb 2025", "Mar 2025"],
    actual: [100, 120, null],
    forecast: [null, 120, 130],
    lower80: [null, 120, 110],
    upper80: [null, 120, 150],
    lower95: [null, 120, 100],
    upper95: [null, 120, 160],
  });
});

test("the selectors become the forecast's parameters", () => {
  assert.deepEqual(forecastParams({ scope: "shop", metric: "units", grain: "week" }), {
    metric: "units",
    grain: "week",
  });
  assert.deepEqual(forecastParams({ scope: "category:Bags: big", metric: "revenue", grain: "month" }), {
    metric: "revenue",
    grain: "month",
    scope: "category",
    category: "Bags: big",
  });
  assert.deepEqual(forecastParams({ scope: "product:SKU-1", metric: "revenue", grain: "month" }).sku, "SKU-1");
  assert.deepEqual(scopeChoices(["Hats"], [{ sku: "S1", name: "Beanie" }]), [
    ["shop", "Whole shop"],
    ["category:Hats", "Category: Hats"],
    ["product:S1", "Product: Beanie (S1)"],
  ]);
});

test("the class table and the two planning tables as text", () => {
  const fmt = moneyFormats("USD");
  assert.deepEqual(classRows([{ grade: "A", products: 2, revenue: 800, share: 0.8 }], fmt), [
    ["A", "2", fmt.money(800), "80.0%"],
  ]);
  const pair = {
    sku_a: "C",
    name_a: "Lace",
    sku_b: "A",
    name_b: "Runner",
    orders_with_both: 2,
    support: 0.4,
    confidence: 1,
    lift: 5 / 3,
  };
  assert.deepEqual(tableCells(PAIR_COLUMNS, [pair]), [["Lace (C)", "Runner (A)", "2", "40.00%", "100.0%", "1.67"]]);
  const product = {
    sku: "D",
    name: "Beanie",
    views: 1,
    carts: 0,
    purchases: 0,
    view_to_cart: 0,
    cart_to_purchase: null,
  };
  assert.deepEqual(tableCells(FUNNEL_COLUMNS, [product]), [["Beanie (D)", "1", "0", "0", "0.0%", "–"]]);
});

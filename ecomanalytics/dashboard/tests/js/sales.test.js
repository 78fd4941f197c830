import assert from "node:assert/strict";
import { test } from "node:test";

import { moneyFormats } from "../../../../static/dashboard/format.js";
import { breakdownSeries, hasSales, waterfallSteps, waterfallText } from "../../../../static/dashboard/sales.js";

// gross 300 − discounts 23 − returns 65 = net 212; + shipping 14.90 + taxes 22.16 = total 249.06
const TOTALS = {
  gross_sales: 300,
  discounts: 23,
  returns: 65,
  net_sales: 212,
  shipping: 14.9,
  taxes: 22.16,
  total_sales: 249.06,
  orders: 5,
};

test("the waterfall walks from gross sales to total sales in floating bars", () => {
  assert.deepEqual(waterfallSteps(TOTALS), [
    { key: "gross_sales", label: "Gross sales", kind: "total", amount: 300, running: 300, range: [0, 300] },
    { key: "discounts", label: "Discounts", kind: "decrease", amount: -23, running: 277, range: [277, 300] },
    { key: "returns", label: "Returns", kind: "decrease", amount: -65, running: 212, range: [212, 277] },
    { key: "net_sales", label: "Net sales", kind: "total", amount: 212, running: 212, range: [0, 212] },
    // in cents: 212 + 14.90 is 226.90, not 226.90000000000003
    { key: "shipping", label: "Shipping", kind: "increase", amount: 14.9, running: 226.9, range: [212, 226.9] },
    { key: "taxes", label: "Taxes", kind: "increase", amount: 22.16, running: 249.06, range: [226.9, 249.06] },
    { key: "total_sales", label: "Total sales", kind: "total", amount: 249.06, running: 249.06, range: [0, 249.06] },
  ]);
});

test("returns larger than the sales take the waterfall below zero", () => {
  // gross 50 − 5 − 80 = net −35; + 10 + 4 = total −21
  const steps = waterfallSteps({
    gross_sales: 50,
    discounts: 5,
    returns: 80,
    net_sales: -35,
    shipping: 10,
    taxes: 4,
    total_sales: -21,
  });
  assert.deepEqual(
    steps.map((s) => [s.key, s.amount, s.range]),
    [
      ["gross_sales", 50, [0, 50]],
      ["discounts", -5, [45, 50]],
      ["returns", -80, [-35, 45]],
      ["net_sales", -35, [-35, 0]],
      ["shipping", 10, [-35, -25]],
      ["taxes", 4, [-25, -21]],
      ["total_sales", -21, [-21, 0]],
    ],
  );
});

test("a window without sales is a flat waterfall of zeros (no -0)", () => {
  const steps = waterfallSteps({});
  assert.deepEqual(
    steps.map((s) => [s.amount, s.range]),
    Array.from({ length: 7 }, () => [0, [0, 0]]),
  );
  assert.ok(steps.every((s) => !Object.is(s.amount, -0)));
});

test("the stacked series put discounts and returns below zero and keep the lines as they are", () => {
  const results = [
    // Jan: 170 − 10 − 45 = 115; + 10 + 12.80 = 137.80
    {
      period: "2025-01",
      gross_sales: 170,
      discounts: 10,
      returns: 45,
      net_sales: 115,
      shipping: 10,
      taxes: 12.8,
      total_sales: 137.8,
    },
    // Feb: 130 − 13 − 20 = 97; + 4.90 + 9.36 = 111.26
    {
      period: "2025-02",
      gross_sales: 130,
      discounts: 13,
      returns: 20,
      net_sales: 97,
      shipping: 4.9,
      taxes: 9.36,
      total_sales: 111.26,
    },
    {
      period: "2025-03",
      gross_sales: 0,
      discounts: 0,
      returns: 0,
      net_sales: 0,
      shipping: 0,
      taxes: 0,
      total_sales: 0,
    },
  ];
  const series = breakdownSeries(results);
  assert.deepEqual(series, {
    gross_sales: [170, 130, 0],
    discounts: [-10, -13, 0],
    returns: [-45, -20, 0],
    shipping: [10, 4.9, 0],
    taxes: [12.8, 9.36, 0],
    net_sales: [115, 97, 0],
    total_sales: [137.8, 111.26, 0],
  });
  assert.ok(!Object.is(series.discounts[2], -0));
  // what the bars stack up to, above and below zero, frames the lines
  assert.equal(series.gross_sales[0] + series.discounts[0] + series.returns[0], series.net_sales[0]);
});

test("sales figures hold something when an order or any money term is there", () => {
  assert.equal(hasSales(null), false);
  assert.equal(hasSales({ orders: 0, gross_sales: 0, returns: 0 }), false);
  assert.equal(hasSales({ orders: 1 }), true);
  // a refund dated in a window without orders
  assert.equal(hasSales({ orders: 0, returns: 20, net_sales: -20 }), true);
});

test("the waterfall in words for screen readers", () => {
  assert.equal(
    waterfallText(waterfallSteps(TOTALS), moneyFormats("USD")),
    "From gross sales to total sales: Gross sales $300.00, Discounts -$23.00, Returns -$65.00, " +
      "Net sales $212.00, Shipping +$14.90, Taxes +$22.16, Total sales $249.06.",
  );
});

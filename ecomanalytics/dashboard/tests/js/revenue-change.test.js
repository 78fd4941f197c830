import assert from "node:assert/strict";
import { test } from "node:test";

import { moneyFormats } from "../../../../static/dashboard/format.js";
import { changeSummary, changeTable } from "../../../../static/dashboard/panels/revenue-change.js";

const fmt = moneyFormats("USD");

function effects(change, traffic, conversion, orderValue, known = true) {
  return {
    change,
    change_rate: 0.12,
    sessions_known: known,
    traffic_effect: known ? traffic : null,
    conversion_effect: known ? conversion : null,
    orders_effect: known ? traffic + conversion : traffic,
    order_value_effect: orderValue,
  };
}

const DATA = {
  compare_start: "2024-12-01",
  compare_end: "2024-12-31",
  total: { previous: { revenue: 400000 }, current: { revenue: 448000 }, effects: effects(48000, 61000, -19000, 6000) },
  results: [
    {
      source: "organic",
      previous: { revenue: 300000 },
      current: { revenue: 310000 },
      effects: effects(10000, 0, 0, 10000),
      contribution: 10000 / 48000,
    },
    {
      source: "email",
      previous: { revenue: 100000 },
      current: { revenue: 138000 },
      effects: effects(38000, 0, 0, 38000),
      contribution: 38000 / 48000,
    },
  ],
};

test("the summary names each effect, its sign and the source that drove the change", () => {
  assert.equal(
    changeSummary(DATA, fmt),
    "Revenue rose 12.0% ($48,000.00): more visits added $61,000.00, lower conversion cost $19,000.00, larger baskets added $6,000.00; email drove most of the change.",
  );
});

test("without sessions the summary splits orders and order value only", () => {
  const data = { ...DATA, total: { ...DATA.total, effects: effects(-500, -800, 0, 300, false) }, results: [] };
  assert.equal(
    changeSummary(data, fmt),
    "Revenue fell 12.0% ($500.00): fewer orders cost $800.00, larger baskets added $300.00, (no sessions to split traffic from conversion).",
  );
});

test("the table lists the total first, then each source", () => {
  const { headers, rows } = changeTable(DATA, fmt);
  assert.deepEqual(headers, [
    "Source",
    "Previous",
    "Current",
    "Change",
    "Traffic",
    "Conversion",
    "Order value",
    "Share of the change",
  ]);
  assert.deepEqual(rows[0], [
    "All sources",
    "$400,000.00",
    "$448,000.00",
    "+$48,000.00",
    "+$61,000.00",
    "-$19,000.00",
    "+$6,000.00",
    "100.0%",
  ]);
  assert.equal(rows[2][0], "email");
});

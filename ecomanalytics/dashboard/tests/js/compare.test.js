import assert from "node:assert/strict";
import { test } from "node:test";

import { describeChange, previousHasData } from "../../../../static/dashboard/compare.js";

const NO_EARLIER = {
  comparable: false,
  direction: "none",
  arrow: "",
  text: "no earlier data",
  spoken: "no earlier data to compare with",
};

test("a relative change, up, down or flat", () => {
  assert.deepEqual(describeChange("revenue", 150, 100), {
    comparable: true,
    direction: "up",
    arrow: "▲",
    text: "50.0%",
    spoken: "up 50.0%",
  });
  assert.equal(describeChange("orders", 75, 100).text, "25.0%");
  assert.equal(describeChange("orders", 75, 100).direction, "down");
  assert.equal(describeChange("orders", 100, 100).direction, "flat");
});

test("a rate changes in percentage points", () => {
  assert.deepEqual(describeChange("completion_rate", 0.5, 0.429), {
    comparable: true,
    direction: "up",
    arrow: "▲",
    text: "7.1 pts",
    spoken: "up 7.1 pts",
  });
});

test("nothing before, or a rate without a denominator, is no earlier data, never a delta", () => {
  assert.deepEqual(describeChange("revenue", 320, 0), NO_EARLIER);
  assert.deepEqual(describeChange("completion_rate", 0.876, null), NO_EARLIER);
  assert.deepEqual(describeChange("completion_rate", null, 0.5), NO_EARLIER);
  assert.equal(describeChange("revenue", 0, 0).text, "no change");
});

test("a previous period without orders, or flagged not comparable, has no data", () => {
  const empty = { revenue: 0, orders: 0, average_order_value: 0, completion_rate: 0.0, customers: 0 };
  assert.equal(previousHasData(empty), false);
  assert.equal(previousHasData({ ...empty, completion_rate: null }), false);
  assert.equal(previousHasData(null), false);
  assert.equal(previousHasData({ ...empty, orders: 3, revenue: 90, comparable: false }), false);
  assert.equal(previousHasData({ ...empty, orders: 3, revenue: 90 }), true);
  // only cancelled orders before: some orders existed, none completed or paid
  assert.equal(previousHasData({ ...empty, completion_rate: 0.25 }), true);
});

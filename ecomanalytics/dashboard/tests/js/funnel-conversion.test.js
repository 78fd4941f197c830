import assert from "node:assert/strict";
import { test } from "node:test";

import { rateChange, tooltipLines } from "../../../../static/dashboard/panels/funnel-conversion.js";

test("a change of conversion rate is in percentage points, unknown without a rate", () => {
  assert.equal(rateChange(0.4, 0.25), "+15.0 pts");
  assert.equal(rateChange(0.2, 0.25), "-5.0 pts");
  assert.equal(rateChange(0.25, 0.25), "0.0 pts");
  assert.equal(rateChange(0.25, null), "–");
});

test("the tooltip shows the period's and the compared period's values and the change", () => {
  const row = { period: "2025-05", sessions: 4, conversion_rate: 0.25 };
  assert.deepEqual(tooltipLines(row, undefined), ["Conversion: 25.0%", "Sessions: 4"]);
  assert.deepEqual(tooltipLines(row, { period: "2025-04", sessions: 10, conversion_rate: 0.1 }), [
    "Conversion: 25.0%",
    "Sessions: 4",
    "Compared (2025-04): 10.0%, 10 sessions",
    "Change: +15.0 pts",
  ]);
});

test("a revenue change is in money and, against a non-zero revenue, in percent", async () => {
  const { moneyFormats } = await import("../../../../static/dashboard/format.js");
  const { revenueChange } = await import("../../../../static/dashboard/panels/revenue.js");
  const fmt = moneyFormats("USD");
  assert.equal(revenueChange("60.00", "150.00", fmt), "-$90.00 (-60.0%)");
  assert.equal(revenueChange("50.00", "0.00", fmt), "+$50.00");
  assert.equal(revenueChange("50.00", undefined, fmt), "–");
});

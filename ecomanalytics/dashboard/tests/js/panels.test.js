import assert from "node:assert/strict";
import { test } from "node:test";

import { overallNote } from "../../../../static/dashboard/panels/conversion.js";
import { chartedMonths } from "../../../../static/dashboard/panels/growth.js";
import { bucketLabels } from "../../../../static/dashboard/panels/revenue.js";
import { readState } from "../../../../static/dashboard/state.js";

const OPTIONS = { sources: [{ value: "direct", label: "Direct" }], devices: [], countries: [], categories: [] };

test("the conversion note names the source filter instead of 'All sources'", () => {
  const overall = { sessions: 17825, converted_sessions: 831, conversion_rate: 0.04662 };
  assert.equal(overallNote(overall, readState(""), OPTIONS), "All sources: 4.66% of 17,825 sessions converted");
  assert.equal(overallNote(overall, readState("source=direct"), OPTIONS), "Direct: 4.66% of 17,825 sessions converted");
  assert.equal(overallNote({ sessions: 0, converted_sessions: 0, conversion_rate: null }, readState(""), OPTIONS), "");
});

test("growth leaves partial months out unless asked", () => {
  const rows = [
    { month: "2025-10", partial: false },
    { month: "2025-11", partial: false },
    { month: "2025-12", partial: true },
  ];
  assert.deepEqual(
    chartedMonths(rows, false).map((r) => r.month),
    ["2025-10", "2025-11"],
  );
  assert.deepEqual(
    chartedMonths(rows, true).map((r) => r.month),
    ["2025-10", "2025-11", "2025-12"],
  );
});

test("revenue buckets: whole ones by name, partial ones by the days they hold", () => {
  const rows = [
    { period: "2025-11", partial: false },
    { period: "2025-12", partial: true },
  ];
  const data = { start: "2025-01-01", end: "2025-12-01" };
  assert.deepEqual(bucketLabels(rows, "month", data, "2025-12-01"), ["Nov 2025", ["Dec 2025", "Dec 1–1, partial"]]);
  const weeks = [{ period: "2025-12-01", partial: true }];
  assert.deepEqual(bucketLabels(weeks, "week", data, "2025-12-01"), [["Dec 1", "Dec 1–1, partial"]]);
});

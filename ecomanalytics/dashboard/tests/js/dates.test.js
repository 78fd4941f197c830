import assert from "node:assert/strict";
import { test } from "node:test";

import {
  addDays,
  coveredDays,
  daysInclusive,
  describeDays,
  isValidISO,
  PRESETS,
  partialLabel,
  presetWindow,
  previousWindow,
} from "../../../../static/dashboard/dates.js";

test("day arithmetic crosses months, years and leap days", () => {
  assert.equal(addDays("2024-02-28", 1), "2024-02-29");
  assert.equal(addDays("2025-01-01", -1), "2024-12-31");
  assert.equal(daysInclusive("2025-01-01", "2025-12-01"), 335);
});

test("only real calendar dates are valid", () => {
  assert.equal(isValidISO("2025-02-28"), true);
  assert.equal(isValidISO("2025-02-29"), false);
  assert.equal(isValidISO("2025-2-1"), false);
  assert.equal(isValidISO(null), false);
});

test("each preset covers exactly the days it says, counted from the shop's today", () => {
  const today = "2025-12-01";
  assert.deepEqual(Object.fromEntries(Object.keys(PRESETS).map((name) => [name, presetWindow(name, today)])), {
    // complete days: today (still running) is left out
    last_30: ["2025-11-01", "2025-11-30"],
    last_90: ["2025-09-02", "2025-11-30"],
    last_12_complete_months: ["2024-12-01", "2025-11-30"],
    last_12_months: ["2025-01-01", "2025-12-01"],
    this_year: ["2025-01-01", "2025-12-01"],
    all: [null, null],
  });
  assert.equal(daysInclusive(...presetWindow("last_30", today)), 30);
  assert.equal(daysInclusive(...presetWindow("last_90", today)), 90);
});

test("the previous window has as many days and ends the day before start", () => {
  assert.deepEqual(previousWindow("2025-11-01", "2025-11-30"), ["2025-10-02", "2025-10-31"]);
  assert.deepEqual(previousWindow(null, null), [null, null]);
});

test("a window is described by its days, and whether today is in it", () => {
  const today = "2025-12-01";
  assert.equal(describeDays("2025-11-01", "2025-11-30", today), "Nov 1, 2025 – Nov 30, 2025 (30 days, to yesterday)");
  assert.equal(
    describeDays("2025-01-01", "2025-12-01", today),
    "Jan 1, 2025 – Dec 1, 2025 (335 days, today so far included)",
  );
  assert.equal(describeDays("2025-01-10", "2025-04-10", today), "Jan 10, 2025 – Apr 10, 2025 (91 days)");
  assert.equal(describeDays("2025-03-01", "2025-03-01", today), "Mar 1, 2025 (1 day)");
  assert.equal(describeDays(null, null, today), "");
});

test("a partial bucket is labelled with the days it holds", () => {
  const today = "2025-12-01";
  // the month that started today
  assert.equal(partialLabel("2025-12", "month", "2025-01-01", "2025-12-01", today), "Dec 1–1, partial");
  // a month cut by the start of the range
  assert.equal(partialLabel("2025-11", "month", "2025-11-10", "2025-11-30", today), "Nov 10–30, partial");
  // a week running into the next month, cut by the end of the range
  assert.deepEqual(coveredDays("2025-11-24", "week", null, "2025-11-30", today), ["2025-11-24", "2025-11-30"]);
  assert.equal(partialLabel("2025-11-24", "week", null, "2025-11-30", today), "Nov 24–30, partial");
  assert.equal(partialLabel("2025-12-01", "day", null, null, today), "Dec 1–1 so far, partial");
});

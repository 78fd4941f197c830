import assert from "node:assert/strict";
import { test } from "node:test";

import {
  DEFAULTS,
  describeFilters,
  metricParams,
  rangeError,
  readState,
  resolvedWindow,
  sessionScope,
  writeSearch,
} from "../../../../static/dashboard/state.js";

const OPTIONS = {
  sources: [
    { value: "direct", label: "Direct" },
    { value: "paid_search", label: "Paid search" },
  ],
  devices: [{ value: "mobile", label: "Mobile" }],
  countries: ["US"],
  categories: ["Outdoor"],
};

test("an empty query is the default view: the last 30 days", () => {
  assert.deepEqual(readState(""), { ...DEFAULTS });
  assert.equal(DEFAULTS.range, "last_30");
  assert.equal(writeSearch(readState("")), "");
});

test("a bookmarked view comes back as it was", () => {
  const search = "range=all&source=direct&granularity=week&partial=show";
  assert.equal(writeSearch(readState(search)), search);
});

test("unknown choices and malformed dates fall back to the defaults", () => {
  const state = readState("range=forever&granularity=hour&start=2025-02-30&limit=7");
  assert.equal(state.range, "last_30");
  assert.equal(state.granularity, "month");
  assert.equal(state.start, "");
  assert.equal(state.limit, "10");
});

test("dates without a range are a custom range; a preset drops the dates", () => {
  assert.deepEqual(resolvedWindow(readState("start=2025-01-01&end=2025-01-31"), "2025-12-01"), [
    "2025-01-01",
    "2025-01-31",
  ]);
  assert.equal(readState("range=all&start=2025-01-01").start, "");
  assert.equal(
    writeSearch({ ...DEFAULTS, range: "custom", start: "2025-01-01", end: "2025-01-31" }),
    "range=custom&start=2025-01-01&end=2025-01-31",
  );
  assert.equal(writeSearch({ ...DEFAULTS, range: "all", start: "2025-01-01" }), "range=all");
});

test("a reversed range is an error", () => {
  assert.equal(rangeError("2025-02-01", "2025-01-01"), "The end date must be on or after the start date.");
  assert.equal(rangeError("2025-01-01", "2025-01-01"), "");
  assert.equal(rangeError(null, null), "");
});

test("metric parameters: the window and the filters; without a category for what has none", () => {
  const state = { ...readState("source=direct&category=Outdoor") };
  assert.deepEqual(metricParams(state, "2025-12-01"), {
    start: "2025-11-01",
    end: "2025-11-30",
    source: "direct",
    category: "Outdoor",
  });
  assert.deepEqual(metricParams(state, "2025-12-01", { category: false }), {
    start: "2025-11-01",
    end: "2025-11-30",
    source: "direct",
  });
  assert.deepEqual(metricParams(readState("range=all"), "2025-12-01"), {});
});

test("labels name the filters that apply", () => {
  assert.equal(sessionScope(readState(""), OPTIONS), "All sources");
  assert.equal(sessionScope(readState("source=direct"), OPTIONS), "Direct");
  assert.equal(
    sessionScope(readState("device=mobile&country=US&category=Outdoor"), OPTIONS),
    "All sources · Mobile · US",
  );
  // before /api/filters/ answers, the value itself, readable
  assert.equal(sessionScope(readState("source=paid_search"), null), "Paid search");
  assert.equal(
    describeFilters(readState("source=direct&category=Outdoor"), OPTIONS),
    "Traffic source: Direct · Category: Outdoor",
  );
  assert.equal(describeFilters(readState(""), OPTIONS), "");
});

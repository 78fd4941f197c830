import assert from "node:assert/strict";
import { test } from "node:test";

import {
  bucketDatasets,
  fmtDuration,
  percentileText,
} from "../../../../static/dashboard/panels/funnel-time-to-convert.js";

const viewToCart = {
  from_step: "product_view",
  to_step: "add_to_cart",
  sessions: 4,
  p25: 30,
  median: 45,
  p75: 60,
  p90: 7260,
};

test("durations read as seconds, minutes and hours", () => {
  assert.deepEqual([0, 45, 60, 150, 3600, 3900, 21600, null].map(fmtDuration), [
    "0 s",
    "45 s",
    "1 min",
    "2 min 30 s",
    "1 h",
    "1 h 5 min",
    "6 h",
    "–",
  ]);
});

test("the percentiles are said per transition, or that it had no sessions", () => {
  assert.equal(
    percentileText(viewToCart),
    "Product view → Add to cart: median 45 s (p25 30 s, p75 1 min, p90 2 h 1 min), 4 sessions",
  );
  assert.equal(
    percentileText({ from_step: "session", to_step: "purchase", sessions: 0, median: null }),
    "Session start → Purchase: no sessions",
  );
});

test("each transition's bars are shares of its own sessions", () => {
  const bucket = (name, sessions, t = viewToCart) => ({
    from_step: t.from_step,
    to_step: t.to_step,
    bucket: name,
    sessions,
  });
  const empty = { from_step: "session", to_step: "purchase", sessions: 0 };
  const datasets = bucketDatasets(
    [viewToCart, empty],
    [bucket("<1m", 2), bucket("1-5m", 2), bucket("<1m", 0, empty), bucket("1-5m", 0, empty)],
  );
  assert.deepEqual(
    datasets.map((d) => [d.label, d.data, d.counts]),
    [
      ["Product view → Add to cart", [0.5, 0.5], [2, 2]],
      ["Session start → Purchase", [0, 0], [0, 0]],
    ],
  );
});

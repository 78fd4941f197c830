/*
 * Time to convert: for each funnel transition (and session start to purchase), how the
 * sessions that made it spread over the duration buckets, as grouped bars of shares, with
 * the median and percentiles as text beside them.
 */

import { draw, SERIES_COLOURS } from "../charts.js";
import { el, renderDataTable } from "../dom.js";
import { fmtInt, fmtPct, NO_VALUE, plural } from "../format.js";
import { metricParams } from "../state.js";

const STEP_NAMES = {
  session: "Session start",
  product_view: "Product view",
  add_to_cart: "Add to cart",
  begin_checkout: "Checkout",
  purchase: "Purchase",
};
const BUCKET_NAMES = {
  "<1m": "< 1 min",
  "1-5m": "1–5 min",
  "5-15m": "5–15 min",
  "15-30m": "15–30 min",
  "30-60m": "30–60 min",
  "1-6h": "1–6 h",
  ">6h": "> 6 h",
};

/** "Product view → Add to cart". */
export const transitionName = (t) =>
  `${STEP_NAMES[t.from_step] || t.from_step} → ${STEP_NAMES[t.to_step] || t.to_step}`;

/** A duration in seconds as people say it: "45 s", "2 min 30 s", "1 h 5 min"; "–" when unknown. */
export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined) return NO_VALUE;
  const total = Number(seconds);
  if (total < 60) return `${total} s`;
  if (total < 3600) {
    const rest = total % 60;
    return rest ? `${Math.floor(total / 60)} min ${rest} s` : `${total / 60} min`;
  }
  const minutes = Math.floor((total % 3600) / 60);
  return minutes ? `${Math.floor(total / 3600)} h ${minutes} min` : `${Math.floor(total / 3600)} h`;
}

/** "Median 45 s (p25 30 s, p75 1 min, p90 1 min) over 4 sessions", or why there is none. */
export function percentileText(t) {
  if (!Number(t.sessions)) return `${transitionName(t)}: no sessions`;
  const spread = `p25 ${fmtDuration(t.p25)}, p75 ${fmtDuration(t.p75)}, p90 ${fmtDuration(t.p90)}`;
  return `${transitionName(t)}: median ${fmtDuration(t.median)} (${spread}), ${plural(Number(t.sessions), "session")}`;
}

/** One bar series per transition: its buckets' shares of its sessions (0 without any). */
export function bucketDatasets(transitions, histogram) {
  return transitions.map((t, index) => {
    const rows = histogram.filter((h) => h.from_step === t.from_step && h.to_step === t.to_step);
    const total = Number(t.sessions);
    return {
      label: transitionName(t),
      data: rows.map((h) => (total ? Number(h.sessions) / total : 0)),
      counts: rows.map((h) => Number(h.sessions)),
      backgroundColor: SERIES_COLOURS[index % SERIES_COLOURS.length],
      borderRadius: 3,
      maxBarThickness: 16,
    };
  });
}

function render(data, card) {
  const transitions = data.transitions || [];
  const histogram = data.histogram || [];
  renderDataTable(
    card,
    [
      { label: "Transition", value: (h) => transitionName(h), text: true },
      { label: "Bucket", value: (h) => BUCKET_NAMES[h.bucket] || h.bucket, text: true },
      { label: "Sessions", value: (h) => fmtInt(h.sessions) },
    ],
    histogram,
  );
  const list = card.querySelector("[data-percentiles]");
  list.replaceChildren(...transitions.map((t) => el("li", {}, percentileText(t))));
  const any = transitions.some((t) => Number(t.sessions) > 0);
  list.hidden = !any;
  if (!any) return "No conversions in this period";
  const first = transitions[0];
  const buckets = histogram.filter((h) => h.from_step === first.from_step && h.to_step === first.to_step);
  const datasets = bucketDatasets(transitions, histogram);
  draw("time_to_convert", card.querySelector("canvas"), {
    type: "bar",
    data: { labels: buckets.map((h) => BUCKET_NAMES[h.bucket] || h.bucket), datasets },
    options: {
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            label: (item) =>
              `${item.dataset.label}: ${fmtInt(item.dataset.counts[item.dataIndex])} sessions (${fmtPct(item.raw)})`,
          },
        },
      },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkip: false, font: { size: 11 } } },
        y: { beginAtZero: true, ticks: { callback: (v) => fmtPct(v, 0) } },
      },
    },
  });
  return "";
}

export default {
  path: "kpi/time-to-convert/",
  params: (ctx) => metricParams(ctx.state, ctx.today, { category: false }),
  render,
};

/*
 * Month-over-month revenue growth. A partial month (not ended yet, or cut by the date
 * range) looks like a collapse next to whole months, so it is left out unless the
 * visitor asks for it, and labelled with the days it covers when shown.
 */

import { BLUE, draw, VERMILLION } from "../charts.js";
import { partialLabel } from "../dates.js";
import { renderDataTable, setNote } from "../dom.js";
import { fmtMonth, fmtPct, isMissing } from "../format.js";
import { metricParams } from "../state.js";

/** The rows the chart draws: whole months only, unless showPartial. */
export const chartedMonths = (rows, showPartial) => (showPartial ? rows : rows.filter((row) => !row.partial));

function growthText(rate) {
  if (isMissing(rate)) return "no revenue the month before";
  return `${rate > 0 ? "▲ " : rate < 0 ? "▼ " : ""}${fmtPct(Math.abs(rate))}`;
}

function render(data, card, ctx) {
  const { money } = ctx.fmt;
  const rows = data.results || [];
  const [windowStart, windowEnd] = ctx.window;
  const covered = (row) => partialLabel(row.month, "month", windowStart, windowEnd, ctx.today);
  renderDataTable(
    card,
    [
      { label: "Month", value: (r) => r.month },
      { label: "Revenue", value: (r) => money(r.revenue) },
      { label: "Growth", value: (r) => fmtPct(r.growth_rate) },
      { label: "Complete month", value: (r) => (r.partial ? `no (${covered(r)})` : "yes") },
    ],
    rows,
  );
  const showPartial = ctx.state.partial === "show";
  const shown = chartedMonths(rows, showPartial);
  const partial = rows.filter((row) => row.partial);
  const toggle = card.querySelector("[data-partial-toggle]");
  if (toggle) toggle.hidden = partial.length === 0;
  setNote(
    card,
    "[data-partial-note]",
    partial.length && !showPartial
      ? `Not drawn: ${partial.map((r) => `${fmtMonth(r.month)} (${covered(r)})`).join(", ")}.`
      : "",
  );
  if (!rows.some((r) => Number(r.revenue) > 0)) return "No orders in this period";
  if (!shown.length) return "No complete month in this period: tick “Show incomplete months”";
  const negative = (r) => !isMissing(r.growth_rate) && r.growth_rate < 0;
  const colour = (r) => {
    const base = negative(r) ? "213, 94, 0" : "0, 114, 178";
    return `rgba(${base}, ${r.partial ? 0.35 : 1})`;
  };
  draw("growth", card.querySelector("canvas"), {
    type: "bar",
    data: {
      labels: shown.map((r) => (r.partial ? [fmtMonth(r.month), covered(r)] : fmtMonth(r.month))),
      datasets: [
        {
          label: "Growth on the month before",
          data: shown.map((r) => (isMissing(r.growth_rate) ? null : Number(r.growth_rate))),
          backgroundColor: shown.map(colour),
          borderColor: shown.map((r) => (negative(r) ? VERMILLION : BLUE)),
          borderWidth: shown.map((r) => (r.partial ? 1.5 : 0)),
          borderDash: [4, 3],
          borderRadius: 3,
          maxBarThickness: 40,
        },
      ],
    },
    options: {
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: (items) => {
              const r = shown[items[0].dataIndex];
              return fmtMonth(r.month) + (r.partial ? ` (${covered(r)})` : "");
            },
            label: (item) => {
              const r = shown[item.dataIndex];
              return [growthText(r.growth_rate), `Revenue ${money(r.revenue)}`];
            },
          },
        },
      },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 8 } },
        y: {
          ticks: { callback: (v) => `${Math.round(v * 100)}%` },
          grid: { color: (c) => (c.tick.value === 0 ? "#9aa5b5" : "#e9edf3") },
        },
      },
    },
  });
  return "";
}

export default {
  path: "demand/growth/",
  params: (ctx) => metricParams(ctx.state, ctx.today),
  render,
};

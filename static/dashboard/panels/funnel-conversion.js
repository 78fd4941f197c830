/*
 * Sessions and conversion rate per day, week or month (the page's granularity), partial
 * periods dashed as in the revenue chart; optionally the previous period or the same
 * dates a year earlier overlaid, bucket beside bucket by position.
 */

import { BLUE, draw, ORANGE, percentAxis } from "../charts.js";
import { renderDataTable, setNote } from "../dom.js";
import { fmtInt, fmtPct, isMissing, NO_VALUE, titleCase } from "../format.js";
import { metricParams } from "../state.js";
import { bucketLabels } from "./revenue.js";

const GREY = "#8a94a6";

/** "+8.3 pts", "-2.0 pts", "0.0 pts"; "–" when either rate is unknown. */
export function rateChange(current, compared) {
  if (isMissing(current) || isMissing(compared)) return NO_VALUE;
  const points = (Number(current) - Number(compared)) * 100;
  const sign = points > 0.05 ? "+" : points < -0.05 ? "-" : "";
  return `${sign}${Math.abs(points).toFixed(1)} pts`;
}

/** The tooltip's lines for one bucket: its rate and sessions, and the compared bucket's. */
export function tooltipLines(row, compared) {
  const lines = [`Conversion: ${fmtPct(row.conversion_rate)}`, `Sessions: ${fmtInt(row.sessions)}`];
  if (!compared) return lines;
  return [
    ...lines,
    `Compared (${compared.period}): ${fmtPct(compared.conversion_rate)}, ${fmtInt(compared.sessions)} sessions`,
    `Change: ${rateChange(row.conversion_rate, compared.conversion_rate)}`,
  ];
}

function render(data, card, ctx) {
  const { granularity } = ctx.state;
  const rows = data.results || [];
  const compared = data.compare ? data.compared || [] : [];
  const labels = bucketLabels(rows, granularity, data, ctx.today);
  setNote(
    card,
    "[data-compared-period]",
    data.compare_start ? `Compared with ${data.compare_start} to ${data.compare_end}.` : "",
  );
  const columns = [
    { label: granularity === "week" ? "Week of" : titleCase(granularity), value: (r) => r.period },
    { label: "Sessions", value: (r) => fmtInt(r.sessions) },
    { label: "Converted", value: (r) => fmtInt(r.converted_sessions) },
    { label: "Conversion rate", value: (r) => fmtPct(r.conversion_rate) },
  ];
  if (compared.length) {
    const other = (r) => compared[rows.indexOf(r)];
    columns.push(
      { label: "Compared period", value: (r) => other(r)?.period ?? NO_VALUE },
      { label: "Compared rate", value: (r) => fmtPct(other(r)?.conversion_rate) },
      { label: "Change", value: (r) => rateChange(r.conversion_rate, other(r)?.conversion_rate) },
    );
  }
  columns.push({ label: "Complete period", value: (r) => (r.partial ? "no" : "yes") });
  renderDataTable(card, columns, rows);
  if (!rows.some((r) => Number(r.sessions) > 0)) return "No sessions in this period";
  const isPartial = rows.map((r) => r.partial);
  const dashIfPartial = (c) => (isPartial[c.p0DataIndex] || isPartial[c.p1DataIndex] ? [5, 4] : undefined);
  const rate = (r) => (isMissing(r?.conversion_rate) ? null : Number(r.conversion_rate));
  const datasets = [
    {
      type: "line",
      label: "Conversion rate",
      data: rows.map(rate),
      yAxisID: "rate",
      borderColor: BLUE,
      backgroundColor: BLUE,
      pointBackgroundColor: rows.map((r) => (r.partial ? "#fff" : BLUE)),
      pointStyle: rows.map((r) => (r.partial ? "rectRot" : "circle")),
      pointRadius: rows.map((r) => (r.partial ? 4 : rows.length > 60 ? 0 : 3)),
      tension: 0.25,
      borderWidth: 2.5,
      segment: { borderDash: dashIfPartial },
      order: 0,
    },
  ];
  if (compared.length) {
    datasets.push({
      type: "line",
      label: data.compare === "previous_year" ? "Year before" : "Previous period",
      data: rows.map((_, index) => rate(compared[index])),
      yAxisID: "rate",
      borderColor: GREY,
      backgroundColor: GREY,
      borderDash: [2, 3],
      pointRadius: rows.length > 60 ? 0 : 2,
      tension: 0.25,
      borderWidth: 2,
      order: 1,
    });
  }
  datasets.push({
    type: "bar",
    label: "Sessions",
    data: rows.map((r) => Number(r.sessions)),
    yAxisID: "sessions",
    backgroundColor: "rgba(230, 159, 0, 0.35)",
    borderColor: ORANGE,
    borderWidth: rows.map((r) => (r.partial ? 1 : 0)),
    order: 2,
  });
  draw("conversion_over_time", card.querySelector("canvas"), {
    data: { labels, datasets },
    options: {
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "top", align: "end" },
        tooltip: {
          filter: (item) => item.datasetIndex === 0,
          callbacks: {
            title: (items) => {
              const row = rows[items[0].dataIndex];
              return `${granularity === "week" ? "Week of " : ""}${row.period}${row.partial ? " (partial)" : ""}`;
            },
            label: (item) => tooltipLines(rows[item.dataIndex], compared[item.dataIndex]),
          },
        },
      },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
        rate: { ...percentAxis(), position: "left" },
        sessions: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, ticks: { precision: 0 } },
      },
    },
  });
  return "";
}

export default {
  path: "kpi/conversion-over-time/",
  params: (ctx) => {
    const params = { ...metricParams(ctx.state, ctx.today, { category: false }), granularity: ctx.state.granularity };
    if (ctx.state.conversion_compare) params.compare = ctx.state.conversion_compare;
    return params;
  },
  render,
};

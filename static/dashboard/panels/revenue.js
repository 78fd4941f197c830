/* Revenue and orders per day, week or month; partial periods dashed and labelled. */

import { BLUE, draw, ORANGE } from "../charts.js";
import { partialLabel } from "../dates.js";
import { renderDataTable, setNote } from "../dom.js";
import { fmtDayMonth, fmtInt, fmtMonth, MONTHS, titleCase } from "../format.js";
import { metricParams } from "../state.js";

function periodLabel(period, granularity) {
  if (granularity === "month") return fmtMonth(period);
  const [, m, d] = period.split("-").map(Number);
  return `${MONTHS[m - 1]} ${d}`;
}

/** The label of each bucket: its name, or what it covers when it is partial. */
export function bucketLabels(rows, granularity, data, today) {
  return rows.map((row) => {
    if (!row.partial) return periodLabel(row.period, granularity);
    const covered = partialLabel(row.period, granularity, data.start, data.end, today);
    return granularity === "month" ? [fmtMonth(row.period), covered] : [fmtDayMonth(row.period), covered];
  });
}

function render(data, card, ctx) {
  const { granularity } = ctx.state;
  const { money, compact } = ctx.fmt;
  const rows = data.results || [];
  const labels = bucketLabels(rows, granularity, data, ctx.today);
  const partialText = (row, index) => (row.partial ? [].concat(labels[index]).at(-1) : "");
  renderDataTable(
    card,
    [
      { label: granularity === "week" ? "Week of" : titleCase(granularity), value: (r) => r.period },
      { label: "Revenue", value: (r) => money(r.revenue) },
      { label: "Orders", value: (r) => fmtInt(r.orders) },
      { label: "Average order value", value: (r) => money(r.average_order_value) },
      { label: "Complete period", value: (r) => (r.partial ? `no (${partialText(r, rows.indexOf(r))})` : "yes") },
    ],
    rows,
  );
  const partial = rows.map((row, index) => partialText(row, index)).filter(Boolean);
  setNote(
    card,
    "[data-partial-note]",
    partial.length
      ? `Dashed, not comparable yet: ${partial.join("; ")} (the period has not ended or is cut by the date range).`
      : "",
  );
  if (!rows.some((r) => Number(r.orders) > 0 || Number(r.revenue) > 0)) return "No orders in this period";
  const isPartial = rows.map((r) => r.partial);
  const dashIfPartial = (c) => (isPartial[c.p0DataIndex] || isPartial[c.p1DataIndex] ? [5, 4] : undefined);
  const pointRadius = rows.map((r) => (r.partial ? 4 : rows.length > 60 ? 0 : 3));
  const pointStyle = rows.map((r) => (r.partial ? "rectRot" : "circle"));
  draw("revenue", card.querySelector("canvas"), {
    type: "line",
    data: {
      labels,
      datasets: [
        {
          label: "Revenue",
          data: rows.map((r) => Number(r.revenue)),
          yAxisID: "revenue",
          borderColor: BLUE,
          backgroundColor: "rgba(0, 114, 178, 0.10)",
          pointBackgroundColor: rows.map((r) => (r.partial ? "#fff" : BLUE)),
          fill: true,
          tension: 0.25,
          pointRadius,
          pointStyle,
          borderWidth: 2.5,
          segment: { borderDash: dashIfPartial },
        },
        {
          label: "Orders",
          data: rows.map((r) => Number(r.orders)),
          yAxisID: "orders",
          borderColor: ORANGE,
          backgroundColor: ORANGE,
          pointBackgroundColor: rows.map((r) => (r.partial ? "#fff" : ORANGE)),
          tension: 0.25,
          pointRadius,
          pointStyle,
          borderWidth: 2,
          segment: { borderDash: dashIfPartial },
        },
      ],
    },
    options: {
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "top", align: "end" },
        tooltip: {
          callbacks: {
            title: (items) => {
              const index = items[0].dataIndex;
              const row = rows[index];
              return `${granularity === "week" ? "Week of " : ""}${row.period}${row.partial ? ` (${partialText(row, index)})` : ""}`;
            },
            label: (item) => `${item.dataset.label}: ${item.datasetIndex === 0 ? money(item.raw) : fmtInt(item.raw)}`,
          },
        },
      },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
        revenue: { position: "left", beginAtZero: true, ticks: { callback: (v) => compact(v) } },
        orders: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, ticks: { precision: 0 } },
      },
    },
  });
  return "";
}

export default {
  path: "kpi/revenue/",
  params: (ctx) => ({ ...metricParams(ctx.state, ctx.today), granularity: ctx.state.granularity }),
  render,
};

/*
 * Revenue and orders per day, week or month; partial periods dashed and labelled; and
 * optionally the compared window's revenue beside it, bucket by bucket by position.
 */

import { BLUE, draw, ORANGE } from "../charts.js";
import { partialLabel } from "../dates.js";
import { renderDataTable, setNote } from "../dom.js";
import { fmtDayMonth, fmtInt, fmtMonth, fmtPct, isMissing, MONTHS, NO_VALUE, titleCase } from "../format.js";
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

/** "+$10.00 (+20.0%)": the change from the compared bucket's revenue; "–" without one. */
export function revenueChange(current, compared, fmt) {
  if (isMissing(current) || isMissing(compared)) return NO_VALUE;
  const change = Number(current) - Number(compared);
  const rate =
    Number(compared) === 0 ? "" : ` (${change >= 0 ? "+" : "-"}${fmtPct(Math.abs(change / Number(compared)))})`;
  return `${fmt.signedMoney(change)}${rate}`;
}

function render(data, card, ctx) {
  const { granularity } = ctx.state;
  const { money, compact } = ctx.fmt;
  const rows = data.results || [];
  const labels = bucketLabels(rows, granularity, data, ctx.today);
  const partialText = (row, index) => (row.partial ? [].concat(labels[index]).at(-1) : "");
  const compared = data.compare ? data.compared || [] : [];
  const other = (r) => compared[rows.indexOf(r)];
  setNote(
    card,
    "[data-compared-period]",
    data.compare_start ? `Compared with ${data.compare_start} to ${data.compare_end}.` : "",
  );
  renderDataTable(
    card,
    [
      { label: granularity === "week" ? "Week of" : titleCase(granularity), value: (r) => r.period },
      { label: "Revenue", value: (r) => money(r.revenue) },
      { label: "Orders", value: (r) => fmtInt(r.orders) },
      { label: "Average order value", value: (r) => money(r.average_order_value) },
      ...(compared.length
        ? [
            { label: "Compared period", value: (r) => other(r)?.period ?? NO_VALUE },
            { label: "Compared revenue", value: (r) => money(other(r)?.revenue) },
            { label: "Change", value: (r) => revenueChange(r.revenue, other(r)?.revenue, ctx.fmt) },
          ]
        : []),
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
        ...(compared.length
          ? [
              {
                label: data.compare === "previous_year" ? "Revenue a year before" : "Revenue, previous period",
                data: rows.map((_, index) => (compared[index] ? Number(compared[index].revenue) : null)),
                yAxisID: "revenue",
                borderColor: "#8a94a6",
                backgroundColor: "#8a94a6",
                borderDash: [2, 3],
                tension: 0.25,
                pointRadius: rows.length > 60 ? 0 : 2,
                borderWidth: 2,
              },
            ]
          : []),
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
            label: (item) => {
              if (item.datasetIndex === 1) return `${item.dataset.label}: ${fmtInt(item.raw)}`;
              const row = rows[item.dataIndex];
              if (item.datasetIndex === 0) return `${item.dataset.label}: ${money(item.raw)}`;
              const before = compared[item.dataIndex];
              return [
                `Compared (${before.period}): ${money(before.revenue)}`,
                `Change: ${revenueChange(row.revenue, before.revenue, ctx.fmt)}`,
              ];
            },
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
  params: (ctx) => {
    const params = { ...metricParams(ctx.state, ctx.today), granularity: ctx.state.granularity };
    if (ctx.state.revenue_compare) params.compare = ctx.state.revenue_compare;
    return params;
  },
  render,
};

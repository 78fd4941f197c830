/*
 * New vs returning customers: their revenue per period as stacked bars, the returning
 * share as a line on a second axis, and the window's returning customer rate above.
 */

import { BLUE, draw, GREEN, percentAxis } from "../charts.js";
import { renderDataTable, setNote } from "../dom.js";
import { fmtInt, fmtPct, isMissing, titleCase } from "../format.js";
import { metricParams } from "../state.js";
import { bucketLabels } from "./revenue.js";

// The revenue chart's "Show by" sets the page's period; without one, months.
const granularityOf = (ctx) => ctx.state.granularity || "month";

/** "Returning customer rate: 40.0% (2 of 5 customers ordered twice or more)". */
export function returningRateText(data) {
  if (!data.customers) return "";
  return (
    `Returning customer rate: ${fmtPct(data.returning_customer_rate)} ` +
    `(${fmtInt(data.repeat_customers)} of ${fmtInt(data.customers)} customers of the period ` +
    "have ordered twice or more)"
  );
}

function render(data, card, ctx) {
  const { money, compact } = ctx.fmt;
  const rows = data.results || [];
  const granularity = data.granularity || granularityOf(ctx);
  renderDataTable(
    card,
    [
      { label: granularity === "week" ? "Week of" : titleCase(granularity), value: (r) => r.period },
      { label: "New customers", value: (r) => fmtInt(r.new_customers) },
      { label: "Returning customers", value: (r) => fmtInt(r.returning_customers) },
      { label: "New orders", value: (r) => fmtInt(r.new_orders) },
      { label: "Returning orders", value: (r) => fmtInt(r.returning_orders) },
      { label: "New revenue", value: (r) => money(r.new_revenue) },
      { label: "Returning revenue", value: (r) => money(r.returning_revenue) },
      { label: "Returning share", value: (r) => fmtPct(r.returning_revenue_share) },
    ],
    rows,
  );
  setNote(card, "[data-returning-rate]", returningRateText(data));
  const active = rows.some(
    (r) => r.new_customers || r.returning_customers || Number(r.new_revenue) || Number(r.returning_revenue),
  );
  if (!active) return "No customer orders in this period";
  draw("new_vs_returning", card.querySelector("canvas"), {
    type: "bar",
    data: {
      labels: bucketLabels(rows, granularity, data, ctx.today),
      datasets: [
        {
          type: "line",
          label: "Returning share of revenue",
          data: rows.map((r) => (isMissing(r.returning_revenue_share) ? null : Number(r.returning_revenue_share))),
          yAxisID: "share",
          borderColor: "#1d2433",
          backgroundColor: "#1d2433",
          pointRadius: 2,
          spanGaps: true,
        },
        {
          label: "New customers' revenue",
          data: rows.map((r) => Number(r.new_revenue)),
          backgroundColor: GREEN,
          stack: "revenue",
        },
        {
          label: "Returning customers' revenue",
          data: rows.map((r) => Number(r.returning_revenue)),
          backgroundColor: BLUE,
          stack: "revenue",
        },
      ],
    },
    options: {
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            label: (item) => {
              const r = rows[item.dataIndex];
              if (item.dataset.yAxisID === "share") return `Returning share: ${fmtPct(item.raw)}`;
              const returning = item.datasetIndex === 2;
              const customers = returning ? r.returning_customers : r.new_customers;
              return `${item.dataset.label}: ${money(item.raw)} · ${fmtInt(customers)} customers`;
            },
          },
        },
      },
      scales: {
        x: { stacked: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 8 } },
        y: { stacked: true, beginAtZero: true, ticks: { callback: (v) => compact(v) } },
        share: { position: "right", ...percentAxis(1), grid: { display: false } },
      },
    },
  });
  return "";
}

export default {
  path: "cohorts/new-vs-returning/",
  params: (ctx) => ({ ...metricParams(ctx.state, ctx.today), granularity: granularityOf(ctx) }),
  render,
};

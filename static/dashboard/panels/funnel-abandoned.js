/*
 * Abandoned checkouts per day, week or month (the page's granularity): how many sessions
 * began checkout and did not buy, their share of the checkouts and their carts' value.
 */

import { draw, percentAxis, VERMILLION } from "../charts.js";
import { renderDataTable } from "../dom.js";
import { fmtInt, fmtPct, isMissing, titleCase } from "../format.js";
import { metricParams } from "../state.js";
import { bucketLabels } from "./revenue.js";

function render(data, card, ctx) {
  const { granularity } = ctx.state;
  const rows = data.results || [];
  renderDataTable(
    card,
    [
      { label: granularity === "week" ? "Week of" : titleCase(granularity), value: (r) => r.period },
      { label: "Checkouts", value: (r) => fmtInt(r.checkouts) },
      { label: "Abandoned", value: (r) => fmtInt(r.abandoned_checkouts) },
      { label: "Abandonment rate", value: (r) => fmtPct(r.abandonment_rate) },
      { label: "Cart value left", value: (r) => ctx.fmt.money(r.abandoned_cart_value) },
      { label: "Complete period", value: (r) => (r.partial ? "no" : "yes") },
    ],
    rows,
  );
  if (!rows.some((r) => Number(r.checkouts) > 0)) return "No checkouts in this period";
  const isPartial = rows.map((r) => r.partial);
  draw("abandoned_checkouts", card.querySelector("canvas"), {
    data: {
      labels: bucketLabels(rows, granularity, data, ctx.today),
      datasets: [
        {
          type: "line",
          label: "Abandonment rate",
          data: rows.map((r) => (isMissing(r.abandonment_rate) ? null : Number(r.abandonment_rate))),
          yAxisID: "rate",
          borderColor: VERMILLION,
          backgroundColor: VERMILLION,
          pointStyle: rows.map((r) => (r.partial ? "rectRot" : "circle")),
          pointBackgroundColor: rows.map((r) => (r.partial ? "#fff" : VERMILLION)),
          segment: { borderDash: (c) => (isPartial[c.p0DataIndex] || isPartial[c.p1DataIndex] ? [5, 4] : undefined) },
          tension: 0.25,
          order: 0,
        },
        {
          type: "bar",
          label: "Cart value left",
          data: rows.map((r) => Number(r.abandoned_cart_value)),
          yAxisID: "value",
          backgroundColor: "rgba(213, 94, 0, 0.25)",
          order: 1,
        },
      ],
    },
    options: {
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "top", align: "end" },
        tooltip: {
          filter: (item) => item.datasetIndex === 0,
          callbacks: {
            label: (item) => {
              const r = rows[item.dataIndex];
              return [
                `${fmtInt(r.abandoned_checkouts)} of ${fmtInt(r.checkouts)} checkouts abandoned (${fmtPct(r.abandonment_rate)})`,
                `${ctx.fmt.money(r.abandoned_cart_value)} left in carts`,
              ];
            },
          },
        },
      },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
        rate: { ...percentAxis(1), position: "left" },
        value: {
          position: "right",
          beginAtZero: true,
          grid: { drawOnChartArea: false },
          ticks: { callback: (v) => ctx.fmt.compact(v) },
        },
      },
    },
  });
  return "";
}

export default {
  path: "kpi/abandoned-checkouts/",
  params: (ctx) => ({ ...metricParams(ctx.state, ctx.today, { category: false }), granularity: ctx.state.granularity }),
  render,
};

/* Repeat purchase rate per acquisition cohort. */

import { draw, GREEN, percentAxis } from "../charts.js";
import { renderDataTable } from "../dom.js";
import { fmtInt, fmtMonth, fmtPct, isMissing } from "../format.js";
import { metricParams } from "../state.js";

function render(data, card) {
  const rows = data.results || [];
  renderDataTable(
    card,
    [
      { label: "Cohort", value: (r) => r.cohort },
      { label: "Customers", value: (r) => fmtInt(r.customers) },
      { label: "Repeat customers", value: (r) => fmtInt(r.repeat_customers) },
      { label: "Repeat rate", value: (r) => fmtPct(r.repeat_rate) },
    ],
    rows,
  );
  if (!rows.length) return "No customers acquired in this period";
  draw("repeat", card.querySelector("canvas"), {
    type: "bar",
    data: {
      labels: rows.map((r) => fmtMonth(r.cohort)),
      datasets: [
        {
          label: "Repeat purchase rate",
          data: rows.map((r) => (isMissing(r.repeat_rate) ? null : Number(r.repeat_rate))),
          backgroundColor: GREEN,
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
            label: (item) => {
              const r = rows[item.dataIndex];
              return `${fmtPct(r.repeat_rate)} · ${fmtInt(r.repeat_customers)} of ${fmtInt(r.customers)} customers`;
            },
          },
        },
      },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 8 } },
        y: percentAxis(undefined),
      },
    },
  });
  return "";
}

export default {
  path: "cohorts/repeat-purchase/",
  params: (ctx) => metricParams(ctx.state, ctx.today),
  render,
};

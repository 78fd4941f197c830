/* The checkout funnel: sessions reaching each step, with step and overall rates. */

import { BLUE, draw, GREEN, isNarrow } from "../charts.js";
import { renderDataTable } from "../dom.js";
import { fmtInt, fmtPct, titleCase } from "../format.js";
import { metricParams } from "../state.js";

const STEP_NAMES = {
  session: "Session",
  product_view: "Product view",
  add_to_cart: "Add to cart",
  begin_checkout: "Begin checkout",
  purchase: "Purchase",
};
const stepName = (step) => STEP_NAMES[step] || titleCase(step);

function render(data, card) {
  const steps = data.steps || [];
  renderDataTable(
    card,
    [
      { label: "Step", value: (s) => stepName(s.step), text: true },
      { label: "Sessions", value: (s) => fmtInt(s.sessions) },
      { label: "Of previous step", value: (s) => fmtPct(s.conversion_from_previous) },
      { label: "Of all sessions", value: (s) => fmtPct(s.conversion_from_start) },
    ],
    steps,
  );
  if (!steps.length || Number(steps[0].sessions) === 0) return "No sessions in this period";
  // On a phone the y-axis has little room: one figure per line instead of two.
  const narrow = isNarrow();
  const stepLabel = (s, index) => {
    if (index === 0) return [stepName(s.step), `${fmtInt(s.sessions)} sessions`];
    const step = `${fmtPct(s.conversion_from_previous)} step`;
    const overall = `${fmtPct(s.conversion_from_start)} overall`;
    return narrow ? [stepName(s.step), step, overall] : [stepName(s.step), `${step} · ${overall}`];
  };
  draw("funnel", card.querySelector("canvas"), {
    type: "bar",
    data: {
      labels: steps.map(stepLabel),
      datasets: [
        {
          label: "Sessions",
          data: steps.map((s) => Number(s.sessions)),
          backgroundColor: steps.map((_, index) => (index === steps.length - 1 ? GREEN : BLUE)),
          borderRadius: 4,
          maxBarThickness: 34,
        },
      ],
    },
    options: {
      indexAxis: "y",
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: (items) => stepName(steps[items[0].dataIndex].step),
            label: (item) => {
              const s = steps[item.dataIndex];
              return [
                `${fmtInt(s.sessions)} sessions`,
                `${fmtPct(s.conversion_from_previous)} of the previous step`,
                `${fmtPct(s.conversion_from_start)} of all sessions`,
              ];
            },
          },
        },
      },
      scales: {
        x: { beginAtZero: true, ticks: { precision: 0 } },
        y: { grid: { display: false }, ticks: { autoSkip: false, font: { size: 11.5 } } },
      },
    },
  });
  return "";
}

export default {
  path: "kpi/funnel/",
  params: (ctx) => metricParams(ctx.state, ctx.today, { category: false }),
  render,
};

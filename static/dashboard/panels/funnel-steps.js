/* The funnel's step names and its bars, shared by the session and the customer funnel. */

import { BLUE, draw, GREEN, isNarrow } from "../charts.js";
import { fmtInt, fmtPct, titleCase } from "../format.js";

const STEP_NAMES = {
  session: "Session",
  product_view: "Product view",
  add_to_cart: "Add to cart",
  begin_checkout: "Begin checkout",
  purchase: "Purchase",
};

export const stepName = (step) => STEP_NAMES[step] || titleCase(step);

/**
 * One horizontal bar per step, the last one green, labelled with its step and overall
 * rates. `unit` names what is counted ("sessions", "customers"), `count` reads it from a
 * step, and `moreLines` adds tooltip lines after the rates.
 */
export function drawStepBars(card, steps, { unit, count, moreLines = () => [] }) {
  // On a phone the y-axis has little room: one figure per line instead of two.
  const narrow = isNarrow();
  const stepLabel = (s, index) => {
    if (index === 0) return [stepName(s.step), `${fmtInt(count(s))} ${unit}`];
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
          label: titleCase(unit),
          data: steps.map((s) => Number(count(s))),
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
                `${fmtInt(count(s))} ${unit}`,
                `${fmtPct(s.conversion_from_previous)} of the previous step`,
                `${fmtPct(s.conversion_from_start)} of all ${unit}`,
                ...moreLines(s),
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
}

/*
 * The checkout funnel counted in known customers (unit=customer): customers reaching
 * each step across their sessions within the conversion window, with step and overall
 * rates, and how many anonymous sessions were left out. No money: the API gives none.
 */

import { BLUE, draw, GREEN, isNarrow } from "../charts.js";
import { renderDataTable, setNote } from "../dom.js";
import { fmtInt, fmtPct, plural } from "../format.js";
import { stepName } from "./funnel-steps.js";

/** "Known customers only, each step within 14 days of their first session: 2 anonymous sessions left out." */
export function customerFunnelNote(data) {
  const window = plural(Number(data.window_days), "day");
  const left = plural(Number(data.anonymous_sessions), "anonymous session");
  return `Known customers only, each step within ${window} of their first session in the period: ${left} left out.`;
}

const COLUMNS = [
  { label: "Step", value: (s) => stepName(s.step), text: true },
  { label: "Customers", value: (s) => fmtInt(s.customers) },
  { label: "Of previous step", value: (s) => fmtPct(s.conversion_from_previous) },
  { label: "Of all customers", value: (s) => fmtPct(s.conversion_from_start) },
];

export function renderCustomerFunnel(data, card) {
  const steps = data.steps || [];
  renderDataTable(card, COLUMNS, steps);
  setNote(card, "[data-left-behind]", "");
  setNote(card, "[data-customer-note]", customerFunnelNote(data));
  if (!steps.length || Number(steps[0].customers) === 0) return "No known customers in this period";
  const narrow = isNarrow();
  const stepLabel = (s, index) => {
    if (index === 0) return [stepName(s.step), `${fmtInt(s.customers)} customers`];
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
          label: "Customers",
          data: steps.map((s) => Number(s.customers)),
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
                `${fmtInt(s.customers)} customers`,
                `${fmtPct(s.conversion_from_previous)} of the previous step`,
                `${fmtPct(s.conversion_from_start)} of all customers`,
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

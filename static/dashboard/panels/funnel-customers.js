/*
 * The checkout funnel counted in known customers (unit=customer): customers reaching
 * each step across their sessions within the conversion window, with step and overall
 * rates, and how many anonymous sessions were left out. No money: the API gives none.
 */

import { renderDataTable, setNote } from "../dom.js";
import { fmtInt, fmtPct, plural } from "../format.js";
import { drawStepBars, stepName } from "./funnel-steps.js";

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
  drawStepBars(card, steps, { unit: "customers", count: (s) => s.customers });
  return "";
}

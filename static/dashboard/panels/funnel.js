/*
 * The checkout funnel: sessions reaching each step, with step and overall rates, the
 * revenue of the sessions at each step and the cart value left behind by those that did
 * not buy; with a breakdown, the same funnel per source, device or country as grouped bars.
 */

import { draw, SERIES_COLOURS } from "../charts.js";
import { renderDataTable, setNote } from "../dom.js";
import { fmtInt, fmtPct, NO_VALUE, plural, titleCase } from "../format.js";
import { metricParams } from "../state.js";
import { renderCustomerFunnel } from "./funnel-customers.js";
import { drawStepBars, stepName } from "./funnel-steps.js";

const isCartStep = (s) => s.abandoned_sessions !== null && s.abandoned_sessions !== undefined;

/**
 * "Left behind: $30.00 in 2 carts at add to cart, $30.00 in 1 cart at begin checkout."
 * The list-price value of what the sessions at the cart steps added and did not buy.
 */
export function leftBehindNote(steps, fmt) {
  const parts = steps
    .filter(isCartStep)
    .map(
      (s) =>
        `${fmt.money(s.abandoned_cart_value)} in ${plural(Number(s.abandoned_sessions), "cart")} at ${stepName(s.step).toLowerCase()}`,
    );
  return parts.length ? `Left behind: ${parts.join(", ")}.` : "";
}

/** One bar series per breakdown value, its sessions per step in the steps' order. */
export function groupedDatasets(groups, stepKeys) {
  return groups.map((group, index) => {
    const byStep = Object.fromEntries(group.steps.map((s) => [s.step, Number(s.sessions)]));
    return {
      label: titleCase(group.value),
      data: stepKeys.map((step) => byStep[step] ?? 0),
      backgroundColor: SERIES_COLOURS[index % SERIES_COLOURS.length],
      borderRadius: 3,
      maxBarThickness: 18,
    };
  });
}

function tableColumns(fmt, grouped) {
  const columns = [
    { label: "Step", value: (s) => stepName(s.step), text: true },
    { label: "Sessions", value: (s) => fmtInt(s.sessions) },
    { label: "Of previous step", value: (s) => fmtPct(s.conversion_from_previous) },
    { label: "Of all sessions", value: (s) => fmtPct(s.conversion_from_start) },
    { label: "Revenue", value: (s) => fmt.money(s.revenue) },
    { label: "Revenue per session", value: (s) => fmt.money(s.revenue_per_session) },
    { label: "Left without buying", value: (s) => (isCartStep(s) ? fmtInt(s.abandoned_sessions) : NO_VALUE) },
    { label: "Cart value left", value: (s) => (isCartStep(s) ? fmt.money(s.abandoned_cart_value) : NO_VALUE) },
  ];
  if (grouped) columns.unshift({ label: "Group", value: (s) => titleCase(s.group), text: true });
  return columns;
}

function drawGroups(data, card, steps) {
  const stepKeys = steps.map((s) => s.step);
  draw("funnel", card.querySelector("canvas"), {
    type: "bar",
    data: { labels: stepKeys.map(stepName), datasets: groupedDatasets(data.groups, stepKeys) },
    options: {
      indexAxis: "y",
      plugins: {
        legend: { position: "bottom" },
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${fmtInt(item.raw)} sessions` } },
      },
      scales: {
        x: { beginAtZero: true, ticks: { precision: 0 } },
        y: { grid: { display: false }, ticks: { autoSkip: false, font: { size: 11.5 } } },
      },
    },
  });
}

function render(data, card, ctx) {
  if (data.unit === "customer") return renderCustomerFunnel(data, card);
  setNote(card, "[data-customer-note]", "");
  const steps = data.steps || [];
  const groups = data.groups || [];
  const grouped = groups.length > 0;
  const rows = grouped ? groups.flatMap((g) => g.steps.map((s) => ({ ...s, group: g.value }))) : steps;
  renderDataTable(card, tableColumns(ctx.fmt, grouped), rows);
  if (!steps.length || Number(steps[0].sessions) === 0) {
    setNote(card, "[data-left-behind]", "");
    return "No sessions in this period";
  }
  setNote(card, "[data-left-behind]", leftBehindNote(steps, ctx.fmt));
  if (grouped) {
    drawGroups(data, card, steps);
    return "";
  }
  drawStepBars(card, steps, {
    unit: "sessions",
    count: (s) => s.sessions,
    moreLines: (s) => [
      `${ctx.fmt.money(s.revenue)} revenue, ${ctx.fmt.money(s.revenue_per_session)} per session`,
      ...(isCartStep(s)
        ? [`${ctx.fmt.money(s.abandoned_cart_value)} left in ${plural(Number(s.abandoned_sessions), "cart")}`]
        : []),
    ],
  });
  return "";
}

export default {
  path: "kpi/funnel/",
  params: (ctx) => {
    const params = metricParams(ctx.state, ctx.today, { category: false });
    // Customers have no breakdown: their sessions have several sources and devices.
    if (ctx.state.funnel_unit === "customer") {
      params.unit = "customer";
      params.window_days = ctx.state.funnel_window;
    } else if (ctx.state.funnel_breakdown) params.breakdown = ctx.state.funnel_breakdown;
    return params;
  },
  render,
};

/* The KPI cards: five figures of the period, each with its change from the period before. */

import { describeChange, previousHasData } from "../compare.js";
import { daysInclusive, previousWindow } from "../dates.js";
import { el } from "../dom.js";
import { fmtDate, fmtInt, fmtPct } from "../format.js";
import { metricParams } from "../state.js";

function formats(fmt) {
  return {
    revenue: fmt.kpiMoney,
    orders: fmtInt,
    average_order_value: fmt.money,
    completion_rate: (v) => fmtPct(v),
    customers: fmtInt,
  };
}

function renderCard(card, key, format, current, before, when) {
  card.querySelector(".kpi-value").textContent = format(current);
  const delta = card.querySelector(".kpi-delta");
  const change = describeChange(key, current, before);
  delta.className = `kpi-delta ${change.direction}`;
  delta.dataset.comparable = String(change.comparable);
  if (!change.comparable) {
    delta.replaceChildren(el("span", { class: "vs" }, change.text));
    delta.title = `Nothing to compare with in the previous period${when}.`;
    delta.setAttribute("aria-label", `${change.spoken}${when ? ` in the previous period${when}` : ""}`);
    return;
  }
  delta.replaceChildren(
    el("span", { "aria-hidden": "true" }, `${change.arrow} `),
    change.text,
    el("span", { class: "vs" }, " vs previous"),
  );
  delta.title = `Previous period${when}: ${format(before)}`;
  delta.setAttribute(
    "aria-label",
    `${change.spoken} compared with the previous period${when}, which had ${format(before)}`,
  );
}

function render(data, section, ctx) {
  const previous = data.previous || null;
  const comparable = previousHasData(previous);
  const [previousStart, previousEnd] = previous?.start
    ? [previous.start, previous.end]
    : previousWindow(data.start, data.end);
  const when = previousStart ? ` (${fmtDate(previousStart)} – ${fmtDate(previousEnd)})` : "";
  for (const [key, format] of Object.entries(formats(ctx.fmt))) {
    const card = section.querySelector(`[data-kpi="${key}"]`);
    const before = comparable ? previous[key] : null;
    renderCard(card, key, format, data[key], before, when);
  }
  const compare = section.querySelector("#kpi-compare");
  if (!previousStart) compare.textContent = "";
  else {
    const days = fmtInt(daysInclusive(previousStart, previousEnd));
    compare.textContent = comparable
      ? `Changes compared with the ${days} days before: ${fmtDate(previousStart)} – ${fmtDate(previousEnd)}`
      : `No earlier data to compare with: no orders in the ${days} days before (${fmtDate(previousStart)} – ${fmtDate(previousEnd)})`;
  }
  const noOrders = Number(data.orders || 0) === 0 && Number(data.revenue || 0) === 0;
  return noOrders && !comparable ? "No orders in this period" : "";
}

export default {
  path: "kpi/summary/",
  params: (ctx) => metricParams(ctx.state, ctx.today),
  render,
};

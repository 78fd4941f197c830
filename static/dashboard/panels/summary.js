/* The KPI cards: five figures of the period, each with its change from the period before. */

import { previousHasData } from "../compare.js";
import { daysInclusive, previousWindow } from "../dates.js";
import { fmtDate, fmtInt, fmtPct } from "../format.js";
import { previousWhen, renderCard } from "../kpi-card.js";
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

function render(data, group, ctx) {
  const previous = data.previous || null;
  const comparable = previousHasData(previous);
  const [previousStart, previousEnd] = previous?.start
    ? [previous.start, previous.end]
    : previousWindow(data.start, data.end);
  const when = previousWhen(previousStart, previousEnd);
  for (const [key, format] of Object.entries(formats(ctx.fmt))) {
    const card = group.querySelector(`[data-kpi="${key}"]`);
    const before = comparable ? previous[key] : null;
    renderCard(card, key, format, data[key], before, when);
  }
  // The line above all the cards: the sales cards compare with the same period.
  const compare = document.getElementById("kpi-compare");
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

/*
 * The net and total sales cards, beside the other KPI cards: the window's totals from
 * /api/kpi/sales/ and their change from the equal window before it.
 */

import { previousWindow } from "../dates.js";
import { previousWhen, renderCard } from "../kpi-card.js";
import { hasSales } from "../sales.js";
import { metricParams } from "../state.js";

export const SALES_CARDS = ["net_sales", "total_sales"];

function render(data, group, ctx) {
  const totals = data.totals || {};
  const previous = data.previous || null;
  // Returns can fall in a window without orders: any term counts as earlier data.
  const comparable = hasSales(previous);
  const [previousStart, previousEnd] = previous?.start
    ? [previous.start, previous.end]
    : previousWindow(data.start, data.end);
  const when = previousWhen(previousStart, previousEnd);
  for (const key of SALES_CARDS) {
    const card = group.querySelector(`[data-kpi="${key}"]`);
    renderCard(card, key, ctx.fmt.kpiMoney, totals[key], comparable ? previous[key] : null, when);
  }
  return hasSales(totals) || comparable ? "" : "No sales in this period";
}

export default {
  path: "kpi/sales/",
  params: (ctx) => metricParams(ctx.state, ctx.today),
  render,
};

/*
 * The discount codes table: per code (and the orders without one, for comparison) the
 * orders, their buyers, the sales terms, the discount rate and the average order value.
 * Codes belong to whole orders, so the category filter does not apply here.
 */

import { el } from "../dom.js";
import { fmtInt, fmtPct } from "../format.js";
import { metricParams } from "../state.js";

export const NO_CODE = "No code";

const COLUMNS = [
  ["Code", (r) => r.code ?? NO_CODE],
  ["Orders", (r) => fmtInt(r.orders)],
  ["Share of orders", (r) => fmtPct(r.order_share)],
  ["Customers", (r) => fmtInt(r.customers)],
  ["New customers", (r) => fmtInt(r.new_customers)],
  ["Returning customers", (r) => fmtInt(r.returning_customers)],
  ["Gross sales", (r, fmt) => fmt.money(r.gross_sales)],
  ["Discounts", (r, fmt) => fmt.money(r.discounts)],
  ["Returns", (r, fmt) => fmt.money(r.returns)],
  ["Net sales", (r, fmt) => fmt.money(r.net_sales)],
  ["Discount rate", (r) => fmtPct(r.discount_rate)],
  ["Average order value", (r, fmt) => fmt.money(r.average_order_value)],
];

/** {headers, rows}: the table's column names and each row's cells as text. */
export function discountTable(results, fmt) {
  return {
    headers: COLUMNS.map(([label]) => label),
    rows: results.map((row) => COLUMNS.map(([, value]) => value(row, fmt))),
  };
}

/** "80.0% of 5 revenue orders used a discount code." ("" without orders). */
export function codeUsageNote(data) {
  const orders = Number(data.orders || 0);
  if (!orders) return "";
  const withCode = (data.results || []).filter((r) => r.code !== null).reduce((sum, r) => sum + Number(r.orders), 0);
  const noun = orders === 1 ? "revenue order" : "revenue orders";
  return `${fmtPct(withCode / orders)} of ${fmtInt(orders)} ${noun} used a discount code.`;
}

function render(data, card, ctx) {
  const results = data.results || [];
  const holder = card.querySelector(".discounts-scroll");
  card.querySelector("[data-code-usage]").textContent = codeUsageNote(data);
  if (!results.length) {
    holder.replaceChildren();
    return "No orders in this period";
  }
  const { headers, rows } = discountTable(results, ctx.fmt);
  const table = el("table", { class: "discounts-table" });
  table.appendChild(
    el(
      "caption",
      { class: "visually-hidden" },
      "Revenue orders by discount code, with their customers, sales terms, discount rate and average order value.",
    ),
  );
  const head = table.createTHead().insertRow();
  for (const label of headers) head.appendChild(el("th", { scope: "col" }, label));
  const body = table.createTBody();
  results.forEach((result, index) => {
    const tr = body.insertRow();
    if (result.code === null) tr.className = "no-code";
    const [code, ...cells] = rows[index];
    tr.appendChild(el("th", { scope: "row" }, code));
    for (const text of cells) tr.appendChild(el("td", {}, text));
  });
  holder.replaceChildren(table);
  return "";
}

export default {
  path: "kpi/discounts/",
  // Codes belong to whole orders: the endpoint takes no category, and the card says so.
  params: (ctx) => metricParams(ctx.state, ctx.today, { category: false }),
  render,
};

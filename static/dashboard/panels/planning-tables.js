/*
 * Two tables of the Planning section: the products bought together (support,
 * confidence, lift) and the product funnel (sessions that viewed, carted and bought
 * each product). Text goes in with textContent only (dom.el).
 */

import { el } from "../dom.js";
import { fmtInt, fmtPct } from "../format.js";
import { metricParams } from "../state.js";

export const PAIR_COLUMNS = [
  ["Product", (r) => `${r.name_a} (${r.sku_a})`],
  ["Bought with", (r) => `${r.name_b} (${r.sku_b})`],
  ["Orders with both", (r) => fmtInt(r.orders_with_both)],
  ["Support", (r) => fmtPct(r.support, 2)],
  ["Confidence", (r) => fmtPct(r.confidence)],
  ["Lift", (r) => Number(r.lift).toFixed(2)],
];

export const FUNNEL_COLUMNS = [
  ["Product", (r) => `${r.name} (${r.sku})`],
  ["Viewed", (r) => fmtInt(r.views)],
  ["Added to cart", (r) => fmtInt(r.carts)],
  ["Bought", (r) => fmtInt(r.purchases)],
  ["View → cart", (r) => fmtPct(r.view_to_cart)],
  ["Cart → purchase", (r) => fmtPct(r.cart_to_purchase)],
];

/** The cells of each row as text: [[first column, ...others], ...]. */
export const tableCells = (columns, rows) => rows.map((row) => columns.map(([, cell]) => cell(row)));

function fillTable(card, columns, rows, caption) {
  const table = el("table", { class: "discounts-table" });
  table.appendChild(el("caption", { class: "visually-hidden" }, caption));
  const head = table.createTHead().insertRow();
  for (const [label] of columns) head.appendChild(el("th", { scope: "col" }, label));
  const body = table.createTBody();
  for (const [first, ...cells] of tableCells(columns, rows)) {
    const tr = body.insertRow();
    tr.appendChild(el("th", { scope: "row" }, first));
    for (const text of cells) tr.appendChild(el("td", {}, text));
  }
  card.querySelector("[data-table]").replaceChildren(table);
}

export const pairs = {
  path: "demand/baskets/",
  params: (ctx) => metricParams(ctx.state, ctx.today),
  render(data, card) {
    const rows = data.results || [];
    if (!rows.length) {
      card.querySelector("[data-table]").replaceChildren();
      return "No pair of products bought together often enough in this period";
    }
    fillTable(card, PAIR_COLUMNS, rows, "Product pairs bought in the same orders, by lift.");
    return "";
  },
};

export const productFunnel = {
  path: "demand/product-funnel/",
  params: (ctx) => metricParams(ctx.state, ctx.today),
  render(data, card) {
    const rows = data.results || [];
    if (!rows.length) {
      card.querySelector("[data-table]").replaceChildren();
      return "No product views in this period";
    }
    fillTable(card, FUNNEL_COLUMNS, rows, "Sessions that viewed, added to the cart and bought each product.");
    return "";
  },
};

/*
 * The latest abandoned checkouts of known customers, newest first, a page at a time:
 * "More" asks for the page after the last one shown (the answer's next_cursor). The
 * e-mail is shown only when the API gives it (to staff).
 */

import { ApiError, apiURL, getJSON } from "../api.js";
import { el } from "../dom.js";
import { fmtInt } from "../format.js";
import { metricParams } from "../state.js";

export const PAGE_SIZE = 5;

/** "Tent × 2, Lamp": the products added to cart, with their units when more than one. */
export const productsText = (products) =>
  products.map((p) => (Number(p.units) > 1 ? `${p.name} × ${fmtInt(p.units)}` : p.name)).join(", ");

/** "2025-06-03 14:00" in the browser's clock: when the checkout's session started. */
const startedText = (iso) => iso.slice(0, 16).replace("T", " ");

function rowFor(checkout, fmt, withEmail) {
  const tr = el("tr");
  tr.appendChild(el("th", { scope: "row" }, checkout.customer));
  if (withEmail) tr.appendChild(el("td", {}, checkout.email || ""));
  tr.appendChild(el("td", {}, startedText(checkout.started_at)));
  tr.appendChild(el("td", { class: "text" }, productsText(checkout.products)));
  tr.appendChild(el("td", {}, fmt.money(checkout.cart_value)));
  return tr;
}

const params = (ctx) => ({ ...metricParams(ctx.state, ctx.today, { category: false }), limit: String(PAGE_SIZE) });

function render(data, card, ctx) {
  const holder = card.querySelector(".checkout-list-scroll");
  const more = card.querySelector("[data-more]");
  const moreError = card.querySelector("[data-more-error]");
  moreError.textContent = "";
  const results = data.results || [];
  if (!results.length) {
    holder.replaceChildren();
    more.hidden = true;
    return "No abandoned checkouts of known customers in this period";
  }
  const withEmail = results.some((c) => c.email);
  const table = el("table", { class: "discounts-table" });
  table.appendChild(el("caption", { class: "visually-hidden" }, "The latest abandoned checkouts of known customers."));
  const head = table.createTHead().insertRow();
  const headers = ["Customer", ...(withEmail ? ["E-mail"] : []), "Started", "Products", "Cart value"];
  for (const label of headers) head.appendChild(el("th", { scope: "col" }, label));
  const body = table.createTBody();
  for (const checkout of results) body.appendChild(rowFor(checkout, ctx.fmt, withEmail));
  holder.replaceChildren(table);

  // A new answer (new filters) replaces this one: its "More" must not append to it.
  const token = {};
  card.listToken = token;
  let cursor = data.next_cursor;
  more.hidden = !cursor;
  more.onclick = async () => {
    more.disabled = true;
    const apiBase = card.closest("[data-api-base]").dataset.apiBase;
    try {
      const page = await getJSON(apiURL(apiBase, "kpi/abandoned-checkout-list/", { ...params(ctx), cursor }));
      if (card.listToken !== token) return;
      for (const checkout of page.results) body.appendChild(rowFor(checkout, ctx.fmt, withEmail));
      cursor = page.next_cursor;
      more.hidden = !cursor;
    } catch (error) {
      if (card.listToken !== token) return;
      moreError.textContent = `Could not load more: ${error instanceof ApiError ? error.message : "try again."}`;
    } finally {
      more.disabled = false;
    }
  };
  return "";
}

export default { path: "kpi/abandoned-checkout-list/", params, render };

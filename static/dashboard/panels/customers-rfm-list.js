/*
 * The customers of one RFM group, a page at a time: "More" follows next_cursor (keyset
 * pages), so a long group never loads at once.
 */

import { apiURL, getJSON } from "../api.js";
import { el } from "../dom.js";
import { fmtInt, fmtPct, plural, titleCase } from "../format.js";
import { metricParams } from "../state.js";

const PAGE_SIZE = 50;

export const CUSTOMER_COLUMNS = [
  ["Customer", (c) => c.external_id],
  ["R (days)", (c) => fmtInt(c.recency)],
  ["F (orders)", (c) => fmtInt(c.frequency)],
  ["M", (c, fmt) => fmt.money(c.monetary)],
  ["Scores R·F·M", (c) => `${c.r_score}·${c.f_score}·${c.m_score}`],
  ["Predicted 12 months", (c, fmt) => fmt.money(c.predicted_revenue)],
  ["P(alive)", (c) => fmtPct(c.probability_alive, 0)],
];

function appendRows(body, customers, fmt) {
  for (const customer of customers) {
    const tr = body.insertRow();
    const [[, first], ...others] = CUSTOMER_COLUMNS;
    tr.appendChild(el("th", { scope: "row" }, first(customer, fmt)));
    for (const [, cell] of others) tr.appendChild(el("td", {}, cell(customer, fmt)));
  }
}

// A later choice supersedes an earlier one: its pages are dropped when they arrive.
let generation = 0;

export async function showGroupCustomers(card, ctx, group) {
  generation += 1;
  const mine = generation;
  const section = card.querySelector("[data-rfm-customers]");
  const holder = card.querySelector("[data-rfm-customers-table]");
  const state = card.querySelector("[data-rfm-customers-state]");
  const more = card.querySelector("[data-rfm-more]");
  const params = { ...metricParams(ctx.state, ctx.today), group: group.replace(/ /g, "_"), limit: PAGE_SIZE };
  section.hidden = false;
  card.querySelector("[data-rfm-customers-title]").textContent = `Customers: ${titleCase(group)}`;
  card.querySelector("[data-rfm-customers-csv]").href = apiURL(ctx.apiBase, "cohorts/rfm-customers/", {
    ...params,
    format: "csv",
  });
  for (const row of card.querySelectorAll("[data-group]")) row.classList.toggle("chosen", row.dataset.group === group);
  const table = el("table", { class: "discounts-table" });
  table.appendChild(el("caption", { class: "visually-hidden" }, `Customers of the group ${group}`));
  const head = table.createTHead().insertRow();
  for (const [label] of CUSTOMER_COLUMNS) head.appendChild(el("th", { scope: "col" }, label));
  const body = table.createTBody();
  holder.replaceChildren(table);
  let cursor = null;

  async function loadPage() {
    more.hidden = true;
    state.textContent = "Loading…";
    let page;
    try {
      page = await getJSON(apiURL(ctx.apiBase, "cohorts/rfm-customers/", cursor ? { ...params, cursor } : params));
    } catch (error) {
      if (mine === generation) state.textContent = `Could not load: ${error.message}`;
      return;
    }
    if (mine !== generation) return;
    appendRows(body, page.results || [], ctx.fmt);
    cursor = page.next_cursor;
    const shown = body.rows.length;
    state.textContent = shown
      ? `${plural(shown, "customer")} shown${cursor ? ", more to come" : ""}`
      : "No customers in this group";
    more.hidden = !cursor;
  }

  more.onclick = loadPage;
  await loadPage();
}

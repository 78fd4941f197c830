/*
 * RFM groups: the 5×5 grid as a heat map of buttons (R 5..1 by FM 1..5), the group
 * table, and the customer list of the group chosen in either (customers-rfm-list.js).
 */

import { apiURL, getJSON } from "../api.js";
import { el } from "../dom.js";
import { fmtDate, fmtInt, fmtPct, NO_VALUE, titleCase } from "../format.js";
import { metricParams } from "../state.js";
import { showGroupCustomers } from "./customers-rfm-list.js";

/** The grid's cells as rows R 5..1, each FM 1..5: [{r_score, fm_score, group, customers}]. */
export function gridRows(grid) {
  const byCell = new Map((grid || []).map((cell) => [`${cell.r_score}:${cell.fm_score}`, cell]));
  return [5, 4, 3, 2, 1].map((r) =>
    [1, 2, 3, 4, 5].map((fm) => byCell.get(`${r}:${fm}`) || { r_score: r, fm_score: fm, group: "", customers: 0 }),
  );
}

export const GROUP_COLUMNS = [
  ["Group", (g) => titleCase(g.group)],
  ["Customers", (g) => fmtInt(g.customers)],
  ["Share", (g) => fmtPct(g.share)],
  ["Revenue", (g, fmt) => fmt.money(g.revenue)],
  ["Share of revenue", (g) => fmtPct(g.revenue_share)],
  ["Median R (days)", (g) => fmtInt(g.median_recency)],
  ["Median F (orders)", (g) => fmtInt(g.median_frequency)],
  ["Median M", (g, fmt) => fmt.money(g.median_monetary)],
];

function renderGrid(holder, data, choose) {
  const rows = gridRows(data.grid);
  const most = Math.max(1, ...rows.flat().map((cell) => cell.customers));
  const grid = el("div", { class: "rfm-cells" });
  grid.appendChild(el("span", { class: "rfm-corner", "aria-hidden": "true" }, "R \\ FM"));
  for (const fm of [1, 2, 3, 4, 5])
    grid.appendChild(el("span", { class: "rfm-axis", "aria-hidden": "true" }, `FM ${fm}`));
  for (const row of rows) {
    grid.appendChild(el("span", { class: "rfm-axis", "aria-hidden": "true" }, `R ${row[0].r_score}`));
    for (const cell of row) {
      const label = `R ${cell.r_score}, FM ${cell.fm_score}: ${titleCase(cell.group)}, ${fmtInt(cell.customers)} customers`;
      const button = el("button", { type: "button", class: "rfm-cell", "aria-label": label, "data-group": cell.group });
      button.appendChild(el("span", { class: "rfm-cell-group" }, titleCase(cell.group)));
      button.appendChild(el("span", { class: "rfm-cell-count" }, fmtInt(cell.customers)));
      const strength = cell.customers / most;
      // A colour per count: set through the CSSOM, which the CSP allows (no style attribute).
      button.style.backgroundColor = `rgba(0, 114, 178, ${(0.06 + 0.94 * strength).toFixed(3)})`;
      if (strength > 0.55) button.classList.add("dark");
      button.addEventListener("click", () => choose(cell.group));
      grid.appendChild(button);
    }
  }
  holder.replaceChildren(grid);
}

function renderTable(holder, groups, fmt, choose) {
  const table = el("table", { class: "discounts-table rfm-table" });
  table.appendChild(el("caption", { class: "visually-hidden" }, "RFM groups: size, revenue and medians"));
  const head = table.createTHead().insertRow();
  for (const [label] of GROUP_COLUMNS) head.appendChild(el("th", { scope: "col" }, label));
  head.appendChild(el("th", { scope: "col" }, PREDICTED_COLUMN));
  const body = table.createTBody();
  for (const group of groups) {
    const tr = body.insertRow();
    tr.dataset.group = group.group;
    const [[, first], ...others] = GROUP_COLUMNS;
    const th = el("th", { scope: "row" });
    const button = el("button", { type: "button", class: "link-button" }, first(group, fmt));
    button.addEventListener("click", () => choose(group.group));
    th.appendChild(button);
    tr.appendChild(th);
    for (const [, cell] of others) tr.appendChild(el("td", {}, cell(group, fmt)));
    tr.appendChild(el("td", { "data-rfm-predicted": "" }, NO_VALUE));
  }
  holder.replaceChildren(table);
}

export const PREDICTED_COLUMN = "Predicted 12-month value per customer";

/** The model's predicted revenue of the next 12 months per customer of each group
 * (customer-value's rfm_groups, groups as of the fit's day); a dash where the fit has
 * none. A failed request leaves the dashes: the table itself has loaded. */
async function fillPredicted(holder, ctx) {
  let value;
  try {
    value = await getJSON(apiURL(ctx.apiBase, "cohorts/customer-value/", metricParams(ctx.state, ctx.today)));
  } catch {
    return;
  }
  const byGroup = new Map((value.rfm_groups || []).map((g) => [g.group, g]));
  for (const row of holder.querySelectorAll("tbody tr")) {
    const group = byGroup.get(row.dataset.group);
    row.querySelector("[data-rfm-predicted]").textContent = group
      ? ctx.fmt.money(group.mean_predicted_revenue)
      : NO_VALUE;
  }
}

function render(data, card, ctx) {
  const groups = data.groups || [];
  const choose = (group) => {
    card.dataset.rfmGroup = group;
    showGroupCustomers(card, ctx, group);
  };
  if (!data.customers) {
    card.querySelector("[data-rfm-customers]").hidden = true;
    card.querySelector("[data-rfm-grid]").replaceChildren();
    card.querySelector("[data-rfm-table]").replaceChildren();
    card.querySelector("[data-rfm-as-of]").textContent = "";
    return "No customers in this period";
  }
  card.querySelector("[data-rfm-as-of]").textContent =
    `As of ${fmtDate(data.as_of)}: ${fmtInt(data.customers)} customers, ${ctx.fmt.money(data.revenue)} revenue.`;
  renderGrid(card.querySelector("[data-rfm-grid]"), data, choose);
  renderTable(card.querySelector("[data-rfm-table]"), groups, ctx.fmt, choose);
  fillPredicted(card.querySelector("[data-rfm-table]"), ctx);
  // A list left open follows the new filters rather than closing under the reader.
  if (card.dataset.rfmGroup) choose(card.dataset.rfmGroup);
  return "";
}

export default {
  path: "cohorts/rfm/",
  params: (ctx) => metricParams(ctx.state, ctx.today),
  render,
};

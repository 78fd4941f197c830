/*
 * Why revenue changed: a one-line summary built from the numbers, and a table with the
 * total and each traffic source (previous and current revenue, the change and its
 * traffic, conversion and order-value effects, which add up to it to the cent).
 */

import { el } from "../dom.js";
import { fmtPct } from "../format.js";
import { metricParams } from "../state.js";

const EFFECTS = [
  ["traffic_effect", "more visits added", "fewer visits cost"],
  ["conversion_effect", "higher conversion added", "lower conversion cost"],
  ["order_value_effect", "larger baskets added", "smaller baskets cost"],
];

/**
 * "Revenue rose 12.0% ($48,000.00): more visits added $61,000.00, lower conversion cost
 * $19,000.00, larger baskets added $6,000.00; email drove most of the change."
 */
export function changeSummary(data, fmt) {
  const effects = data.total.effects;
  const change = Number(effects.change);
  if (!change) return "Revenue did not change against the compared period.";
  const direction = change > 0 ? "rose" : "fell";
  const rate = effects.change_rate === null ? "" : ` ${fmtPct(Math.abs(effects.change_rate))}`;
  let parts;
  if (effects.sessions_known) {
    parts = EFFECTS.filter(([key]) => Number(effects[key])).map(([key, up, down]) => {
      const value = Number(effects[key]);
      return `${value > 0 ? up : down} ${fmt.money(Math.abs(value))}`;
    });
  } else {
    const orders = Number(effects.orders_effect);
    const value = Number(effects.order_value_effect);
    parts = [
      `${orders >= 0 ? "more orders added" : "fewer orders cost"} ${fmt.money(Math.abs(orders))}`,
      `${value >= 0 ? "larger baskets added" : "smaller baskets cost"} ${fmt.money(Math.abs(value))}`,
      "(no sessions to split traffic from conversion)",
    ];
  }
  const lead = [...(data.results || [])].sort(
    (a, b) => Math.sign(change) * (Number(b.effects.change) - Number(a.effects.change)),
  )[0];
  const driver =
    lead && Math.sign(Number(lead.effects.change)) === Math.sign(change)
      ? `; ${lead.source} drove most of the change`
      : "";
  return `Revenue ${direction}${rate} (${fmt.money(Math.abs(change))}): ${parts.join(", ")}${driver}.`;
}

const COLUMNS = [
  ["Previous", (r, fmt) => fmt.money(r.previous.revenue)],
  ["Current", (r, fmt) => fmt.money(r.current.revenue)],
  ["Change", (r, fmt) => fmt.signedMoney(r.effects.change)],
  ["Traffic", (r, fmt) => fmt.signedMoney(r.effects.traffic_effect)],
  ["Conversion", (r, fmt) => fmt.signedMoney(r.effects.conversion_effect)],
  ["Order value", (r, fmt) => fmt.signedMoney(r.effects.order_value_effect)],
  ["Share of the change", (r) => fmtPct(r.contribution)],
];

/** {headers, rows}: the total first, then each source; each row's cells as text. */
export function changeTable(data, fmt) {
  const total = { ...data.total, source: "All sources", contribution: data.total.effects.change ? 1 : null };
  return {
    headers: ["Source", ...COLUMNS.map(([label]) => label)],
    rows: [total, ...(data.results || [])].map((row) => [row.source, ...COLUMNS.map(([, value]) => value(row, fmt))]),
  };
}

function render(data, card, ctx) {
  const holder = card.querySelector(".revenue-change-scroll");
  const line = card.querySelector("[data-change-summary]");
  const compared = card.querySelector("[data-compared-period]");
  compared.textContent = data.compare_start ? `Compared with ${data.compare_start} to ${data.compare_end}.` : "";
  if (!data.results.length) {
    line.textContent = "";
    holder.replaceChildren();
    return "No orders or sessions in these periods";
  }
  line.textContent = changeSummary(data, ctx.fmt);
  const { headers, rows } = changeTable(data, ctx.fmt);
  const table = el("table", { class: "discounts-table" });
  table.appendChild(
    el(
      "caption",
      { class: "visually-hidden" },
      "Revenue change per traffic source, split into traffic, conversion and order-value effects.",
    ),
  );
  const head = table.createTHead().insertRow();
  for (const label of headers) head.appendChild(el("th", { scope: "col" }, label));
  const body = table.createTBody();
  for (const [source, ...cells] of rows) {
    const tr = body.insertRow();
    tr.appendChild(el("th", { scope: "row" }, source));
    for (const text of cells) tr.appendChild(el("td", {}, text));
  }
  holder.replaceChildren(table);
  return "";
}

export default {
  path: "kpi/revenue-change/",
  params: (ctx) => metricParams(ctx.state, ctx.today, { category: false }),
  render,
};

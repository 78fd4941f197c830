/* The cohort retention heat-map: an HTML table (readable, copyable), scrolling sideways. */

import { el } from "../dom.js";
import { fmtInt, fmtMonth, fmtPct } from "../format.js";
import { metricParams } from "../state.js";

/**
 * Say when the table is wider than its card: a hint above it, and a fading right edge
 * until the last column is in view.
 */
export function updateScrollHint(card) {
  const holder = card.querySelector(".heatmap-scroll");
  const hint = card.querySelector("[data-scroll-hint]");
  if (!holder || !hint) return;
  const overflow = holder.scrollWidth - holder.clientWidth > 1;
  const atEnd = holder.scrollLeft + holder.clientWidth >= holder.scrollWidth - 1;
  hint.hidden = !overflow;
  holder.classList.toggle("more-right", overflow && !atEnd);
}

function heading(k) {
  if (k === 0) return "The cohort's first month";
  return `${k} month${k > 1 ? "s" : ""} after the first`;
}

function cell(tr, row, k) {
  const rate = row.retention[k];
  const td = tr.insertCell();
  if (rate === null || rate === undefined) {
    td.className = "cell na";
    td.title = k < row.retention.length ? "Month not ended yet" : "";
    return;
  }
  // sqrt lifts the small rates typical after month 0 into visible shades.
  const strength = Math.sqrt(Math.max(0, Math.min(1, rate)));
  td.className = `cell${strength > 0.62 ? " dark" : ""}`;
  td.style.backgroundColor = `rgba(0, 114, 178, ${(0.06 + 0.94 * strength).toFixed(3)})`;
  td.textContent = fmtPct(rate, 0);
  td.title = `${fmtMonth(row.cohort)}, month ${k}: ${fmtPct(rate)} of ${fmtInt(row.size)}`;
}

function render(data, card) {
  const rows = data.results || [];
  const holder = card.querySelector(".heatmap-scroll");
  if (!holder.dataset.watched) {
    holder.dataset.watched = "true";
    holder.addEventListener("scroll", () => updateScrollHint(card), { passive: true });
    new ResizeObserver(() => updateScrollHint(card)).observe(holder);
  }
  if (!rows.length) {
    holder.replaceChildren();
    updateScrollHint(card);
    return "No customers acquired in this period";
  }
  const width = Math.max(...rows.map((r) => r.retention.length));
  const table = el("table", { class: "heatmap" });
  table.appendChild(
    el(
      "caption",
      { class: "visually-hidden" },
      "Share of each monthly cohort with a revenue order k months after its first; empty cells: month not ended yet.",
    ),
  );
  const head = table.createTHead().insertRow();
  head.appendChild(el("th", { scope: "col" }, "Cohort"));
  head.appendChild(el("th", { scope: "col", title: "Customers in the cohort" }, "Customers"));
  for (let k = 0; k < width; k++) head.appendChild(el("th", { scope: "col", title: heading(k) }, `M${k}`));
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    tr.appendChild(el("th", { scope: "row" }, fmtMonth(row.cohort)));
    tr.appendChild(el("td", { class: "size" }, fmtInt(row.size)));
    for (let k = 0; k < width; k++) cell(tr, row, k);
  }
  holder.replaceChildren(table);
  updateScrollHint(card);
  return "";
}

export default {
  path: "cohorts/retention/",
  params: (ctx) => ({ ...metricParams(ctx.state, ctx.today), months: ctx.state.months }),
  render,
};

/*
 * ABC grading as a Pareto chart: each product's revenue as a bar (coloured by class),
 * the cumulative share of revenue as a line, and the class table above it.
 */

import { BLUE, draw, GREEN, isNarrow, ORANGE, percentAxis } from "../charts.js";
import { el, renderDataTable } from "../dom.js";
import { fmtInt, fmtPct, shorten } from "../format.js";
import { metricParams } from "../state.js";

export const GRADE_COLOURS = { A: BLUE, B: ORANGE, C: GREEN };
// Beyond this many products the bars would be hairlines: the chart keeps the first ones.
const MAX_BARS = 40;

/** The class table's rows: "A", "3 products", "$800.00", "80.0%". */
export function classRows(classes, fmt) {
  return (classes || []).map((c) => [c.grade, fmtInt(c.products), fmt.money(c.revenue), fmtPct(c.share)]);
}

function renderClasses(holder, data, fmt) {
  const table = el("table", { class: "discounts-table abc-table" });
  table.appendChild(
    el("caption", {}, `Classes: A ${data.a_share} %, B ${data.b_share} %, C ${data.c_share} % of revenue`),
  );
  const head = table.createTHead().insertRow();
  for (const label of ["Class", "Products", "Revenue", "Share of revenue"])
    head.appendChild(el("th", { scope: "col" }, label));
  const body = table.createTBody();
  for (const [grade, ...cells] of classRows(data.classes, fmt)) {
    const tr = body.insertRow();
    tr.appendChild(el("th", { scope: "row" }, grade));
    for (const text of cells) tr.appendChild(el("td", {}, text));
  }
  holder.replaceChildren(table);
}

function render(data, card, ctx) {
  const { money } = ctx.fmt;
  const rows = data.results || [];
  renderDataTable(
    card,
    [
      { label: "SKU", value: (r) => r.sku, text: true },
      { label: "Product", value: (r) => r.name, text: true },
      { label: "Class", value: (r) => r.grade },
      { label: "Revenue", value: (r) => money(r.revenue) },
      { label: "Units", value: (r) => fmtInt(r.units) },
      { label: "Share", value: (r) => fmtPct(r.share) },
      { label: "Cumulative share", value: (r) => fmtPct(r.cumulative_share) },
    ],
    rows,
  );
  const holder = card.querySelector("[data-abc-classes]");
  if (!rows.length) {
    holder.replaceChildren();
    return "No products sold in this period";
  }
  renderClasses(holder, data, ctx.fmt);
  const shown = rows.slice(0, MAX_BARS);
  const narrow = isNarrow();
  draw("abc", card.querySelector("canvas"), {
    type: "bar",
    data: {
      labels: shown.map((r) => shorten(r.name, narrow ? 10 : 18)),
      datasets: [
        {
          type: "line",
          label: "Cumulative share",
          data: shown.map((r) => r.cumulative_share),
          yAxisID: "share",
          borderColor: "#1d2433",
          backgroundColor: "#1d2433",
          pointRadius: 2,
        },
        {
          label: "Revenue",
          data: shown.map((r) => Number(r.revenue)),
          backgroundColor: shown.map((r) => GRADE_COLOURS[r.grade]),
          yAxisID: "revenue",
        },
      ],
    },
    options: {
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            title: (items) => `${shown[items[0].dataIndex].name} (class ${shown[items[0].dataIndex].grade})`,
            label: (item) =>
              item.dataset.yAxisID === "share"
                ? `Cumulative share: ${fmtPct(item.raw)}`
                : `Revenue: ${money(item.raw)}`,
          },
        },
      },
      scales: {
        revenue: { position: "left", beginAtZero: true, ticks: { callback: (v) => money(v) } },
        share: { position: "right", ...percentAxis(1), grid: { display: false } },
        x: { ticks: { autoSkip: true, maxRotation: 60 } },
      },
    },
  });
  return "";
}

export default {
  path: "demand/abc/",
  params: (ctx) => metricParams(ctx.state, ctx.today),
  render,
};

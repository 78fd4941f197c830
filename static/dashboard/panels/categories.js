/* Units sold per category and month, stacked. */

import { draw, SERIES_COLOURS } from "../charts.js";
import { renderDataTable } from "../dom.js";
import { fmtInt, fmtMonth } from "../format.js";
import { metricParams } from "../state.js";

function render(data, card, ctx) {
  const { money } = ctx.fmt;
  const rows = data.results || [];
  renderDataTable(
    card,
    [
      { label: "Month", value: (r) => r.month },
      { label: "Category", value: (r) => r.category, text: true },
      { label: "Units", value: (r) => fmtInt(r.units) },
      { label: "Revenue", value: (r) => money(r.revenue) },
    ],
    rows,
  );
  if (!rows.length) return "No products sold in this period";
  const months = [...new Set(rows.map((r) => r.month))].sort();
  const categories = [...new Set(rows.map((r) => r.category))].sort();
  const units = new Map(rows.map((r) => [`${r.month}\u0000${r.category}`, Number(r.units)]));
  draw("categories", card.querySelector("canvas"), {
    type: "bar",
    data: {
      labels: months.map(fmtMonth),
      datasets: categories.map((category, index) => ({
        label: category,
        data: months.map((month) => units.get(`${month}\u0000${category}`) || 0),
        backgroundColor: SERIES_COLOURS[index % SERIES_COLOURS.length],
        maxBarThickness: 44,
      })),
    },
    options: {
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom" },
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${fmtInt(item.raw)} units` } },
      },
      scales: {
        x: { stacked: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 8 } },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
      },
    },
  });
  return "";
}

export default {
  path: "demand/by-category/",
  params: (ctx) => metricParams(ctx.state, ctx.today),
  render,
};

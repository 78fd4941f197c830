/* Top products by units sold: a horizontal bar per product. */

import { BLUE, draw, isNarrow } from "../charts.js";
import { renderDataTable } from "../dom.js";
import { fmtInt, shorten } from "../format.js";
import { metricParams } from "../state.js";

function render(data, card, ctx) {
  const { money } = ctx.fmt;
  const rows = data.results || [];
  renderDataTable(
    card,
    [
      { label: "Product", value: (r) => r.name, text: true },
      { label: "SKU", value: (r) => r.sku },
      { label: "Category", value: (r) => r.category, text: true },
      { label: "Units", value: (r) => fmtInt(r.units) },
      { label: "Revenue", value: (r) => money(r.revenue) },
      { label: "Buyers", value: (r) => fmtInt(r.buyers) },
    ],
    rows,
  );
  const body = card.querySelector(".chart-body");
  const height = `${Math.max(220, rows.length * 30 + 50)}px`;
  body.style.setProperty("--chart-height", height);
  body.style.setProperty("--chart-height-mobile", height);
  if (!rows.length) return "No products sold in this period";
  const narrow = isNarrow();
  draw("products", card.querySelector("canvas"), {
    type: "bar",
    data: {
      labels: rows.map((r) => shorten(r.name, narrow ? 18 : 32)),
      datasets: [
        {
          label: "Units sold",
          data: rows.map((r) => Number(r.units)),
          backgroundColor: BLUE,
          borderRadius: 3,
          maxBarThickness: 22,
        },
      ],
    },
    options: {
      indexAxis: "y",
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: (items) => rows[items[0].dataIndex].name,
            label: (item) => {
              const r = rows[item.dataIndex];
              return [
                `${fmtInt(r.units)} units · ${money(r.revenue)}`,
                `${fmtInt(r.buyers)} buyers`,
                `${r.sku} · ${r.category}`,
              ];
            },
          },
        },
      },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { grid: { display: false } } },
    },
  });
  return "";
}

export default {
  path: "demand/top-products/",
  params: (ctx) => ({ ...metricParams(ctx.state, ctx.today), limit: ctx.state.limit }),
  render,
};

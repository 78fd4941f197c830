/*
 * Return rates per category: by units (units returned ÷ units sold) and by value
 * (returned value ÷ gross sales), as horizontal bar pairs, most returned value first.
 */

import { BLUE, draw, isNarrow, percentAxis, VERMILLION } from "../charts.js";
import { renderDataTable } from "../dom.js";
import { fmtInt, fmtPct, isMissing, shorten } from "../format.js";
import { metricParams } from "../state.js";

const rateOrNull = (value) => (isMissing(value) ? null : Number(value));

/** The bars: one pair per category; null where nothing was sold to compare with. */
export function returnSeries(results) {
  return {
    labels: results.map((r) => r.category),
    units: results.map((r) => rateOrNull(r.unit_return_rate)),
    value: results.map((r) => rateOrNull(r.value_return_rate)),
  };
}

/** "Overall: 22.2% of 9 units sold and 21.7% of $300.00 of gross sales came back." */
export function returnsNote(totals, fmt) {
  if (!totals || (!Number(totals.units_sold) && !Number(totals.units_returned))) return "";
  return (
    `Overall: ${fmtPct(totals.unit_return_rate)} of ${fmtInt(totals.units_sold)} units sold and ` +
    `${fmtPct(totals.value_return_rate)} of ${fmt.money(totals.gross_sales)} of gross sales came back.`
  );
}

/** A rate in a tooltip: "25.0% · 1 of 4 units", or why there is none. */
function rateText(rate, returned, sold, unit = "") {
  if (isMissing(rate)) return `${returned} returned, nothing sold in the period`;
  return `${fmtPct(rate)} · ${returned} of ${sold}${unit}`;
}

function render(data, card, ctx) {
  const { money } = ctx.fmt;
  const rows = data.results || [];
  renderDataTable(
    card,
    [
      { label: "Category", value: (r) => r.category, text: true },
      { label: "Units sold", value: (r) => fmtInt(r.units_sold) },
      { label: "Units returned", value: (r) => fmtInt(r.units_returned) },
      { label: "Return rate by units", value: (r) => fmtPct(r.unit_return_rate) },
      { label: "Gross sales", value: (r) => money(r.gross_sales) },
      { label: "Returned value", value: (r) => money(r.returned_value) },
      { label: "Return rate by value", value: (r) => fmtPct(r.value_return_rate) },
    ],
    rows,
  );
  card.querySelector("[data-returns-overall]").textContent = returnsNote(data.totals, ctx.fmt);
  const body = card.querySelector(".chart-body");
  const height = `${Math.max(220, rows.length * 46 + 70)}px`;
  body.style.setProperty("--chart-height", height);
  body.style.setProperty("--chart-height-mobile", height);
  if (!rows.length) return "No sales or returns in this period";
  const series = returnSeries(rows);
  const narrow = isNarrow();
  const bars = (label, values, colour) => ({
    label,
    data: values,
    backgroundColor: colour,
    borderRadius: 3,
    maxBarThickness: 18,
  });
  draw("returns", card.querySelector("canvas"), {
    type: "bar",
    data: {
      labels: series.labels.map((name) => shorten(name, narrow ? 16 : 28)),
      datasets: [bars("By units", series.units, BLUE), bars("By value", series.value, VERMILLION)],
    },
    options: {
      indexAxis: "y",
      interaction: { mode: "index", axis: "y", intersect: false },
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            title: (items) => rows[items[0].dataIndex].category,
            label: (item) => {
              const r = rows[item.dataIndex];
              return item.datasetIndex === 0
                ? `By units: ${rateText(r.unit_return_rate, fmtInt(r.units_returned), fmtInt(r.units_sold), " units")}`
                : `By value: ${rateText(r.value_return_rate, money(r.returned_value), money(r.gross_sales))}`;
            },
          },
        },
      },
      scales: {
        x: { ...percentAxis(undefined), ticks: { callback: (v) => fmtPct(v, v < 0.1 ? 1 : 0) } },
        y: { grid: { display: false } },
      },
    },
  });
  return "";
}

export default {
  path: "demand/returns/",
  params: (ctx) => ({ ...metricParams(ctx.state, ctx.today), by: "category" }),
  render,
};

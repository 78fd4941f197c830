/*
 * The sales breakdown: the terms per day, week or month as stacked bars (what adds
 * above zero, what is taken off below it) with net and total sales as lines, and the
 * window's waterfall from gross sales to total sales.
 */

import { BLUE, draw, GREEN, isNarrow, ORANGE, VERMILLION } from "../charts.js";
import { renderDataTable } from "../dom.js";
import { fmtInt, titleCase } from "../format.js";
import { breakdownSeries, hasSales, TERM_NAMES, waterfallSteps, waterfallText } from "../sales.js";
import { metricParams } from "../state.js";
import { bucketLabels } from "./revenue.js";

// One colour per term on both charts; Okabe-Ito, with the text colour for net sales.
export const TERM_COLOURS = {
  gross_sales: BLUE,
  discounts: ORANGE,
  returns: VERMILLION,
  net_sales: "#1d2433",
  shipping: "#56B4E9",
  taxes: "#CC79A7",
  total_sales: GREEN,
};
const BAR_TERMS = ["gross_sales", "discounts", "returns", "shipping", "taxes"];

function drawTerms(part, data, ctx) {
  const granularity = data.granularity || ctx.state.sales_granularity;
  const { money, compact } = ctx.fmt;
  const rows = data.results || [];
  const labels = bucketLabels(rows, granularity, data, ctx.today);
  renderDataTable(
    part,
    [
      { label: granularity === "week" ? "Week of" : titleCase(granularity), value: (r) => r.period },
      { label: "Orders", value: (r) => fmtInt(r.orders) },
      ...["gross_sales", "discounts", "returns", "net_sales", "shipping", "taxes", "total_sales"].map((key) => ({
        label: TERM_NAMES[key],
        value: (r) => money(r[key]),
      })),
      { label: "Complete period", value: (r) => (r.partial ? "no" : "yes") },
    ],
    rows,
  );
  const series = breakdownSeries(rows);
  const line = (key, dash) => ({
    type: "line",
    label: TERM_NAMES[key],
    term: key,
    data: series[key],
    // Its own stack: a line is drawn at its value, not on top of the bars.
    stack: key,
    borderColor: TERM_COLOURS[key],
    backgroundColor: TERM_COLOURS[key],
    borderWidth: 2.5,
    borderDash: dash,
    pointRadius: rows.length > 60 ? 0 : 3,
    tension: 0.2,
    // Drawn over the bars (a lower order is drawn later).
    order: 0,
  });
  draw("sales-terms", part.querySelector("canvas"), {
    type: "bar",
    data: {
      labels,
      datasets: [
        ...BAR_TERMS.map((key) => ({
          label: TERM_NAMES[key],
          term: key,
          data: series[key],
          stack: "terms",
          backgroundColor: TERM_COLOURS[key],
          maxBarThickness: 44,
          order: 1,
        })),
        line("net_sales", undefined),
        line("total_sales", [6, 4]),
      ],
    },
    options: {
      interaction: { mode: "index", intersect: false },
      plugins: {
        // The legend as the datasets are listed (Chart.js would sort it by drawing order).
        legend: { position: "bottom", labels: { sort: (a, b) => a.datasetIndex - b.datasetIndex } },
        tooltip: {
          callbacks: {
            title: (items) => {
              const row = rows[items[0].dataIndex];
              return `${granularity === "week" ? "Week of " : ""}${row.period}${row.partial ? " (partial)" : ""}`;
            },
            // The terms as the books write them: discounts and returns as positive amounts taken off.
            label: (item) => {
              const { term } = item.dataset;
              const taken = term === "discounts" || term === "returns" ? "−" : "";
              return `${item.dataset.label}: ${taken}${money(rows[item.dataIndex][term])}`;
            },
          },
        },
      },
      scales: {
        x: { stacked: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
        y: {
          stacked: true,
          ticks: { callback: (v) => compact(v) },
          grid: { color: (c) => (c.tick.value === 0 ? "#9aa5b5" : "#e9edf3") },
        },
      },
    },
  });
}

function drawWaterfall(part, data, ctx) {
  const { money, signedMoney, compact } = ctx.fmt;
  const steps = waterfallSteps(data.totals);
  renderDataTable(
    part,
    [
      { label: "Step", value: (s) => s.label, text: true },
      { label: "Amount", value: (s) => (s.kind === "total" ? money(s.amount) : signedMoney(s.amount)) },
      { label: "Running total", value: (s) => money(s.running) },
    ],
    steps,
  );
  const canvas = part.querySelector("canvas");
  canvas.setAttribute("aria-label", waterfallText(steps, ctx.fmt));
  // On a phone seven bars side by side leave no room for their names: they lie down.
  const horizontal = isNarrow();
  const moneyAxis = {
    beginAtZero: true,
    ticks: { callback: (v) => compact(v) },
    grid: { color: (c) => (c.tick.value === 0 ? "#9aa5b5" : "#e9edf3") },
  };
  const stepAxis = { grid: { display: false }, ticks: { autoSkip: false, maxRotation: 0 } };
  draw("sales-waterfall", canvas, {
    type: "bar",
    data: {
      // Upright, seven names share a third of the card: a word a line.
      labels: steps.map((s) => (horizontal ? s.label : s.label.split(" "))),
      datasets: [
        {
          label: "From gross to total sales",
          data: steps.map((s) => s.range),
          backgroundColor: steps.map((s) => TERM_COLOURS[s.key]),
          borderRadius: 3,
          borderSkipped: false,
          maxBarThickness: 56,
        },
      ],
    },
    options: {
      indexAxis: horizontal ? "y" : "x",
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: (items) => steps[items[0].dataIndex].label,
            label: (item) => {
              const step = steps[item.dataIndex];
              if (step.kind === "total") return money(step.amount);
              return `${signedMoney(step.amount)}, leaving ${money(step.running)}`;
            },
          },
        },
      },
      scales: horizontal ? { x: moneyAxis, y: stepAxis } : { x: stepAxis, y: moneyAxis },
    },
  });
}

function render(data, card, ctx) {
  if (!hasSales(data.totals) && !(data.results || []).some(hasSales)) return "No sales in this period";
  drawTerms(card.querySelector('[data-part="terms"]'), data, ctx);
  drawWaterfall(card.querySelector('[data-part="waterfall"]'), data, ctx);
  return "";
}

export default {
  path: "kpi/sales/",
  params: (ctx) => ({ ...metricParams(ctx.state, ctx.today), granularity: ctx.state.sales_granularity }),
  render,
};

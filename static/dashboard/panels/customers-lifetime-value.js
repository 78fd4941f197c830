/*
 * Lifetime value: the cumulative revenue per customer of the most recent cohorts, month
 * by month since their first order, with the size-weighted average of all cohorts.
 */

import { draw, SERIES_COLOURS } from "../charts.js";
import { renderDataTable } from "../dom.js";
import { fmtInt, fmtMonth, isMissing } from "../format.js";
import { metricParams } from "../state.js";

// More lines than this tangle; the average stands for the rest.
export const COHORTS_DRAWN = 4;
const MONTHS = 12;

/** The latest cohorts that have at least one ended month, oldest of them first. */
export function recentCohorts(results, count = COHORTS_DRAWN) {
  return (results || []).filter((c) => c.lifetime_value.some((v) => !isMissing(v))).slice(-count);
}

const values = (list) => list.map((v) => (isMissing(v) ? null : Number(v)));

function render(data, card, ctx) {
  const { money, compact } = ctx.fmt;
  const cohorts = recentCohorts(data.results);
  const average = data.average || [];
  const months = data.months || MONTHS;
  renderDataTable(
    card,
    [
      { label: "Month since first order", value: (row) => row.month },
      { label: "Average", value: (row) => money(row.average) },
      ...cohorts.map((c, index) => ({
        label: `${fmtMonth(c.cohort)} (${fmtInt(c.customers)})`,
        value: (row) => money(row.cohorts[index]),
      })),
    ],
    Array.from({ length: months }, (_, k) => ({
      month: k,
      average: average[k]?.lifetime_value,
      cohorts: cohorts.map((c) => c.lifetime_value[k]),
    })),
  );
  if (!cohorts.length) return "No customers acquired in this period";
  draw("lifetime_value", card.querySelector("canvas"), {
    type: "line",
    data: {
      labels: Array.from({ length: months }, (_, k) => `Month ${k}`),
      datasets: [
        {
          label: "Average of all cohorts",
          data: values(average.map((row) => row.lifetime_value)),
          borderColor: "#1d2433",
          backgroundColor: "#1d2433",
          borderWidth: 3,
          pointRadius: 0,
        },
        ...cohorts.map((c, index) => ({
          label: `${fmtMonth(c.cohort)} cohort`,
          data: values(c.lifetime_value),
          borderColor: SERIES_COLOURS[index % SERIES_COLOURS.length],
          backgroundColor: SERIES_COLOURS[index % SERIES_COLOURS.length],
          borderWidth: 1.5,
          pointRadius: 2,
        })),
      ],
    },
    options: {
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom" },
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${money(item.raw)} per customer` } },
      },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 8 } },
        y: { beginAtZero: true, ticks: { callback: (v) => compact(v) } },
      },
    },
  });
  return "";
}

export default {
  path: "cohorts/lifetime-value/",
  params: (ctx) => ({ ...metricParams(ctx.state, ctx.today), months: MONTHS }),
  render,
};

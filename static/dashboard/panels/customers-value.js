/*
 * The stored customer-value model (BG/NBD + Gamma-Gamma): the predicted revenue of the
 * next 12 months per customer of each cohort, and the P(alive) distribution. Both read
 * customer-value; neither fits anything.
 */

import { BLUE, draw, GREEN } from "../charts.js";
import { renderDataTable, setNote } from "../dom.js";
import { fmtDate, fmtInt, fmtMonth, fmtPct, plural } from "../format.js";
import { metricParams } from "../state.js";

export const NO_FIT =
  "No prediction yet: the customer-value model has not been fitted (it is fitted after each roll-up refresh)";

/** Σ predicted revenue ÷ Σ customers over the cohorts; null without customers. */
export function meanPredicted(cohorts) {
  const customers = cohorts.reduce((sum, c) => sum + c.customers, 0);
  if (!customers) return null;
  return cohorts.reduce((sum, c) => sum + Number(c.predicted_revenue), 0) / customers;
}

const fitText = (fit) =>
  `Model fitted on ${plural(fit.customers, "customer")} (${plural(fit.repeat_buyers, "repeat buyer")}) as of ${fmtDate(fit.as_of)}.`;

function renderPredicted(data, card, ctx) {
  const { money, compact } = ctx.fmt;
  const cohorts = data.cohorts || [];
  renderDataTable(
    card,
    [
      { label: "Cohort", value: (c) => c.cohort },
      { label: "Customers", value: (c) => fmtInt(c.customers) },
      { label: "Predicted revenue", value: (c) => money(c.predicted_revenue) },
      { label: "Per customer", value: (c) => money(c.mean_predicted_revenue) },
      { label: "Mean P(alive)", value: (c) => fmtPct(c.mean_probability_alive) },
    ],
    cohorts,
  );
  setNote(card, "[data-value-fit]", data.fit ? fitText(data.fit) : "");
  const mean = meanPredicted(cohorts);
  setNote(
    card,
    "[data-value-figure]",
    data.fit && mean !== null
      ? `Next ${data.horizon_months} months: ${money(mean)} per customer, ${money(mean * cohorts.reduce((s, c) => s + c.customers, 0))} in all`
      : "",
  );
  if (!data.fit) return NO_FIT;
  if (!cohorts.length) return "No customers acquired in this period";
  draw("predicted_value", card.querySelector("canvas"), {
    type: "bar",
    data: {
      labels: cohorts.map((c) => fmtMonth(c.cohort)),
      datasets: [
        {
          label: "Predicted revenue per customer",
          data: cohorts.map((c) => Number(c.mean_predicted_revenue)),
          backgroundColor: GREEN,
          borderRadius: 3,
          maxBarThickness: 40,
        },
      ],
    },
    options: {
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (item) => {
              const c = cohorts[item.dataIndex];
              return `${money(c.mean_predicted_revenue)} per customer · ${fmtInt(c.customers)} customers · P(alive) ${fmtPct(c.mean_probability_alive)}`;
            },
          },
        },
      },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 8 } },
        y: { beginAtZero: true, ticks: { callback: (v) => compact(v) } },
      },
    },
  });
  return "";
}

/** "0–10%", …, "90–100%". */
export const bucketLabel = (bucket) => `${Math.round(bucket.low * 100)}–${Math.round(bucket.high * 100)}%`;

function renderAlive(data, card) {
  const buckets = data.probability_alive || [];
  renderDataTable(
    card,
    [
      { label: "P(alive)", value: bucketLabel },
      { label: "Customers", value: (b) => fmtInt(b.customers) },
    ],
    buckets,
  );
  if (!data.fit) return NO_FIT;
  if (!buckets.some((b) => b.customers)) return "No customers acquired in this period";
  draw("probability_alive", card.querySelector("canvas"), {
    type: "bar",
    data: {
      labels: buckets.map(bucketLabel),
      datasets: [
        {
          label: "Customers",
          data: buckets.map((b) => b.customers),
          backgroundColor: BLUE,
          borderRadius: 3,
          maxBarThickness: 48,
        },
      ],
    },
    options: {
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (item) => `${fmtInt(item.raw)} customers` } },
      },
      scales: {
        x: { grid: { display: false }, title: { display: true, text: "Probability the customer is still active" } },
        y: { beginAtZero: true, ticks: { precision: 0 } },
      },
    },
  });
  return "";
}

const params = (ctx) => metricParams(ctx.state, ctx.today);

export const predictedValue = { path: "cohorts/customer-value/", params, render: renderPredicted };
export const probabilityAlive = { path: "cohorts/customer-value/", params, render: renderAlive };

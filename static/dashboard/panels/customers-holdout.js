/*
 * The customer-value model's holdout check: refitted on the history up to 26 weeks
 * before the end, the predicted repeat orders per customer in those 26 weeks against
 * the actual ones, by repeat orders in the calibration period (Fader, Hardie and Lee's
 * validation). Fit-wide: it takes no filter, so it reads no dashboard state.
 */

import { BLUE, draw, ORANGE } from "../charts.js";
import { renderDataTable, setNote } from "../dom.js";
import { fmtDate, fmtInt, NO_VALUE, plural } from "../format.js";
import { NO_FIT } from "./customers-value.js";

/** Orders per customer with two decimals; a group without customers has none. */
export const fmtOrders = (value) => (value === null || value === undefined ? NO_VALUE : Number(value).toFixed(2));

/** The card's figure: totals over every calibration customer. */
export function holdoutText(holdout) {
  return (
    `Fitted on ${plural(holdout.customers, "customer")} up to ${fmtDate(holdout.calibration_end)}; ` +
    `in the ${holdout.holdout_weeks} weeks to ${fmtDate(holdout.holdout_end)} it predicted ` +
    `${fmtInt(Math.round(holdout.predicted_orders))} orders, and ${fmtInt(holdout.actual_orders)} were placed.`
  );
}

function renderHoldout(data, card) {
  const groups = data.groups || [];
  renderDataTable(
    card,
    [
      { label: "Repeat orders in calibration", value: (g) => g.label },
      { label: "Customers", value: (g) => fmtInt(g.customers) },
      { label: "Predicted per customer", value: (g) => fmtOrders(g.mean_predicted_orders) },
      { label: "Actual per customer", value: (g) => fmtOrders(g.mean_actual_orders) },
    ],
    groups,
  );
  setNote(card, "[data-holdout-figure]", data.holdout ? holdoutText(data.holdout) : "");
  if (!data.fitted_at) return NO_FIT;
  if (!data.holdout) return `No holdout check: ${data.unavailable}`;
  const bar = (label, key, colour) => ({
    label,
    data: groups.map((g) => g[key]),
    backgroundColor: colour,
    borderRadius: 3,
    maxBarThickness: 28,
  });
  draw("holdout_check", card.querySelector("canvas"), {
    type: "bar",
    data: {
      labels: groups.map((g) => g.label),
      datasets: [bar("Predicted", "mean_predicted_orders", BLUE), bar("Actual", "mean_actual_orders", ORANGE)],
    },
    options: {
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            label: (item) =>
              `${item.dataset.label}: ${fmtOrders(item.raw)} orders per customer · ${plural(groups[item.dataIndex].customers, "customer")}`,
          },
        },
      },
      scales: {
        x: { grid: { display: false }, title: { display: true, text: "Repeat orders in the calibration period" } },
        y: { beginAtZero: true, title: { display: true, text: "Orders per customer" } },
      },
    },
  });
  return "";
}

export const holdoutCheck = { path: "cohorts/customer-value-holdout/", params: () => ({}), render: renderHoldout };

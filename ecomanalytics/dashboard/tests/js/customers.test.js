import assert from "node:assert/strict";
import { test } from "node:test";

import { moneyFormats } from "../../../../static/dashboard/format.js";
import { recentCohorts } from "../../../../static/dashboard/panels/customers-lifetime-value.js";
import { returningRateText } from "../../../../static/dashboard/panels/customers-new-returning.js";
import { GROUP_COLUMNS, gridRows } from "../../../../static/dashboard/panels/customers-rfm.js";
import { CUSTOMER_COLUMNS } from "../../../../static/dashboard/panels/customers-rfm-list.js";
import { bucketLabel, meanPredicted } from "../../../../static/dashboard/panels/customers-value.js";

const fmt = moneyFormats("USD");

test("the returning customer rate says of how many customers", () => {
  assert.equal(
    returningRateText({ customers: 5, repeat_customers: 2, returning_customer_rate: 0.4 }),
    "Returning customer rate: 40.0% (2 of 5 customers of the period have ordered twice or more)",
  );
  assert.equal(returningRateText({ customers: 0, repeat_customers: 0, returning_customer_rate: null }), "");
});

test("the RFM grid runs R 5 down to 1 and FM 1 to 5, missing cells as 0", () => {
  const rows = gridRows([
    { r_score: 5, fm_score: 5, group: "champions", customers: 3 },
    { r_score: 1, fm_score: 1, group: "dormant", customers: 7 },
  ]);
  assert.equal(rows.length, 5);
  assert.deepEqual(rows[0][4], { r_score: 5, fm_score: 5, group: "champions", customers: 3 });
  assert.deepEqual(rows[4][0], { r_score: 1, fm_score: 1, group: "dormant", customers: 7 });
  assert.deepEqual(
    rows.map((row) => row.map((cell) => `${cell.r_score}${cell.fm_score}`).join(" ")),
    ["51 52 53 54 55", "41 42 43 44 45", "31 32 33 34 35", "21 22 23 24 25", "11 12 13 14 15"],
  );
  assert.equal(rows[2][2].customers, 0);
});

test("the group table and the customer list format their cells", () => {
  const group = {
    group: "needs attention",
    customers: 12,
    share: 0.25,
    revenue: 1500,
    revenue_share: 0.5,
    median_recency: 40,
    median_frequency: 2,
    median_monetary: 99.5,
  };
  assert.deepEqual(
    GROUP_COLUMNS.map(([, cell]) => cell(group, fmt)),
    ["Needs attention", "12", "25.0%", "$1,500.00", "50.0%", "40", "2", "$99.50"],
  );
  const customer = {
    external_id: "C1",
    recency: 3,
    frequency: 4,
    monetary: 80,
    r_score: 5,
    f_score: 4,
    m_score: 3,
    predicted_revenue: 41.5,
    probability_alive: 0.874,
  };
  assert.deepEqual(
    CUSTOMER_COLUMNS.map(([, cell]) => cell(customer, fmt)),
    ["C1", "3", "4", "$80.00", "5·4·3", "$41.50", "87%"],
  );
  // before any customer-value fit, the two predictions are missing, not zero
  const unfitted = { ...customer, predicted_revenue: null, probability_alive: null };
  assert.deepEqual(CUSTOMER_COLUMNS.map(([, cell]) => cell(unfitted, fmt)).slice(5), ["–", "–"]);
});

test("the lifetime value draws the latest cohorts with an ended month", () => {
  const cohort = (label, values) => ({ cohort: label, customers: 1, lifetime_value: values });
  const results = [
    cohort("2025-01", [1, 2]),
    cohort("2025-02", [1, 2]),
    cohort("2025-03", [1, null]),
    cohort("2025-04", [1, null]),
    cohort("2025-05", [1, null]),
    cohort("2025-06", [null, null]),
  ];
  assert.deepEqual(
    recentCohorts(results).map((c) => c.cohort),
    ["2025-02", "2025-03", "2025-04", "2025-05"],
  );
  assert.deepEqual(recentCohorts([]), []);
});

test("the predicted value per customer weighs the cohorts by size", () => {
  const cohorts = [
    { customers: 2, predicted_revenue: 100 },
    { customers: 1, predicted_revenue: 50 },
  ];
  assert.equal(meanPredicted(cohorts), 50);
  assert.equal(meanPredicted([]), null);
  assert.equal(bucketLabel({ low: 0.9, high: 1 }), "90–100%");
  assert.equal(bucketLabel({ low: 0, high: 0.1 }), "0–10%");
});

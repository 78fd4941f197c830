import assert from "node:assert/strict";
import { test } from "node:test";

import { moneyFormats } from "../../../../static/dashboard/format.js";
import { codeUsageNote, discountTable } from "../../../../static/dashboard/panels/discounts.js";
import { returnSeries, returnsNote } from "../../../../static/dashboard/panels/returns.js";

// Five revenue orders: two with SUMMER10 (ada), two with VIP5 (cy, new; ben, returning), one without.
const DISCOUNTS = {
  orders: 5,
  results: [
    {
      code: "SUMMER10",
      orders: 2,
      order_share: 0.4,
      customers: 1,
      new_customers: 1,
      returning_customers: 0,
      gross_sales: 160,
      discounts: 16,
      returns: 45,
      net_sales: 99,
      discount_rate: 0.1,
      average_order_value: 49.5,
    },
    {
      code: "VIP5",
      orders: 2,
      order_share: 0.4,
      customers: 2,
      new_customers: 1,
      returning_customers: 1,
      gross_sales: 70,
      discounts: 7,
      returns: 0,
      net_sales: 63,
      discount_rate: 0.1,
      average_order_value: 31.5,
    },
    {
      code: null,
      orders: 1,
      order_share: 0.2,
      customers: 1,
      new_customers: 1,
      returning_customers: 0,
      gross_sales: 70,
      discounts: 0,
      returns: 20,
      net_sales: 50,
      discount_rate: 0,
      average_order_value: 50,
    },
  ],
};

test("the discount codes table: one row per code, the orders without one last, as text", () => {
  assert.deepEqual(discountTable(DISCOUNTS.results, moneyFormats("USD")), {
    headers: [
      "Code",
      "Orders",
      "Share of orders",
      "Customers",
      "New customers",
      "Returning customers",
      "Gross sales",
      "Discounts",
      "Returns",
      "Net sales",
      "Discount rate",
      "Average order value",
    ],
    rows: [
      ["SUMMER10", "2", "40.0%", "1", "1", "0", "$160.00", "$16.00", "$45.00", "$99.00", "10.0%", "$49.50"],
      ["VIP5", "2", "40.0%", "2", "1", "1", "$70.00", "$7.00", "$0.00", "$63.00", "10.0%", "$31.50"],
      ["No code", "1", "20.0%", "1", "1", "0", "$70.00", "$0.00", "$20.00", "$50.00", "0.0%", "$50.00"],
    ],
  });
});

test("a rate without a denominator is a dash, in the shop's currency", () => {
  const row = { ...DISCOUNTS.results[0], order_share: null, gross_sales: 0, discount_rate: null };
  const [cells] = discountTable([row], moneyFormats("EUR")).rows;
  assert.deepEqual([cells[2], cells[6], cells[10]], ["–", "€0.00", "–"]);
});

test("the share of orders with a code: 4 of 5", () => {
  assert.equal(codeUsageNote(DISCOUNTS), "80.0% of 5 revenue orders used a discount code.");
  assert.equal(
    codeUsageNote({ orders: 1, results: [{ ...DISCOUNTS.results[2], orders: 1 }] }),
    "0.0% of 1 revenue order used a discount code.",
  );
  assert.equal(codeUsageNote({ orders: 0, results: [] }), "");
});

const RETURNS = {
  totals: {
    units_sold: 9,
    units_returned: 2,
    unit_return_rate: 2 / 9,
    gross_sales: 300,
    returned_value: 65,
    value_return_rate: 65 / 300,
  },
  results: [
    // Outdoor: 1 of 4 units, 45 of 200
    {
      category: "Outdoor",
      units_sold: 4,
      units_returned: 1,
      unit_return_rate: 0.25,
      gross_sales: 200,
      returned_value: 45,
      value_return_rate: 0.225,
    },
    // a category with a return but no sales in the window: no rate
    {
      category: "Garden",
      units_sold: 0,
      units_returned: 1,
      unit_return_rate: null,
      gross_sales: 0,
      returned_value: 20,
      value_return_rate: null,
    },
  ],
};

test("returns per category: a bar pair each, none where nothing was sold", () => {
  assert.deepEqual(returnSeries(RETURNS.results), {
    labels: ["Outdoor", "Garden"],
    units: [0.25, null],
    value: [0.225, null],
  });
});

test("the overall return rates in a sentence", () => {
  assert.equal(
    returnsNote(RETURNS.totals, moneyFormats("USD")),
    "Overall: 22.2% of 9 units sold and 21.7% of $300.00 of gross sales came back.",
  );
  assert.equal(returnsNote({ units_sold: 0, units_returned: 0 }, moneyFormats("USD")), "");
});

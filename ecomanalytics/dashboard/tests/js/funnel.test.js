import assert from "node:assert/strict";
import { test } from "node:test";

import { moneyFormats } from "../../../../static/dashboard/format.js";
import { groupedDatasets, leftBehindNote } from "../../../../static/dashboard/panels/funnel.js";
import { customerFunnelNote } from "../../../../static/dashboard/panels/funnel-customers.js";

const fmt = moneyFormats("USD");

const step = (name, sessions, abandoned = null, value = null) => ({
  step: name,
  sessions,
  abandoned_sessions: abandoned,
  abandoned_cart_value: value,
});

test("the value left behind is said for the cart steps only", () => {
  const steps = [
    step("session", 3),
    step("add_to_cart", 3, 2, "130.00"),
    step("begin_checkout", 2, 1, "80.00"),
    step("purchase", 1),
  ];
  assert.equal(
    leftBehindNote(steps, fmt),
    "Left behind: $130.00 in 2 carts at add to cart, $80.00 in 1 cart at begin checkout.",
  );
  assert.equal(leftBehindNote([step("session", 3)], fmt), "");
});

test("each breakdown value is one bar series, in the steps' order, missing steps 0", () => {
  const groups = [
    { value: "paid_search", steps: [step("session", 2), step("purchase", 1)] },
    { value: "email", steps: [step("session", 1)] },
  ];
  const datasets = groupedDatasets(groups, ["session", "purchase"]);
  assert.deepEqual(
    datasets.map((d) => [d.label, d.data]),
    [
      ["Paid search", [2, 1]],
      ["Email", [1, 0]],
    ],
  );
  assert.notEqual(datasets[0].backgroundColor, datasets[1].backgroundColor);
});

test("the customer funnel's note gives the window and the anonymous sessions left out", () => {
  assert.equal(
    customerFunnelNote({ window_days: 14, anonymous_sessions: 2 }),
    "Known customers only, each step within 14 days of their first session in the period: 2 anonymous sessions left out.",
  );
  assert.equal(
    customerFunnelNote({ window_days: 1, anonymous_sessions: 1 }),
    "Known customers only, each step within 1 day of their first session in the period: 1 anonymous session left out.",
  );
});

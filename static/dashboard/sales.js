/*
 * The sales terms as the shop's books count them (docs/metrics.md, "Sales"):
 * gross sales − discounts − returns = net sales; + shipping + taxes = total sales.
 * Pure: the waterfall and the stacked series the sales panel draws, from the API's
 * numbers. Sums run in whole cents, so 212 + 14.9 is 226.9 and not 226.90000000000003.
 */

export const MONEY_KEYS = ["gross_sales", "discounts", "returns", "net_sales", "shipping", "taxes", "total_sales"];

export const TERM_NAMES = {
  gross_sales: "Gross sales",
  discounts: "Discounts",
  returns: "Returns",
  net_sales: "Net sales",
  shipping: "Shipping",
  taxes: "Taxes",
  total_sales: "Total sales",
};

const cents = (value) => Math.round(Number(value || 0) * 100);
// `|| 0`: a negated zero is plain 0, not -0.
const fromCents = (value) => value / 100 || 0;

/** Whether a set of sales figures holds anything: an order, or money of any term. */
export function hasSales(figures) {
  if (!figures) return false;
  return Number(figures.orders || 0) > 0 || MONEY_KEYS.some((key) => cents(figures[key]) !== 0);
}

// The waterfall's steps in order: a total stands on zero, a term moves the running sum.
const STEPS = [
  ["gross_sales", "total", 1],
  ["discounts", "term", -1],
  ["returns", "term", -1],
  ["net_sales", "total", 1],
  ["shipping", "term", 1],
  ["taxes", "term", 1],
  ["total_sales", "total", 1],
];

/**
 * The waterfall of a window's totals: [{key, label, kind, amount, running, range}], where
 * kind is "total" (a bar from zero), "decrease" or "increase" (a floating bar from the
 * running sum before the term to after it), amount the signed change (or the total),
 * running the sum after the step and range the [low, high] Chart.js draws. The totals
 * bars show the API's net and total sales.
 */
export function waterfallSteps(totals) {
  let running = 0;
  return STEPS.map(([key, role, sign]) => {
    const value = cents(totals[key]);
    if (role === "total") {
      running = value;
      return {
        key,
        label: TERM_NAMES[key],
        kind: "total",
        amount: fromCents(value),
        running: fromCents(value),
        range: [fromCents(Math.min(0, value)), fromCents(Math.max(0, value))],
      };
    }
    const before = running;
    running += sign * value;
    return {
      key,
      label: TERM_NAMES[key],
      kind: sign < 0 ? "decrease" : "increase",
      amount: fromCents(sign * value),
      running: fromCents(running),
      range: [fromCents(Math.min(before, running)), fromCents(Math.max(before, running))],
    };
  });
}

/**
 * The stacked chart's series, one value per bucket: gross sales, shipping and taxes as
 * they are (above zero), discounts and returns negated (below zero), net and total
 * sales for the lines drawn over the bars.
 */
export function breakdownSeries(results) {
  const series = (key, sign = 1) => results.map((row) => fromCents(sign * cents(row[key])));
  return {
    gross_sales: series("gross_sales"),
    discounts: series("discounts", -1),
    returns: series("returns", -1),
    shipping: series("shipping"),
    taxes: series("taxes"),
    net_sales: series("net_sales"),
    total_sales: series("total_sales"),
  };
}

/** The waterfall in words, for the chart's text alternative: "Gross sales $300.00, Discounts -$23.00, …". */
export function waterfallText(steps, fmt) {
  const amount = (step) => (step.kind === "total" ? fmt.money(step.amount) : fmt.signedMoney(step.amount));
  return `From gross sales to total sales: ${steps.map((step) => `${step.label} ${amount(step)}`).join(", ")}.`;
}

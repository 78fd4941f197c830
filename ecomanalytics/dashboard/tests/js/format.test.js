import assert from "node:assert/strict";
import { test } from "node:test";

import {
  fmtDate,
  fmtDayRange,
  fmtInt,
  fmtMonth,
  fmtPct,
  moneyFormats,
  NO_VALUE,
  plural,
  shorten,
  titleCase,
} from "../../../../static/dashboard/format.js";

test("percentages round to the digits asked; a missing rate is a dash", () => {
  assert.equal(fmtPct(0.0466), "4.7%");
  assert.equal(fmtPct(0.04662, 2), "4.66%");
  assert.equal(fmtPct(0), "0.0%");
  assert.equal(fmtPct(null), NO_VALUE);
  assert.equal(fmtPct(undefined), NO_VALUE);
});

test("money: cents, whole dollars on big cards, compact on axes, dash when missing", () => {
  const { money, kpiMoney, compact } = moneyFormats("USD");
  assert.equal(money(1234.5), "$1,234.50");
  assert.equal(kpiMoney(9999.99), "$9,999.99");
  assert.equal(kpiMoney(12345.67), "$12,346");
  assert.equal(compact(1500000), "$1.5M");
  assert.equal(money(null), NO_VALUE);
});

test("a waterfall's changes carry their sign; zero has none", () => {
  const { signedMoney } = moneyFormats("USD");
  assert.equal(signedMoney(14.9), "+$14.90");
  assert.equal(signedMoney(-23), "-$23.00");
  assert.equal(signedMoney(0), "$0.00");
  assert.equal(signedMoney(null), NO_VALUE);
});

test("another currency is named by its own symbol", () => {
  assert.equal(moneyFormats("EUR").money(3), "€3.00");
});

test("integers get thousands separators", () => {
  assert.equal(fmtInt(17825), "17,825");
  assert.equal(fmtInt(null), NO_VALUE);
});

test("dates, months and short day ranges", () => {
  assert.equal(fmtDate("2025-12-01"), "Dec 1, 2025");
  assert.equal(fmtDate(""), "");
  assert.equal(fmtMonth("2025-02"), "Feb 2025");
  assert.equal(fmtDayRange("2025-12-01", "2025-12-01"), "Dec 1–1");
  assert.equal(fmtDayRange("2025-11-30", "2025-12-02"), "Nov 30 – Dec 2");
  assert.equal(fmtDayRange("2025-12-30", "2026-01-02"), "Dec 30, 2025 – Jan 2, 2026");
});

test("text helpers", () => {
  assert.equal(titleCase("paid_search"), "Paid search");
  assert.equal(shorten("Trail running shoe", 10), "Trail run…");
  assert.equal(shorten("Shoe", 10), "Shoe");
  assert.equal(plural(1, "day"), "1 day");
  assert.equal(plural(30, "day"), "30 days");
});

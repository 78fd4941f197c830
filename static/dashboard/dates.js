/*
 * Local dates as YYYY-MM-DD strings, the date presets and the days each covers. Pure.
 * Arithmetic runs on UTC dates, so the browser's own time zone never shifts a day: the
 * dates are the shop's local days, and "today" is the shop's (the page passes it in).
 */

import { fmtDate, fmtDayRange, plural } from "./format.js";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86400000;

export function toDate(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

export const toISO = (date) => date.toISOString().slice(0, 10);

export function addDays(iso, days) {
  const date = toDate(iso);
  date.setUTCDate(date.getUTCDate() + days);
  return toISO(date);
}

/** The first day of the month `months` before the month of `iso`. */
export function firstOfMonthsAgo(iso, months) {
  const date = toDate(iso);
  return toISO(new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - months, 1)));
}

export function lastOfMonth(iso) {
  const date = toDate(iso);
  return toISO(new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)));
}

export function isValidISO(iso) {
  return typeof iso === "string" && ISO_DATE.test(iso) && toISO(toDate(iso)) === iso;
}

/** Days from start to end, both included. */
export const daysInclusive = (start, end) => Math.round((toDate(end) - toDate(start)) / DAY_MS) + 1;

/** The period before: as many days, ending the day before start (docs/metrics.md). */
export function previousWindow(start, end) {
  if (!start || !end) return [null, null];
  const days = daysInclusive(start, end);
  return [addDays(start, -days), addDays(start, -1)];
}

/*
 * Each preset: its label and its window for the shop's today. "Last N days" are the N
 * complete days before today, so the comparison with the N days before is of whole
 * days on both sides (as Shopify's reports count them).
 */
export const PRESETS = {
  last_30: { label: "Last 30 days", window: (today) => [addDays(today, -30), addDays(today, -1)] },
  last_90: { label: "Last 90 days", window: (today) => [addDays(today, -90), addDays(today, -1)] },
  last_12_complete_months: {
    label: "Last 12 complete months",
    window: (today) => [firstOfMonthsAgo(today, 12), addDays(firstOfMonthsAgo(today, 0), -1)],
  },
  // The current calendar month so far and the eleven before it.
  last_12_months: { label: "Last 12 months", window: (today) => [firstOfMonthsAgo(today, 11), today] },
  this_year: { label: "This year", window: (today) => [`${today.slice(0, 4)}-01-01`, today] },
  all: { label: "All time", window: () => [null, null] },
};

export const presetWindow = (name, today) => PRESETS[name].window(today);

/**
 * The days a window covers, in words: "Nov 1 – Nov 30, 2025: 30 days, today not included".
 * from/to: the resolved window (the data span for "All time"); null when unknown.
 */
export function describeDays(from, to, today) {
  if (!from || !to) return "";
  const days = daysInclusive(from, to);
  const span = from === to ? fmtDate(from) : `${fmtDate(from)} – ${fmtDate(to)}`;
  let tail = "";
  if (to === today) tail = ", today so far included";
  else if (to > today) tail = ", to a day still to come";
  else if (addDays(to, 1) === today) tail = ", to yesterday";
  return `${span} (${plural(days, "day")}${tail})`;
}

/** The first and last day of a bucket: a day, an ISO week (label = its Monday) or a month. */
export function bucketDays(period, granularity) {
  if (granularity === "month") {
    const first = `${period.slice(0, 7)}-01`;
    return [first, lastOfMonth(first)];
  }
  if (granularity === "week") return [period, addDays(period, 6)];
  return [period, period];
}

/**
 * The days of a partial bucket that hold data: the bucket cut by the window and by today.
 * windowStart/windowEnd may be null (no limit).
 */
export function coveredDays(period, granularity, windowStart, windowEnd, today) {
  let [first, last] = bucketDays(period, granularity);
  if (windowStart && windowStart > first) first = windowStart;
  for (const limit of [windowEnd, today]) if (limit && limit < last) last = limit;
  return [first, last];
}

/** "Dec 1–1, partial": the label a partial bucket wears on the chart, without hovering. */
export function partialLabel(period, granularity, windowStart, windowEnd, today) {
  const [first, last] = coveredDays(period, granularity, windowStart, windowEnd, today);
  if (last < first) return "no days yet, partial";
  if (granularity === "day") return `${fmtDayRange(first, last)} so far, partial`;
  return `${fmtDayRange(first, last)}, partial`;
}

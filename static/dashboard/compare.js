/*
 * How a KPI card describes the change from the previous period. Pure.
 *
 * A comparison needs earlier data: with none (no previous period, no orders in it, or a
 * rate without a denominator, which the API gives as null) the card says "no earlier
 * data" instead of a percentage against zero.
 */

import { fmtPct, isMissing } from "./format.js";

const ARROWS = { up: "▲", down: "▼", flat: "■", none: "" };
const SPOKEN = { up: "up", down: "down", flat: "unchanged," };

// Rates compared in percentage points rather than relative change.
export const POINT_KEYS = new Set(["completion_rate"]);

/** Whether the previous period has anything to compare with. */
export function previousHasData(previous) {
  if (!previous || previous.comparable === false) return false;
  const orders = Number(previous.orders || 0);
  const revenue = Number(previous.revenue || 0);
  // completion_rate counts orders of any status: a non-zero rate means orders existed.
  const anyOrders = !isMissing(previous.completion_rate) && Number(previous.completion_rate) > 0;
  return orders > 0 || revenue !== 0 || anyOrders;
}

const noEarlierData = () => ({
  comparable: false,
  direction: "none",
  arrow: "",
  text: "no earlier data",
  spoken: "no earlier data to compare with",
});

function change(direction, text) {
  return { comparable: true, direction, arrow: ARROWS[direction], text, spoken: `${SPOKEN[direction]} ${text}` };
}

/**
 * {comparable, direction: up|down|flat|none, arrow, text, spoken} for one card.
 * current/before: numbers, or null for an unknown rate.
 */
export function describeChange(key, current, before) {
  if (isMissing(current) || isMissing(before)) return noEarlierData();
  const now = Number(current);
  const then = Number(before);
  if (POINT_KEYS.has(key)) {
    const points = (now - then) * 100;
    const direction = points > 0.05 ? "up" : points < -0.05 ? "down" : "flat";
    return change(direction, `${Math.abs(points).toFixed(1)} pts`);
  }
  if (then === 0) return now === 0 ? change("flat", "no change") : noEarlierData();
  const ratio = (now - then) / Math.abs(then);
  const direction = ratio > 0.0005 ? "up" : ratio < -0.0005 ? "down" : "flat";
  return change(direction, fmtPct(Math.abs(ratio)));
}

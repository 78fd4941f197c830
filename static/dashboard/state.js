/*
 * The dashboard's state and the URL query string that records it, so a view can be
 * bookmarked; the API parameters and the filter labels that follow from it. Pure.
 */

import { isValidISO, PRESETS, presetWindow } from "./dates.js";
import { titleCase } from "./format.js";

export const DEFAULTS = Object.freeze({
  range: "last_30",
  start: "",
  end: "",
  source: "",
  device: "",
  country: "",
  category: "",
  granularity: "month",
  sales_granularity: "month",
  months: "12",
  limit: "10",
  partial: "hide",
  funnel_breakdown: "",
  funnel_unit: "session",
  funnel_window: "14",
  conversion_compare: "",
  revenue_compare: "",
});

export const CHOICES = Object.freeze({
  range: [...Object.keys(PRESETS), "custom"],
  granularity: ["day", "week", "month"],
  sales_granularity: ["day", "week", "month"],
  months: ["6", "12", "24"],
  limit: ["5", "10", "20"],
  partial: ["hide", "show"],
  funnel_breakdown: ["", "source", "device", "country"],
  funnel_unit: ["session", "customer"],
  funnel_window: ["1", "7", "14", "30", "60", "90"],
  conversion_compare: ["", "previous_period", "previous_year"],
  revenue_compare: ["", "previous_period", "previous_year"],
});

export const FILTER_KEYS = ["source", "device", "country", "category"];

const FILTER_NAMES = { source: "Traffic source", device: "Device", country: "Country", category: "Category" };

/** The state a query string describes; unknown or malformed values keep their default. */
export function readState(search) {
  const query = new URLSearchParams(search);
  const state = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS)) {
    const value = query.get(key);
    if (value === null) continue;
    if (CHOICES[key] && !CHOICES[key].includes(value)) continue;
    if ((key === "start" || key === "end") && !isValidISO(value)) continue;
    state[key] = value;
  }
  // A bookmarked start or end without a range means a custom range.
  if (!query.get("range") && (state.start || state.end)) state.range = "custom";
  if (state.range !== "custom") {
    state.start = "";
    state.end = "";
  }
  return state;
}

/** The query string (without "?") that records the state: defaults are left out. */
export function writeSearch(state) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(state)) {
    if (!(key in DEFAULTS) || value === DEFAULTS[key]) continue;
    // Presets are stored by name so a bookmarked "last 30 days" stays relative.
    if ((key === "start" || key === "end") && state.range !== "custom") continue;
    query.set(key, value);
  }
  return query.toString();
}

/** [start, end] of the state's window; null where open (the data span decides). */
export function resolvedWindow(state, today) {
  if (state.range === "custom") return [state.start || null, state.end || null];
  return presetWindow(state.range, today);
}

/** The message for an impossible window, or "" when the window is fine. */
export function rangeError(start, end) {
  return start && end && end < start ? "The end date must be on or after the start date." : "";
}

/**
 * The API parameters of the metric endpoints. category: false leaves the category out,
 * for what has none (sessions; discount codes, which belong to whole orders).
 */
export function metricParams(state, today, { category = true } = {}) {
  const [start, end] = resolvedWindow(state, today);
  const params = {};
  if (start) params.start = start;
  if (end) params.end = end;
  for (const key of FILTER_KEYS) {
    if (!state[key]) continue;
    if (!category && key === "category") continue;
    params[key] = state[key];
  }
  return params;
}

/** The label of a filter value: from /api/filters/ when it has one, else readable. */
export function choiceLabel(options, key, value) {
  const list = options && { source: options.sources, device: options.devices }[key];
  const known = list?.find((choice) => choice.value === value);
  if (known) return known.label;
  return key === "source" || key === "device" ? titleCase(value) : value;
}

/**
 * The filters that apply, as [{key, name, label}]; sessions: the category is left out,
 * since it does not apply to sessions.
 */
export function activeFilters(state, options, { sessions = false } = {}) {
  return FILTER_KEYS.filter((key) => state[key] && !(sessions && key === "category")).map((key) => ({
    key,
    name: FILTER_NAMES[key],
    label: choiceLabel(options, key, state[key]),
  }));
}

/** "Direct · Mobile · US", or "All sources" when no filter applies: who a figure is about. */
export function sessionScope(state, options) {
  const filters = activeFilters(state, options, { sessions: true });
  const parts = filters.map((filter) => filter.label);
  if (!state.source) parts.unshift("All sources");
  return parts.join(" · ");
}

/** "Traffic source: Direct · Device: Mobile", or "" without filters. */
export function describeFilters(state, options) {
  return activeFilters(state, options)
    .map((filter) => `${filter.name}: ${filter.label}`)
    .join(" · ");
}

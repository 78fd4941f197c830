/*
 * ecomanalytics dashboard: reads the /api/ endpoints with the session's login and draws
 * them with Chart.js (loaded before this module). Filters live in the URL query string,
 * so a view can be bookmarked. The panels load at once; the filter choices arrive on
 * their own and never hold a panel back.
 */

import { ApiError, apiURL, getJSON } from "./api.js";
import { onNarrowChange, setUpCharts } from "./charts.js";
import { describeDays } from "./dates.js";
import { setCardState } from "./dom.js";
import { createFilters } from "./filters.js";
import { moneyFormats } from "./format.js";
import { createOutageWatch } from "./outage.js";
import categories from "./panels/categories.js";
import conversion from "./panels/conversion.js";
import { holdoutCheck } from "./panels/customers-holdout.js";
import lifetimeValue from "./panels/customers-lifetime-value.js";
import newVsReturning from "./panels/customers-new-returning.js";
import rfm from "./panels/customers-rfm.js";
import { predictedValue, probabilityAlive } from "./panels/customers-value.js";
import discounts from "./panels/discounts.js";
import funnel from "./panels/funnel.js";
import abandonedCheckouts from "./panels/funnel-abandoned.js";
import checkoutList from "./panels/funnel-checkout-list.js";
import conversionOverTime from "./panels/funnel-conversion.js";
import timeToConvert from "./panels/funnel-time-to-convert.js";
import growth from "./panels/growth.js";
import { PLANNING_PANELS, wirePlanning } from "./panels/planning.js";
import products from "./panels/products.js";
import repeat from "./panels/repeat.js";
import retention from "./panels/retention.js";
import returns from "./panels/returns.js";
import revenue from "./panels/revenue.js";
import revenueChange from "./panels/revenue-change.js";
import sales from "./panels/sales.js";
import salesSummary from "./panels/sales-summary.js";
import summary from "./panels/summary.js";
import { describeFilters, readState, resolvedWindow, writeSearch } from "./state.js";

const PANELS = {
  summary,
  sales_summary: salesSummary,
  revenue,
  sales,
  discounts,
  revenue_change: revenueChange,
  returns,
  conversion,
  funnel,
  time_to_convert: timeToConvert,
  conversion_over_time: conversionOverTime,
  abandoned_checkouts: abandonedCheckouts,
  abandoned_checkout_list: checkoutList,
  retention,
  repeat,
  growth,
  products,
  categories,
  ...PLANNING_PANELS,
  new_vs_returning: newVsReturning,
  rfm,
  lifetime_value: lifetimeValue,
  predicted_value: predictedValue,
  probability_alive: probabilityAlive,
  holdout_check: holdoutCheck,
};
// The panels each panel control belongs to, and whether a change needs new data.
// The page's granularity is also the funnel section's time charts'.
const PANEL_CONTROLS = {
  // New vs returning has no "Show by" of its own: it follows the revenue chart's.
  granularity: [["revenue", "conversion_over_time", "abandoned_checkouts", "new_vs_returning"], true],
  sales_granularity: ["sales", true],
  months: ["retention", true],
  limit: ["products", true],
  partial: ["growth", false],
  funnel_breakdown: ["funnel", true],
  funnel_unit: ["funnel", true],
  funnel_window: ["funnel", true],
  conversion_compare: ["conversion_over_time", true],
  revenue_compare: ["revenue", true],
};

function start(root) {
  setUpCharts();
  const apiBase = root.dataset.apiBase; // "/api/"
  const ctx = {
    state: readState(window.location.search),
    apiBase,
    today: root.dataset.today, // YYYY-MM-DD in the shop's time zone
    options: null, // /api/filters/, once it has answered
    fmt: moneyFormats(root.dataset.currency || "USD"),
    window: [null, null], // the resolved window, open ends filled from the data span
  };
  const card = (key) => root.querySelector(`[data-chart="${key}"]`);
  const generations = {};
  const answers = {};
  const banner = document.getElementById("outage-banner");
  // Panels whose last request met an outage: the ones a retry asks again.
  const waitingForRetry = new Set();
  // A 503 or no answer: one banner, and what failed asked again with backoff.
  const outage = createOutageWatch({
    show: (message) => {
      banner.textContent = message;
      banner.hidden = false;
    },
    hide: () => {
      banner.hidden = true;
    },
    retry: () => {
      const keys = [...waitingForRetry];
      waitingForRetry.clear();
      for (const key of keys) loadPanel(key);
      if (!ctx.options) loadOptions();
    },
  });

  function render(key) {
    const panel = PANELS[key];
    try {
      const emptyMessage = panel.render(answers[key], card(key), ctx);
      setCardState(card(key), emptyMessage ? "empty" : "ready", emptyMessage);
      if (key === "abc") planning.refreshScopes(answers.abc.results);
    } catch (error) {
      setCardState(card(key), "error", "Could not load: This chart could not be drawn.");
      console.warn(error); // a bug of ours, not the server's
    }
  }

  async function loadPanel(key) {
    const panel = PANELS[key];
    const params = panel.params(ctx);
    // A chart card holds its link; the KPI cards share theirs in the section's head.
    const csv = card(key).querySelector("[data-csv]") || root.querySelector(`[data-csv-for="${key}"]`);
    if (csv) csv.href = apiURL(apiBase, panel.path, { ...params, format: "csv" });
    // Later loads supersede earlier ones; a stale answer is dropped, never aborted, so
    // a quick succession of filter changes leaves no failed requests behind.
    const generation = (generations[key] || 0) + 1;
    generations[key] = generation;
    setCardState(card(key), "loading", "Loading…");
    let data;
    try {
      data = await getJSON(apiURL(apiBase, panel.path, params));
    } catch (error) {
      if (generations[key] !== generation) return;
      if (outage.failed(error)) waitingForRetry.add(key);
      const message = error instanceof ApiError ? error.message : "This chart could not be drawn.";
      setCardState(card(key), "error", `Could not load: ${message}`);
      return;
    }
    waitingForRetry.delete(key);
    outage.answered();
    if (generations[key] !== generation) return;
    answers[key] = data;
    render(key);
  }

  function updateWindow() {
    const [start, end] = resolvedWindow(ctx.state, ctx.today);
    const span = filters.span();
    ctx.window = [start || span?.start || null, end || span?.end || null];
  }

  function updateSummary(error) {
    const [from, to] = ctx.window;
    const label = filters.rangeLabel();
    const days = describeDays(from, to, ctx.today);
    let text = days ? `${label}: ${days}` : label;
    if (error) text = `${label}: no figures until the dates are fixed`;
    document.getElementById("range-summary").textContent = text;
    const filtered = describeFilters(ctx.state, ctx.options);
    const note = document.getElementById("filter-summary");
    note.textContent = filtered ? `Filtered to ${filtered}` : "";
    note.hidden = !filtered;
  }

  function loadAll() {
    const query = writeSearch(ctx.state);
    history.replaceState(null, "", window.location.pathname + (query ? `?${query}` : ""));
    updateWindow();
    const [start, end] = resolvedWindow(ctx.state, ctx.today);
    const error = filters.checkDates(start, end);
    updateSummary(error);
    for (const note of root.querySelectorAll("[data-category-note]")) note.hidden = !ctx.state.category;
    for (const key of Object.keys(PANELS)) {
      if (!error) {
        loadPanel(key);
        continue;
      }
      // One message, by the dates; no request for a window that cannot exist.
      generations[key] = (generations[key] || 0) + 1;
      setCardState(card(key), "invalid", "");
    }
  }

  function onPanelControlChange(key) {
    const query = writeSearch(ctx.state);
    history.replaceState(null, "", window.location.pathname + (query ? `?${query}` : ""));
    const [panels, refetch] = PANEL_CONTROLS[key];
    for (const panel of [].concat(panels)) {
      if (refetch) loadPanel(panel);
      else if (answers[panel]) render(panel);
    }
  }

  async function loadOptions() {
    try {
      ctx.options = await getJSON(`${apiBase}filters/`);
    } catch (error) {
      outage.failed(error);
      ctx.options = null;
      filters.updateFreshness();
      return;
    }
    const changed = filters.setOptions(ctx.options);
    planning.refreshScopes(answers.abc?.results);
    filters.updateFreshness();
    filters.sync();
    if (changed) {
      loadAll();
      return;
    }
    // The labels and spans that depended on the choices.
    updateWindow();
    updateSummary(filters.checkDates(...resolvedWindow(ctx.state, ctx.today)));
    for (const key of ["conversion", "growth"]) if (answers[key]) render(key);
  }

  // The charts that lay out for a phone (shorter labels, a lying waterfall) draw again.
  // A panel still loading (or failed) keeps its state: its answer is stale.
  onNarrowChange(() => {
    for (const key of Object.keys(answers)) if (["ready", "empty"].includes(card(key).dataset.state)) render(key);
  });

  const filters = createFilters(ctx, { onFiltersChange: loadAll, onPanelControlChange });
  const planning = wirePlanning(root, ctx, loadPanel);
  filters.sync();
  loadAll();
  loadOptions();
}

const root = document.getElementById("dashboard");
if (root && globalThis.Chart) start(root);

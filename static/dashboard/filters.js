/*
 * The filter form and the panels' own controls: they show the state, and a change of
 * theirs updates the state and tells main.js what to load again.
 */

import { fmtDate } from "./format.js";
import { choiceLabel, DEFAULTS, FILTER_KEYS, rangeError, resolvedWindow } from "./state.js";

export function createFilters(ctx, { onFiltersChange, onPanelControlChange }) {
  const form = document.getElementById("filters");
  const controls = {
    range: form.elements.range,
    start: form.elements.start,
    end: form.elements.end,
    source: form.elements.source,
    device: form.elements.device,
    country: form.elements.country,
    category: form.elements.category,
  };
  const panelControls = {
    granularity: document.getElementById("c-granularity"),
    sales_granularity: document.getElementById("c-sales-granularity"),
    months: document.getElementById("c-months"),
    limit: document.getElementById("c-limit"),
    partial: document.getElementById("c-partial"),
    funnel_breakdown: document.getElementById("c-funnel-breakdown"),
    funnel_unit: document.getElementById("c-funnel-unit"),
    funnel_window: document.getElementById("c-funnel-window"),
    conversion_compare: document.getElementById("c-conversion-compare"),
    revenue_compare: document.getElementById("c-revenue-compare"),
  };
  const datesError = document.getElementById("f-dates-error");
  const allTime = document.getElementById("f-all-time");

  const span = () => ctx.options?.data_span || null;

  function fillChoices(select, choices) {
    const first = select.options[0]; // "All ..."
    select.replaceChildren(first);
    for (const choice of choices) {
      const [value, label] = typeof choice === "string" ? [choice, choice] : [choice.value, choice.label];
      select.add(new Option(label, value)); // text, never HTML
    }
  }

  /** Fill the choices from /api/filters/; a bookmarked value no longer there falls back to all. */
  function setOptions(options) {
    fillChoices(controls.source, options.sources);
    fillChoices(controls.device, options.devices);
    fillChoices(controls.country, options.countries);
    fillChoices(controls.category, options.categories);
    const known = {
      source: options.sources.map((s) => s.value),
      device: options.devices.map((d) => d.value),
      country: options.countries,
      category: options.categories,
    };
    let changed = false;
    for (const key of FILTER_KEYS) {
      if (ctx.state[key] && !known[key].includes(ctx.state[key])) {
        ctx.state[key] = "";
        changed = true;
      }
    }
    return changed;
  }

  function sync() {
    const { state } = ctx;
    const [start, end] = resolvedWindow(state, ctx.today);
    controls.range.value = state.range;
    controls.start.value = start || span()?.start || "";
    controls.end.value = end || span()?.end || "";
    for (const key of FILTER_KEYS) {
      const select = controls[key];
      // Before /api/filters/ has answered, a bookmarked value is shown as it is.
      if (state[key] && ![...select.options].some((option) => option.value === state[key])) {
        select.add(new Option(choiceLabel(ctx.options, key, state[key]), state[key]));
      }
      select.value = state[key];
    }
    panelControls.granularity.value = state.granularity;
    panelControls.sales_granularity.value = state.sales_granularity;
    panelControls.months.value = state.months;
    panelControls.limit.value = state.limit;
    panelControls.partial.checked = state.partial === "show";
    panelControls.funnel_breakdown.value = state.funnel_breakdown;
    panelControls.funnel_unit.value = state.funnel_unit;
    panelControls.funnel_window.value = state.funnel_window;
    // Customers have no breakdown, sessions no conversion window.
    panelControls.funnel_breakdown.disabled = state.funnel_unit === "customer";
    panelControls.funnel_window.disabled = state.funnel_unit !== "customer";
    panelControls.conversion_compare.value = state.conversion_compare;
    panelControls.revenue_compare.value = state.revenue_compare;
    allTime.hidden = state.range === "all";
  }

  /** Show the dates' error once, beside the dates; "" when they are fine. */
  function checkDates(start, end) {
    const message = rangeError(start, end);
    controls.end.setAttribute("aria-invalid", message ? "true" : "false");
    datesError.hidden = !message;
    datesError.textContent = message;
    return message;
  }

  function rangeLabel() {
    const option = controls.range.selectedOptions[0];
    return option ? option.textContent : "";
  }

  function onChange(event) {
    const { state } = ctx;
    const name = event.target.name;
    if (name === "range") {
      state.range = controls.range.value;
      // A custom range starts from what was on screen.
      state.start = state.range === "custom" ? controls.start.value : "";
      state.end = state.range === "custom" ? controls.end.value : "";
    } else if (name === "start" || name === "end") {
      state.range = "custom";
      state.start = controls.start.value;
      state.end = controls.end.value;
    } else if (FILTER_KEYS.includes(name)) {
      state[name] = event.target.value;
    } else {
      return;
    }
    sync();
    onFiltersChange();
  }

  form.addEventListener("change", onChange);
  form.addEventListener("submit", (event) => event.preventDefault());
  // "All time" one click away from the default of the last 30 days.
  allTime.addEventListener("click", () => {
    Object.assign(ctx.state, { range: "all", start: "", end: "" });
    sync();
    onFiltersChange();
  });
  document.getElementById("f-reset").addEventListener("click", () => {
    Object.assign(ctx.state, DEFAULTS);
    sync();
    onFiltersChange();
  });
  for (const [key, control] of Object.entries(panelControls)) {
    control.addEventListener("change", () => {
      if (key === "partial") ctx.state.partial = control.checked ? "show" : "hide";
      else ctx.state[key] = control.value;
      if (key === "funnel_unit") sync(); // enables the controls of the unit
      onPanelControlChange(key);
    });
  }

  function updateFreshness() {
    const freshness = document.getElementById("freshness");
    const options = ctx.options;
    if (!options) {
      freshness.textContent = "Filter choices unavailable";
      return;
    }
    const through = options.data_span ? `Data through ${fmtDate(options.data_span.end)}` : "No orders yet";
    // New rows are in but their roll-ups are still being built: the numbers lag them.
    freshness.textContent = options.rollups_refreshing ? `${through} · updating…` : through;
    freshness.classList.toggle("is-updating", Boolean(options.rollups_refreshing));
    // Numbers come from the roll-ups when they are fresh; say when they were last built.
    freshness.dataset.timeZoneNote = freshness.dataset.timeZoneNote || freshness.title;
    const refreshed = options.rollups_refreshed_at;
    freshness.title = `${freshness.dataset.timeZoneNote}\n${
      refreshed
        ? `Roll-ups refreshed ${new Date(refreshed).toLocaleString()}.${
            options.rollups_refreshing
              ? " New data has been loaded and is being rolled up: numbers show the last refresh until it ends."
              : ""
          }`
        : "Roll-ups not built yet: numbers are computed from the raw tables."
    }`;
  }

  return { setOptions, sync, checkDates, rangeLabel, updateFreshness, span };
}

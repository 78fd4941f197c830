/*
 * ecomanalytics dashboard: reads the /api/ endpoints with the session's login and draws
 * them with Chart.js. Filters live in the URL query string, so a view can be bookmarked.
 *
 * Security: every string that comes from the data (product, category, country names) is
 * inserted with textContent, new Option(text, value) or as a Chart.js label (drawn on a
 * canvas); nothing from the data ever goes through innerHTML.
 */
(function () {
  "use strict";

  const root = document.getElementById("dashboard");
  if (!root || typeof Chart === "undefined") return;

  const API_BASE = root.dataset.apiBase; // "/api/"
  const SHOP_TODAY = root.dataset.today; // YYYY-MM-DD in the shop's time zone
  const CURRENCY = root.dataset.currency || "USD";

  // Okabe-Ito: distinguishable with the common colour-vision deficiencies.
  // Series colours: Okabe-Ito first, then Paul Tol's "muted" hues for shops with more
  // categories than Okabe-Ito has colours; after that the colours repeat.
  const SERIES_COLOURS = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
    "#332288", "#882255", "#44AA99", "#999933", "#AA4499", "#DDCC77",
  ];
  const BLUE = "#0072B2";
  const ORANGE = "#E69F00";
  const VERMILLION = "#D55E00";

  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 12;
  Chart.defaults.color = "#5b6577";
  Chart.defaults.borderColor = "#e9edf3";
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = reducedMotion ? false : { duration: 350 };
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
  Chart.defaults.plugins.legend.labels.boxHeight = 12;
  Chart.defaults.plugins.tooltip.padding = 10;
  Chart.defaults.plugins.tooltip.backgroundColor = "#1d2433";

  // ---- formatting -------------------------------------------------------------------
  const money = new Intl.NumberFormat("en-US", { style: "currency", currency: CURRENCY });
  const moneyWhole = new Intl.NumberFormat("en-US", { style: "currency", currency: CURRENCY, maximumFractionDigits: 0 });
  const moneyCompact = new Intl.NumberFormat("en-US", { style: "currency", currency: CURRENCY, notation: "compact", maximumFractionDigits: 1 });
  const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  const fmtMoney = (v) => (Math.abs(v) >= 10000 ? moneyWhole : money).format(v);
  const fmtPct = (v, digits = 1) => (v * 100).toFixed(digits) + "%";
  const fmtInt = (v) => integer.format(v);
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function fmtDate(iso) {
    if (!iso) return "";
    const [y, m, d] = iso.split("-").map(Number);
    return MONTHS[m - 1] + " " + d + ", " + y;
  }
  function fmtMonth(label) {
    const [y, m] = label.split("-").map(Number);
    return MONTHS[m - 1] + " " + y;
  }
  const titleCase = (s) => s.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());

  // ---- dates as YYYY-MM-DD strings (UTC arithmetic: no local-time surprises) ----------
  const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
  function toDate(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    return new Date(Date.UTC(y, m - 1, d));
  }
  const toISO = (date) => date.toISOString().slice(0, 10);
  function addDays(iso, days) {
    const date = toDate(iso);
    date.setUTCDate(date.getUTCDate() + days);
    return toISO(date);
  }
  function firstOfMonthsAgo(iso, months) {
    const date = toDate(iso);
    return toISO(new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - months, 1)));
  }
  function isValidISO(iso) {
    return ISO_DATE.test(iso) && toISO(toDate(iso)) === iso;
  }

  const PRESETS = {
    last_30: (today) => [addDays(today, -29), today],
    last_90: (today) => [addDays(today, -89), today],
    this_year: (today) => [today.slice(0, 4) + "-01-01", today],
    // The current calendar month and the eleven before it, so month buckets are whole.
    last_12_months: (today) => [firstOfMonthsAgo(today, 11), today],
    all: () => [null, null],
  };

  // ---- state <-> URL -------------------------------------------------------------------
  const DEFAULTS = {
    range: "all", start: "", end: "", source: "", device: "", country: "", category: "",
    granularity: "month", months: "12", limit: "10",
  };
  const CHOICES = {
    range: [...Object.keys(PRESETS), "custom"],
    granularity: ["day", "week", "month"],
    months: ["6", "12", "24"],
    limit: ["5", "10", "20"],
  };
  const FILTER_KEYS = ["source", "device", "country", "category"];
  const state = { ...DEFAULTS };
  let options = null; // /api/filters/

  function readURL() {
    const query = new URLSearchParams(window.location.search);
    for (const key of Object.keys(DEFAULTS)) {
      const value = query.get(key);
      if (value === null) continue;
      if (CHOICES[key] && !CHOICES[key].includes(value)) continue;
      if ((key === "start" || key === "end") && !isValidISO(value)) continue;
      state[key] = value;
    }
    // A bookmarked start or end without a range means a custom range.
    if (!query.get("range") && (state.start || state.end)) state.range = "custom";
  }

  function writeURL() {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(state)) {
      if (value === DEFAULTS[key]) continue;
      // Presets are stored by name so a bookmarked "last 30 days" stays relative.
      if ((key === "start" || key === "end") && state.range !== "custom") continue;
      query.set(key, value);
    }
    const search = query.toString();
    history.replaceState(null, "", window.location.pathname + (search ? "?" + search : ""));
  }

  function resolvedWindow() {
    if (state.range === "custom") return [state.start || null, state.end || null];
    return PRESETS[state.range](SHOP_TODAY);
  }

  function metricParams({ sessions = false } = {}) {
    const [start, end] = resolvedWindow();
    const params = {};
    if (start) params.start = start;
    if (end) params.end = end;
    for (const key of FILTER_KEYS) {
      if (!state[key]) continue;
      if (sessions && key === "category") continue; // sessions have no category
      params[key] = state[key];
    }
    return params;
  }

  function apiURL(path, params) {
    const query = new URLSearchParams(params).toString();
    return API_BASE + path + (query ? "?" + query : "");
  }

  // ---- fetching ------------------------------------------------------------------------
  class ApiError extends Error {}

  async function getJSON(url) {
    let response;
    try {
      response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    } catch (error) {
      throw new ApiError("The server could not be reached.");
    }
    if (response.ok) return response.json();
    let body = null;
    try { body = await response.json(); } catch (error) { /* not JSON */ }
    if (response.status === 401 || response.status === 403) {
      throw new ApiError("Your session has ended or lacks access: reload the page to sign in again.");
    }
    throw new ApiError(describeError(body) || "The server answered " + response.status + ".");
  }

  // DRF error bodies: {"detail": "..."} or {"field": ["message", ...], ...}
  function describeError(body) {
    if (!body || typeof body !== "object") return "";
    if (typeof body.detail === "string") return body.detail;
    const parts = [];
    for (const [field, messages] of Object.entries(body)) {
      if (field === "status") continue;
      parts.push(field + ": " + [].concat(messages).join(" "));
    }
    return parts.join("; ");
  }

  // ---- DOM helpers (text only) -----------------------------------------------------------
  function el(tag, attrs = {}, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function setCardState(card, status, message) {
    card.dataset.state = status;
    const text = card.querySelector(".chart-state-text");
    if (text) text.textContent = message || "";
    card.setAttribute("aria-busy", status === "loading" ? "true" : "false");
  }

  /** Fill a card's "Show data as a table" with columns [{label, value(row), text?}]. */
  function renderDataTable(card, columns, rows) {
    const holder = card.querySelector(".data-table .table-scroll");
    if (!holder) return;
    const table = el("table");
    const head = table.createTHead().insertRow();
    for (const column of columns) head.appendChild(el("th", { scope: "col" }, column.label));
    const body = table.createTBody();
    for (const row of rows) {
      const tr = body.insertRow();
      for (const column of columns) {
        const td = tr.insertCell();
        td.textContent = column.value(row);
        if (column.text) td.className = "text";
      }
    }
    holder.replaceChildren(table);
  }

  const charts = {};
  function draw(key, canvas, config) {
    if (charts[key]) charts[key].destroy();
    charts[key] = new Chart(canvas, config);
  }

  const percentAxis = (max) => ({
    beginAtZero: true,
    max,
    ticks: { callback: (value) => Math.round(value * 100) + "%" },
  });

  // ---- the panels ----------------------------------------------------------------------
  // Each panel: the API path, its own parameters, and render(data, card) -> empty message or "".
  const PANELS = {
    summary: {
      path: "kpi/summary/",
      params: () => metricParams(),
      render: renderSummary,
    },
    revenue: {
      path: "kpi/revenue/",
      params: () => ({ ...metricParams(), granularity: state.granularity }),
      render: renderRevenue,
    },
    conversion: {
      path: "kpi/conversion/",
      params: () => metricParams({ sessions: true }),
      render: renderConversion,
    },
    funnel: {
      path: "kpi/funnel/",
      params: () => metricParams({ sessions: true }),
      render: renderFunnel,
    },
    retention: {
      path: "cohorts/retention/",
      params: () => ({ ...metricParams(), months: state.months }),
      render: renderRetention,
    },
    repeat: {
      path: "cohorts/repeat-purchase/",
      params: () => metricParams(),
      render: renderRepeat,
    },
    growth: {
      path: "demand/growth/",
      params: () => metricParams(),
      render: renderGrowth,
    },
    products: {
      path: "demand/top-products/",
      params: () => ({ ...metricParams(), limit: state.limit }),
      render: renderProducts,
    },
    categories: {
      path: "demand/by-category/",
      params: () => metricParams(),
      render: renderCategories,
    },
  };

  const generations = {};
  async function loadPanel(key) {
    const panel = PANELS[key];
    const card = root.querySelector('[data-chart="' + key + '"]');
    const params = panel.params();
    const csv = card.querySelector("[data-csv]");
    if (csv) csv.href = apiURL(panel.path, { ...params, format: "csv" });
    // Later loads supersede earlier ones; a stale answer is dropped, never aborted, so
    // a quick succession of filter changes leaves no failed requests behind.
    const generation = (generations[key] || 0) + 1;
    generations[key] = generation;
    setCardState(card, "loading", "Loading…");
    try {
      const data = await getJSON(apiURL(panel.path, params));
      if (generations[key] !== generation) return;
      const emptyMessage = panel.render(data, card);
      setCardState(card, emptyMessage ? "empty" : "ready", emptyMessage);
    } catch (error) {
      if (generations[key] !== generation) return;
      const message = error instanceof ApiError ? error.message : "This chart could not be drawn.";
      setCardState(card, "error", "Could not load: " + message);
      if (!(error instanceof ApiError)) console.warn(error); // a bug of ours, not the server's
    }
  }

  function loadAll() {
    writeURL();
    updateRangeSummary();
    for (const note of root.querySelectorAll("[data-category-note]")) note.hidden = !state.category;
    for (const key of Object.keys(PANELS)) loadPanel(key);
  }

  // KPI cards -------------------------------------------------------------------------
  const KPI_FORMATS = {
    revenue: fmtMoney,
    orders: fmtInt,
    average_order_value: (v) => money.format(v),
    completion_rate: (v) => fmtPct(v),
    customers: fmtInt,
  };

  // The period before: as many days, ending the day before start (docs/metrics.md).
  function previousWindow(start, end) {
    if (!start || !end) return [null, null];
    const days = Math.round((toDate(end) - toDate(start)) / 86400000) + 1;
    return [addDays(start, -days), addDays(start, -1)];
  }

  function renderSummary(data, section) {
    const previous = data.previous || {};
    const [previousStart, previousEnd] = previous.start
      ? [previous.start, previous.end]
      : previousWindow(data.start, data.end);
    for (const [key, format] of Object.entries(KPI_FORMATS)) {
      const card = section.querySelector('[data-kpi="' + key + '"]');
      const current = Number(data[key] || 0);
      const before = Number(previous[key] || 0);
      card.querySelector(".kpi-value").textContent = format(current);
      const delta = card.querySelector(".kpi-delta");
      const change = describeChange(key, current, before);
      delta.className = "kpi-delta " + change.direction;
      delta.replaceChildren(el("span", { "aria-hidden": "true" }, change.arrow + " "), change.text, el("span", { class: "vs" }, " vs previous"));
      const when = previousStart ? " (" + fmtDate(previousStart) + " – " + fmtDate(previousEnd) + ")" : "";
      delta.title = "Previous period" + when + ": " + format(before);
      delta.setAttribute("aria-label", change.spoken + " compared with the previous period" + when + ", which had " + format(before));
    }
    const compare = section.querySelector("#kpi-compare");
    compare.textContent = previousStart
      ? "Changes compared with the " + fmtInt(Math.round((toDate(previousEnd) - toDate(previousStart)) / 86400000) + 1) + " days before: " + fmtDate(previousStart) + " – " + fmtDate(previousEnd)
      : "";
    return Number(data.orders || 0) === 0 && Number(previous.orders || 0) === 0 && Number(data.revenue || 0) === 0
      ? "No orders in this period"
      : "";
  }

  function describeChange(key, current, before) {
    if (key === "completion_rate") {
      const points = (current - before) * 100;
      const direction = points > 0.05 ? "up" : points < -0.05 ? "down" : "flat";
      const text = Math.abs(points).toFixed(1) + " pts";
      return { direction, arrow: arrowFor(direction), text, spoken: spokenDirection(direction) + " " + text };
    }
    if (before === 0) {
      const direction = current > 0 ? "up" : "flat";
      const text = current > 0 ? "new" : "no change";
      return { direction, arrow: arrowFor(direction), text, spoken: text };
    }
    const ratio = (current - before) / Math.abs(before);
    const direction = ratio > 0.0005 ? "up" : ratio < -0.0005 ? "down" : "flat";
    const text = fmtPct(Math.abs(ratio));
    return { direction, arrow: arrowFor(direction), text, spoken: spokenDirection(direction) + " " + text };
  }
  const arrowFor = (direction) => ({ up: "▲", down: "▼", flat: "■" })[direction];
  const spokenDirection = (direction) => ({ up: "up", down: "down", flat: "unchanged," })[direction];

  // Revenue and orders over time -------------------------------------------------------
  function periodLabel(period) {
    if (state.granularity === "month") return fmtMonth(period);
    const [, m, d] = period.split("-").map(Number);
    return MONTHS[m - 1] + " " + d;
  }

  function renderRevenue(data, card) {
    const rows = data.results || [];
    renderDataTable(card, [
      { label: state.granularity === "week" ? "Week of" : titleCase(state.granularity), value: (r) => r.period },
      { label: "Revenue", value: (r) => money.format(r.revenue) },
      { label: "Orders", value: (r) => fmtInt(r.orders) },
      { label: "Average order value", value: (r) => money.format(r.average_order_value) },
      { label: "Complete period", value: (r) => (r.partial ? "no" : "yes") },
    ], rows);
    if (!rows.some((r) => Number(r.orders) > 0 || Number(r.revenue) > 0)) return "No orders in this period";
    const partial = rows.map((r) => r.partial);
    const dashIfPartial = (ctx) => (partial[ctx.p0DataIndex] || partial[ctx.p1DataIndex] ? [5, 4] : undefined);
    const pointRadius = rows.length > 60 ? 0 : 3;
    draw("revenue", card.querySelector("canvas"), {
      type: "line",
      data: {
        labels: rows.map((r) => periodLabel(r.period)),
        datasets: [
          {
            label: "Revenue",
            data: rows.map((r) => Number(r.revenue)),
            yAxisID: "revenue",
            borderColor: BLUE,
            backgroundColor: "rgba(0, 114, 178, 0.10)",
            fill: true,
            tension: 0.25,
            pointRadius,
            borderWidth: 2.5,
            segment: { borderDash: dashIfPartial },
          },
          {
            label: "Orders",
            data: rows.map((r) => Number(r.orders)),
            yAxisID: "orders",
            borderColor: ORANGE,
            backgroundColor: ORANGE,
            tension: 0.25,
            pointRadius,
            borderWidth: 2,
            segment: { borderDash: dashIfPartial },
          },
        ],
      },
      options: {
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "top", align: "end" },
          tooltip: {
            callbacks: {
              title: (items) => {
                const row = rows[items[0].dataIndex];
                return (state.granularity === "week" ? "Week of " : "") + row.period + (row.partial ? " (not complete)" : "");
              },
              label: (item) => item.dataset.label + ": " + (item.datasetIndex === 0 ? money.format(item.raw) : fmtInt(item.raw)),
            },
          },
        },
        scales: {
          x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
          revenue: { position: "left", beginAtZero: true, ticks: { callback: (v) => moneyCompact.format(v) } },
          orders: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, ticks: { precision: 0 } },
        },
      },
    });
    return "";
  }

  // Conversion by source -----------------------------------------------------------------
  function sourceLabel(value) {
    const known = options && options.sources.find((s) => s.value === value);
    return known ? known.label : titleCase(value);
  }

  function renderConversion(data, card) {
    const rows = data.results || [];
    renderDataTable(card, [
      { label: "Traffic source", value: (r) => sourceLabel(r.source), text: true },
      { label: "Sessions", value: (r) => fmtInt(r.sessions) },
      { label: "Converted", value: (r) => fmtInt(r.converted_sessions) },
      { label: "Conversion rate", value: (r) => fmtPct(r.conversion_rate, 2) },
    ], rows);
    const overall = data.overall;
    card.querySelector("[data-overall]").textContent = overall && overall.sessions
      ? "All sources: " + fmtPct(overall.conversion_rate, 2) + " of " + fmtInt(overall.sessions) + " sessions converted"
      : "";
    if (!rows.length) return "No sessions in this period";
    draw("conversion", card.querySelector("canvas"), {
      type: "bar",
      data: {
        labels: rows.map((r) => sourceLabel(r.source)),
        datasets: [{
          label: "Conversion rate",
          data: rows.map((r) => Number(r.conversion_rate)),
          backgroundColor: BLUE,
          borderRadius: 4,
          maxBarThickness: 56,
        }],
      },
      options: {
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (item) => {
                const row = rows[item.dataIndex];
                return fmtPct(row.conversion_rate, 2) + " · " + fmtInt(row.converted_sessions) + " of " + fmtInt(row.sessions) + " sessions";
              },
            },
          },
        },
        scales: { x: { grid: { display: false } }, y: { ...percentAxis(undefined), ticks: { callback: (v) => fmtPct(v, v < 0.1 ? 1 : 0) } } },
      },
    });
    return "";
  }

  // Funnel -----------------------------------------------------------------------------
  const STEP_NAMES = { session: "Session", product_view: "Product view", add_to_cart: "Add to cart", begin_checkout: "Begin checkout", purchase: "Purchase" };
  const stepName = (step) => STEP_NAMES[step] || titleCase(step);

  function renderFunnel(data, card) {
    const steps = data.steps || [];
    renderDataTable(card, [
      { label: "Step", value: (s) => stepName(s.step), text: true },
      { label: "Sessions", value: (s) => fmtInt(s.sessions) },
      { label: "Of previous step", value: (s) => fmtPct(s.conversion_from_previous) },
      { label: "Of all sessions", value: (s) => fmtPct(s.conversion_from_start) },
    ], steps);
    if (!steps.length || Number(steps[0].sessions) === 0) return "No sessions in this period";
    // On a phone the y-axis has little room: one figure per line instead of two.
    const narrow = window.matchMedia("(max-width: 600px)").matches;
    const stepLabel = (s, index) => {
      if (index === 0) return [stepName(s.step), fmtInt(s.sessions) + " sessions"];
      const step = fmtPct(s.conversion_from_previous) + " step";
      const overall = fmtPct(s.conversion_from_start) + " overall";
      return narrow ? [stepName(s.step), step, overall] : [stepName(s.step), step + " · " + overall];
    };
    draw("funnel", card.querySelector("canvas"), {
      type: "bar",
      data: {
        labels: steps.map(stepLabel),
        datasets: [{
          label: "Sessions",
          data: steps.map((s) => Number(s.sessions)),
          backgroundColor: steps.map((s, index) => (index === steps.length - 1 ? "#009E73" : BLUE)),
          borderRadius: 4,
          maxBarThickness: 34,
        }],
      },
      options: {
        indexAxis: "y",
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => stepName(steps[items[0].dataIndex].step),
              label: (item) => {
                const s = steps[item.dataIndex];
                return [fmtInt(s.sessions) + " sessions", fmtPct(s.conversion_from_previous) + " of the previous step", fmtPct(s.conversion_from_start) + " of all sessions"];
              },
            },
          },
        },
        scales: {
          x: { beginAtZero: true, ticks: { precision: 0 } },
          y: { grid: { display: false }, ticks: { autoSkip: false, font: { size: 11.5 } } },
        },
      },
    });
    return "";
  }

  // Retention heat-map (an HTML table: readable, copyable, scrolls sideways) --------------
  function renderRetention(data, card) {
    const rows = data.results || [];
    const holder = card.querySelector(".heatmap-scroll");
    if (!rows.length) {
      holder.replaceChildren();
      return "No customers acquired in this period";
    }
    const width = Math.max(...rows.map((r) => r.retention.length));
    const table = el("table", { class: "heatmap" });
    table.appendChild(el("caption", { class: "visually-hidden" }, "Share of each monthly cohort with a revenue order k months after its first; empty cells: month not ended yet."));
    const head = table.createTHead().insertRow();
    head.appendChild(el("th", { scope: "col" }, "Cohort"));
    head.appendChild(el("th", { scope: "col", title: "Customers in the cohort" }, "Customers"));
    for (let k = 0; k < width; k++) {
      head.appendChild(el("th", { scope: "col", title: k === 0 ? "The cohort's first month" : k + " month" + (k > 1 ? "s" : "") + " after the first" }, "M" + k));
    }
    const body = table.createTBody();
    for (const row of rows) {
      const tr = body.insertRow();
      tr.appendChild(el("th", { scope: "row" }, fmtMonth(row.cohort)));
      tr.appendChild(el("td", { class: "size" }, fmtInt(row.size)));
      for (let k = 0; k < width; k++) {
        const rate = row.retention[k];
        const td = tr.insertCell();
        if (rate === null || rate === undefined) {
          td.className = "cell na";
          td.title = k < row.retention.length ? "Month not ended yet" : "";
          continue;
        }
        // sqrt lifts the small rates typical after month 0 into visible shades.
        const strength = Math.sqrt(Math.max(0, Math.min(1, rate)));
        td.className = "cell" + (strength > 0.62 ? " dark" : "");
        td.style.backgroundColor = "rgba(0, 114, 178, " + (0.06 + 0.94 * strength).toFixed(3) + ")";
        td.textContent = fmtPct(rate, 0);
        td.title = fmtMonth(row.cohort) + ", month " + k + ": " + fmtPct(rate) + " of " + fmtInt(row.size);
      }
    }
    holder.replaceChildren(table);
    return "";
  }

  // Repeat purchase -----------------------------------------------------------------------
  function renderRepeat(data, card) {
    const rows = data.results || [];
    renderDataTable(card, [
      { label: "Cohort", value: (r) => r.cohort },
      { label: "Customers", value: (r) => fmtInt(r.customers) },
      { label: "Repeat customers", value: (r) => fmtInt(r.repeat_customers) },
      { label: "Repeat rate", value: (r) => fmtPct(r.repeat_rate) },
    ], rows);
    if (!rows.length) return "No customers acquired in this period";
    draw("repeat", card.querySelector("canvas"), {
      type: "bar",
      data: {
        labels: rows.map((r) => fmtMonth(r.cohort)),
        datasets: [{ label: "Repeat purchase rate", data: rows.map((r) => Number(r.repeat_rate)), backgroundColor: "#009E73", borderRadius: 3, maxBarThickness: 40 }],
      },
      options: {
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (item) => {
                const r = rows[item.dataIndex];
                return fmtPct(r.repeat_rate) + " · " + fmtInt(r.repeat_customers) + " of " + fmtInt(r.customers) + " customers";
              },
            },
          },
        },
        scales: { x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 8 } }, y: percentAxis(undefined) },
      },
    });
    return "";
  }

  // Growth --------------------------------------------------------------------------------
  function renderGrowth(data, card) {
    const rows = data.results || [];
    renderDataTable(card, [
      { label: "Month", value: (r) => r.month },
      { label: "Revenue", value: (r) => money.format(r.revenue) },
      { label: "Growth", value: (r) => (r.growth_rate === null ? "–" : fmtPct(r.growth_rate)) },
      { label: "Complete month", value: (r) => (r.partial ? "no" : "yes") },
    ], rows);
    if (!rows.some((r) => Number(r.revenue) > 0)) return "No orders in this period";
    const colour = (r, alpha) => {
      const base = r.growth_rate < 0 ? [213, 94, 0] : [0, 114, 178];
      return "rgba(" + base.join(", ") + ", " + (r.partial ? alpha * 0.45 : alpha) + ")";
    };
    draw("growth", card.querySelector("canvas"), {
      type: "bar",
      data: {
        labels: rows.map((r) => fmtMonth(r.month)),
        datasets: [{
          label: "Growth on the month before",
          data: rows.map((r) => (r.growth_rate === null ? null : Number(r.growth_rate))),
          backgroundColor: rows.map((r) => colour(r, 1)),
          borderColor: rows.map((r) => (r.growth_rate < 0 ? VERMILLION : BLUE)),
          borderWidth: rows.map((r) => (r.partial ? 1.5 : 0)),
          borderRadius: 3,
          maxBarThickness: 40,
        }],
      },
      options: {
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => fmtMonth(rows[items[0].dataIndex].month) + (rows[items[0].dataIndex].partial ? " (not complete)" : ""),
              label: (item) => {
                const r = rows[item.dataIndex];
                const growth = r.growth_rate === null ? "no revenue the month before" : (r.growth_rate > 0 ? "▲ " : r.growth_rate < 0 ? "▼ " : "") + fmtPct(Math.abs(r.growth_rate));
                return [growth, "Revenue " + money.format(r.revenue)];
              },
            },
          },
        },
        scales: {
          x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 8 } },
          y: { ticks: { callback: (v) => Math.round(v * 100) + "%" }, grid: { color: (ctx) => (ctx.tick.value === 0 ? "#9aa5b5" : "#e9edf3") } },
        },
      },
    });
    return "";
  }

  // Top products --------------------------------------------------------------------------
  function shorten(text, length) {
    return text.length > length ? text.slice(0, length - 1) + "…" : text;
  }

  function renderProducts(data, card) {
    const rows = data.results || [];
    renderDataTable(card, [
      { label: "Product", value: (r) => r.name, text: true },
      { label: "SKU", value: (r) => r.sku },
      { label: "Category", value: (r) => r.category, text: true },
      { label: "Units", value: (r) => fmtInt(r.units) },
      { label: "Revenue", value: (r) => money.format(r.revenue) },
      { label: "Buyers", value: (r) => fmtInt(r.buyers) },
    ], rows);
    const body = card.querySelector(".chart-body");
    body.style.setProperty("--chart-height", Math.max(220, rows.length * 30 + 50) + "px");
    body.style.setProperty("--chart-height-mobile", Math.max(220, rows.length * 30 + 50) + "px");
    if (!rows.length) return "No products sold in this period";
    const narrow = window.matchMedia("(max-width: 600px)").matches;
    draw("products", card.querySelector("canvas"), {
      type: "bar",
      data: {
        labels: rows.map((r) => shorten(r.name, narrow ? 18 : 32)),
        datasets: [{ label: "Units sold", data: rows.map((r) => Number(r.units)), backgroundColor: BLUE, borderRadius: 3, maxBarThickness: 22 }],
      },
      options: {
        indexAxis: "y",
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => rows[items[0].dataIndex].name,
              label: (item) => {
                const r = rows[item.dataIndex];
                return [fmtInt(r.units) + " units · " + money.format(r.revenue), fmtInt(r.buyers) + " buyers", r.sku + " · " + r.category];
              },
            },
          },
        },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { grid: { display: false } } },
      },
    });
    return "";
  }

  // Units by category per month --------------------------------------------------------------
  function renderCategories(data, card) {
    const rows = data.results || [];
    renderDataTable(card, [
      { label: "Month", value: (r) => r.month },
      { label: "Category", value: (r) => r.category, text: true },
      { label: "Units", value: (r) => fmtInt(r.units) },
      { label: "Revenue", value: (r) => money.format(r.revenue) },
    ], rows);
    if (!rows.length) return "No products sold in this period";
    const months = [...new Set(rows.map((r) => r.month))].sort();
    const categories = [...new Set(rows.map((r) => r.category))].sort();
    const units = new Map(rows.map((r) => [r.month + "\u0000" + r.category, Number(r.units)]));
    draw("categories", card.querySelector("canvas"), {
      type: "bar",
      data: {
        labels: months.map(fmtMonth),
        datasets: categories.map((category, index) => ({
          label: category,
          data: months.map((month) => units.get(month + "\u0000" + category) || 0),
          backgroundColor: SERIES_COLOURS[index % SERIES_COLOURS.length],
          maxBarThickness: 44,
        })),
      },
      options: {
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: (item) => item.dataset.label + ": " + fmtInt(item.raw) + " units" } },
        },
        scales: {
          x: { stacked: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 8 } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
    return "";
  }

  // ---- filters ---------------------------------------------------------------------------
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
    months: document.getElementById("c-months"),
    limit: document.getElementById("c-limit"),
  };
  const datesError = document.getElementById("f-dates-error");

  function fillChoices(select, choices) {
    const first = select.options[0]; // "All ..."
    select.replaceChildren(first);
    for (const choice of choices) {
      const [value, label] = typeof choice === "string" ? [choice, choice] : [choice.value, choice.label];
      select.add(new Option(label, value)); // text, never HTML
    }
  }

  function syncControls() {
    const [start, end] = resolvedWindow();
    const span = options && options.data_span;
    controls.range.value = state.range;
    controls.start.value = start || (span ? span.start : "");
    controls.end.value = end || (span ? span.end : "");
    for (const key of FILTER_KEYS) controls[key].value = state[key];
    for (const [key, select] of Object.entries(panelControls)) select.value = state[key];
  }

  function updateRangeSummary() {
    const [start, end] = resolvedWindow();
    const span = options && options.data_span;
    const from = start || (span && span.start);
    const to = end || (span && span.end);
    const label = controls.range.selectedOptions[0] ? controls.range.selectedOptions[0].textContent : "";
    const summary = document.getElementById("range-summary");
    summary.textContent = from && to ? label + ": " + fmtDate(from) + " – " + fmtDate(to) : label;
  }

  function datesAreValid() {
    const [start, end] = [controls.start.value, controls.end.value];
    const bad = start && end && end < start;
    controls.end.setAttribute("aria-invalid", bad ? "true" : "false");
    datesError.hidden = !bad;
    datesError.textContent = bad ? "The end date must be on or after the start date." : "";
    return !bad;
  }

  function onFilterChange(event) {
    const name = event.target.name;
    if (name === "range") {
      state.range = controls.range.value;
      if (state.range === "custom") {
        // Start the custom range from what was on screen.
        state.start = controls.start.value;
        state.end = controls.end.value;
      } else {
        state.start = "";
        state.end = "";
      }
    } else if (name === "start" || name === "end") {
      if (!datesAreValid()) return;
      state.range = "custom";
      state.start = controls.start.value;
      state.end = controls.end.value;
    } else if (FILTER_KEYS.includes(name)) {
      state[name] = event.target.value;
    } else {
      return;
    }
    datesAreValid();
    syncControls();
    loadAll();
  }

  function onPanelControlChange(key) {
    state[key] = panelControls[key].value;
    writeURL();
    const panel = { granularity: "revenue", months: "retention", limit: "products" }[key];
    loadPanel(panel);
  }

  function updateFreshness() {
    const freshness = document.getElementById("freshness");
    const span = options && options.data_span;
    freshness.textContent = span ? "Data through " + fmtDate(span.end) : "No orders yet";
    const refreshed = options && options.rollups_refreshed_at;
    // Numbers come from the roll-ups when they are fresh; say when they were last built.
    freshness.dataset.timeZoneNote = freshness.dataset.timeZoneNote || freshness.title;
    freshness.title =
      freshness.dataset.timeZoneNote +
      "\n" +
      (refreshed
        ? "Roll-ups refreshed " + new Date(refreshed).toLocaleString() + "."
        : "Roll-ups not built yet: numbers are computed from the raw tables.");
    if (span) controls.start.min = controls.end.min = "";
  }

  async function start() {
    readURL();
    try {
      options = await getJSON(API_BASE + "filters/");
      fillChoices(controls.source, options.sources);
      fillChoices(controls.device, options.devices);
      fillChoices(controls.country, options.countries);
      fillChoices(controls.category, options.categories);
      // A bookmarked value no longer in the data falls back to "all".
      const known = {
        source: options.sources.map((s) => s.value),
        device: options.devices.map((d) => d.value),
        country: options.countries,
        category: options.categories,
      };
      for (const key of FILTER_KEYS) if (state[key] && !known[key].includes(state[key])) state[key] = "";
    } catch (error) {
      options = null;
      document.getElementById("freshness").textContent = "Filter choices unavailable";
    }
    updateFreshness();
    syncControls();
    datesAreValid();
    form.addEventListener("change", onFilterChange);
    form.addEventListener("submit", (event) => event.preventDefault());
    document.getElementById("f-reset").addEventListener("click", () => {
      Object.assign(state, DEFAULTS);
      syncControls();
      datesAreValid();
      loadAll();
    });
    for (const key of Object.keys(panelControls)) {
      panelControls[key].addEventListener("change", () => onPanelControlChange(key));
    }
    loadAll();
  }

  start();
})();

/*
 * The forecast fan chart: history, the point forecast and its 80 % and 95 % bands, with
 * a badge giving the chosen model, its backtest MASE and the intervals' coverage.
 * The forecast covers the whole history of its series (stored at each refresh), so the
 * date range and filters above do not apply; its own selectors choose the series.
 */

import { BLUE, draw, ORANGE } from "../charts.js";
import { renderDataTable, setNote } from "../dom.js";
import { fmtInt, fmtMonth, fmtPct, isMissing, MONTHS } from "../format.js";

export const MODEL_NAMES = {
  naive: "Naive",
  seasonal_naive: "Seasonal naive",
  ets: "ETS",
  seasonal_ets: "Seasonal ETS",
  croston_sba: "Croston (SBA)",
  none: "None",
};

const BAND_80 = "rgba(230, 159, 0, 0.35)";
const BAND_95 = "rgba(230, 159, 0, 0.15)";

/** The state of the selectors: scope "shop", "category:<name>" or "product:<sku>". */
export function forecastParams(choice) {
  const params = { metric: choice.metric, grain: choice.grain };
  const [scope, ...rest] = choice.scope.split(":");
  const key = rest.join(":");
  if (scope === "category") Object.assign(params, { scope, category: key });
  else if (scope === "product") Object.assign(params, { scope, sku: key });
  return params;
}

const fixed = (value, digits = 2) => (isMissing(value) ? "–" : Number(value).toFixed(digits));

/** "Seasonal ETS · MASE 0.82 one step, 0.95 at 3 ahead · 80 %: 83% covered · 95 %: 100%
 * · beat ETS, Seasonal naive", or why there is no track record. */
export function badgeText(data) {
  const name = MODEL_NAMES[data.model] || data.model;
  if (data.model === "none") return "No forecast: no complete period of history yet.";
  const [chosen, ...others] = data.scores || [];
  if (!chosen)
    return `Model: ${name} · no backtest (history too short) · ${fmtInt(data.history_points)} periods of history`;
  const ahead = data.grain === "week" ? "8 weeks" : "3 months";
  const parts = [
    `Model: ${name}`,
    `MASE ${fixed(chosen.one_step.mase)} one step, ${fixed(chosen.at_horizon.mase)} at ${ahead} ahead`,
    `80 % interval held ${fmtPct(chosen.one_step.coverage_80, 0)}, 95 % held ${fmtPct(chosen.one_step.coverage_95, 0)}`,
    `${fmtInt(data.history_points)} periods of history`,
  ];
  if (others.length) parts.push(`beat ${others.map((score) => MODEL_NAMES[score.model] || score.model).join(", ")}`);
  return parts.join(" · ");
}

function periodLabel(period, grain) {
  if (grain === "month") return fmtMonth(period);
  const [year, month, day] = period.split("-").map(Number);
  return `${MONTHS[month - 1]} ${day} ${year}`;
}

/** Labels and aligned series: history then forecast, null where a series has no point. */
export function fanSeries(data) {
  const history = data.history || [];
  const results = data.results || [];
  const gap = (n) => Array(n).fill(null);
  // The forecast line starts at the last actual so that the two join.
  const last = history.at(-1);
  const joined = (key) => [
    ...gap(Math.max(history.length - 1, 0)),
    last ? last.value : null,
    ...results.map((r) => r[key]),
  ];
  return {
    labels: [...history, ...results].map((row) => periodLabel(row.period, data.grain)),
    actual: [...history.map((row) => row.value), ...gap(results.length)],
    forecast: last ? joined("forecast") : results.map((r) => r.forecast),
    lower80: last ? joined("lower") : results.map((r) => r.lower),
    upper80: last ? joined("upper") : results.map((r) => r.upper),
    lower95: last ? joined("lower_95") : results.map((r) => r.lower_95),
    upper95: last ? joined("upper_95") : results.map((r) => r.upper_95),
  };
}

function render(data, card, ctx) {
  const value = data.metric === "units" ? (v) => fmtInt(v) : (v) => ctx.fmt.money(v);
  renderDataTable(
    card,
    [
      { label: data.grain === "week" ? "Week of" : "Month", value: (r) => r.period },
      { label: "Actual", value: (r) => (r.value === undefined ? "" : value(r.value)) },
      { label: "Forecast", value: (r) => (r.forecast === undefined ? "" : value(r.forecast)) },
      { label: "80 % interval", value: (r) => (r.lower === undefined ? "" : `${value(r.lower)} – ${value(r.upper)}`) },
      {
        label: "95 % interval",
        value: (r) => (r.lower_95 === undefined ? "" : `${value(r.lower_95)} – ${value(r.upper_95)}`),
      },
    ],
    [...(data.history || []), ...(data.results || [])],
  );
  card.querySelector("[data-forecast-badge]").textContent = badgeText(data);
  setNote(card, "[data-forecast-caveat]", data.caveat || "");
  if (!(data.results || []).length) return "No forecast: no complete period of history yet";
  const series = fanSeries(data);
  const band = (label, values, fill, colour) => ({
    label,
    data: values,
    borderWidth: 0,
    pointRadius: 0,
    backgroundColor: colour,
    fill,
  });
  draw("forecast", card.querySelector("canvas"), {
    type: "line",
    data: {
      labels: series.labels,
      datasets: [
        band("95 % upper", series.upper95, false, BAND_95),
        band("95 % interval", series.lower95, "-1", BAND_95),
        band("80 % upper", series.upper80, false, BAND_80),
        band("80 % interval", series.lower80, "-1", BAND_80),
        {
          label: "Actual",
          data: series.actual,
          borderColor: BLUE,
          backgroundColor: BLUE,
          pointRadius: 2,
          tension: 0.2,
        },
        {
          label: "Forecast",
          data: series.forecast,
          borderColor: ORANGE,
          backgroundColor: ORANGE,
          borderDash: [6, 4],
          pointRadius: 2,
        },
      ],
    },
    options: {
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom", labels: { filter: (item) => !item.text.includes("upper") } },
        tooltip: {
          filter: (item) => item.raw !== null && !item.dataset.label.includes("upper"),
          callbacks: {
            label: (item) => {
              const upper = { "95 % interval": series.upper95, "80 % interval": series.upper80 }[item.dataset.label];
              if (!upper) return `${item.dataset.label}: ${value(item.raw)}`;
              return `${item.dataset.label}: ${value(item.raw)} – ${value(upper[item.dataIndex])}`;
            },
          },
        },
      },
      scales: { y: { beginAtZero: true, ticks: { callback: (v) => value(v) } } },
    },
  });
  return "";
}

export default {
  path: "demand/forecast/",
  params: (ctx) => forecastParams(ctx.planning),
  render,
};

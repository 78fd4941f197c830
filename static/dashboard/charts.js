/*
 * Chart.js (vendored, loaded before the modules as a global) with the dashboard's look,
 * and one chart per panel: drawing a panel again replaces its chart.
 */

const { Chart } = globalThis;

// Okabe-Ito: distinguishable with the common colour-vision deficiencies. Then Paul Tol's
// "muted" hues for shops with more categories than Okabe-Ito has colours; after that the
// colours repeat.
export const SERIES_COLOURS = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#CC79A7",
  "#56B4E9",
  "#D55E00",
  "#F0E442",
  "#000000",
  "#332288",
  "#882255",
  "#44AA99",
  "#999933",
  "#AA4499",
  "#DDCC77",
];
export const BLUE = "#0072B2";
export const ORANGE = "#E69F00";
export const GREEN = "#009E73";
export const VERMILLION = "#D55E00";

export function setUpCharts() {
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const defaults = Chart.defaults;
  defaults.font.family = getComputedStyle(document.body).fontFamily;
  defaults.font.size = 12;
  defaults.color = "#5b6577";
  defaults.borderColor = "#e9edf3";
  defaults.maintainAspectRatio = false;
  defaults.animation = reducedMotion ? false : { duration: 350 };
  defaults.plugins.legend.labels.boxWidth = 12;
  defaults.plugins.legend.labels.boxHeight = 12;
  defaults.plugins.tooltip.padding = 10;
  defaults.plugins.tooltip.backgroundColor = "#1d2433";
}

const charts = {};

export function draw(key, canvas, config) {
  if (charts[key]) charts[key].destroy();
  charts[key] = new Chart(canvas, config);
  return charts[key];
}

export const percentAxis = (max) => ({
  beginAtZero: true,
  max,
  ticks: { callback: (value) => `${Math.round(value * 100)}%` },
});

const NARROW = "(max-width: 600px)";

/** Whether the window is a phone's: labels get shorter and stack. */
export const isNarrow = () => window.matchMedia(NARROW).matches;

/** Call back when the window turns into a phone's or back (a rotated tablet, a resize). */
export const onNarrowChange = (callback) => window.matchMedia(NARROW).addEventListener("change", callback);

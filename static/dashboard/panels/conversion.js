/* Conversion rate per traffic source, and the rate of all the sessions the filters keep. */

import { BLUE, draw, percentAxis } from "../charts.js";
import { renderDataTable } from "../dom.js";
import { fmtInt, fmtPct, isMissing } from "../format.js";
import { choiceLabel, metricParams, sessionScope } from "../state.js";

/** "Direct · Mobile: 4.66% of 17,825 sessions converted": the filters name the figure. */
export function overallNote(overall, state, options) {
  if (!overall || !Number(overall.sessions)) return "";
  return `${sessionScope(state, options)}: ${fmtPct(overall.conversion_rate, 2)} of ${fmtInt(overall.sessions)} sessions converted`;
}

function render(data, card, ctx) {
  const rows = data.results || [];
  const label = (source) => choiceLabel(ctx.options, "source", source);
  renderDataTable(
    card,
    [
      { label: "Traffic source", value: (r) => label(r.source), text: true },
      { label: "Sessions", value: (r) => fmtInt(r.sessions) },
      { label: "Converted", value: (r) => fmtInt(r.converted_sessions) },
      { label: "Conversion rate", value: (r) => fmtPct(r.conversion_rate, 2) },
    ],
    rows,
  );
  card.querySelector("[data-overall]").textContent = overallNote(data.overall, ctx.state, ctx.options);
  if (!rows.length) return "No sessions in this period";
  draw("conversion", card.querySelector("canvas"), {
    type: "bar",
    data: {
      labels: rows.map((r) => label(r.source)),
      datasets: [
        {
          label: "Conversion rate",
          data: rows.map((r) => (isMissing(r.conversion_rate) ? null : Number(r.conversion_rate))),
          backgroundColor: BLUE,
          borderRadius: 4,
          maxBarThickness: 56,
        },
      ],
    },
    options: {
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (item) => {
              const row = rows[item.dataIndex];
              return `${fmtPct(row.conversion_rate, 2)} · ${fmtInt(row.converted_sessions)} of ${fmtInt(row.sessions)} sessions`;
            },
          },
        },
      },
      scales: {
        x: { grid: { display: false } },
        y: { ...percentAxis(undefined), ticks: { callback: (v) => fmtPct(v, v < 0.1 ? 1 : 0) } },
      },
    },
  });
  return "";
}

export default {
  path: "kpi/conversion/",
  params: (ctx) => metricParams(ctx.state, ctx.today, { category: false }),
  render,
};

/* One KPI card: its figure, and its change from the previous period in words and arrows. */

import { describeChange } from "./compare.js";
import { el } from "./dom.js";
import { fmtDate } from "./format.js";

/** " (Oct 3, 2025 – Nov 1, 2025)": the previous period, as the cards' titles name it. */
export const previousWhen = (start, end) => (start ? ` (${fmtDate(start)} – ${fmtDate(end)})` : "");

export function renderCard(card, key, format, current, before, when) {
  card.querySelector(".kpi-value").textContent = format(current);
  const delta = card.querySelector(".kpi-delta");
  const change = describeChange(key, current, before);
  delta.className = `kpi-delta ${change.direction}`;
  delta.dataset.comparable = String(change.comparable);
  if (!change.comparable) {
    delta.replaceChildren(el("span", { class: "vs" }, change.text));
    delta.title = `Nothing to compare with in the previous period${when}.`;
    delta.setAttribute("aria-label", `${change.spoken}${when ? ` in the previous period${when}` : ""}`);
    return;
  }
  delta.replaceChildren(
    el("span", { "aria-hidden": "true" }, `${change.arrow} `),
    change.text,
    el("span", { class: "vs" }, " vs previous"),
  );
  delta.title = `Previous period${when}: ${format(before)}`;
  delta.setAttribute(
    "aria-label",
    `${change.spoken} compared with the previous period${when}, which had ${format(before)}`,
  );
}

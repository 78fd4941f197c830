/*
 * The Planning section's panels and its forecast selectors. The selectors keep their
 * own state (ctx.planning): the forecast is of a whole series, not of the filters.
 */

import abc from "./planning-abc.js";
import forecast from "./planning-forecast.js";
import { pairs, productFunnel } from "./planning-tables.js";

export const PLANNING_PANELS = { forecast, abc, pairs, product_funnel: productFunnel };

/** The scope choices: the shop, each category, then the products the ABC grading lists. */
export function scopeChoices(categories, products) {
  return [
    ["shop", "Whole shop"],
    ...(categories || []).map((name) => [`category:${name}`, `Category: ${name}`]),
    ...(products || []).map((p) => [`product:${p.sku}`, `Product: ${p.name} (${p.sku})`]),
  ];
}

/**
 * Set ctx.planning and wire the selectors: a change reloads the forecast. Call
 * refreshScopes() when the categories or the ABC products are known.
 */
export function wirePlanning(root, ctx, reload) {
  ctx.planning = { scope: "shop", metric: "revenue", grain: "month" };
  const selects = Object.fromEntries([...root.querySelectorAll("[data-planning]")].map((s) => [s.dataset.planning, s]));
  for (const [key, select] of Object.entries(selects)) {
    select.addEventListener("change", () => {
      ctx.planning[key] = select.value;
      reload("forecast");
    });
  }
  return {
    refreshScopes(products) {
      const select = selects.scope;
      if (!select) return;
      const choices = scopeChoices(ctx.options?.categories, (products || []).slice(0, 20));
      select.replaceChildren(...choices.map(([value, label]) => new Option(label, value)));
      if (!choices.some(([value]) => value === ctx.planning.scope)) ctx.planning.scope = "shop";
      select.value = ctx.planning.scope;
    },
  };
}

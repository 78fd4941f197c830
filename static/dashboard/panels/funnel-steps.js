/* The funnel's step names, shared by the session and the customer funnel. */

import { titleCase } from "../format.js";

const STEP_NAMES = {
  session: "Session",
  product_view: "Product view",
  add_to_cart: "Add to cart",
  begin_checkout: "Begin checkout",
  purchase: "Purchase",
};

export const stepName = (step) => STEP_NAMES[step] || titleCase(step);

import assert from "node:assert/strict";
import { test } from "node:test";

import { productsText } from "../../../../static/dashboard/panels/funnel-checkout-list.js";

test("a cart's products are named, with their units when more than one", () => {
  assert.equal(
    productsText([
      { name: "Tent", units: 2 },
      { name: "Lamp", units: 1 },
    ]),
    "Tent × 2, Lamp",
  );
  assert.equal(productsText([]), "");
});

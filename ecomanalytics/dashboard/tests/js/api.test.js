import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError, apiURL, describeError, getJSON } from "../../../../static/dashboard/api.js";

test("URLs carry the parameters, none when there are none", () => {
  assert.equal(
    apiURL("/api/", "kpi/summary/", { start: "2025-01-01", source: "paid_search" }),
    "/api/kpi/summary/?start=2025-01-01&source=paid_search",
  );
  assert.equal(apiURL("/api/", "kpi/summary/"), "/api/kpi/summary/");
});

test("DRF error bodies become one sentence", () => {
  assert.equal(describeError({ detail: "Boom." }), "Boom.");
  assert.equal(describeError({ start: ["Enter a valid date."], status: 400 }), "start: Enter a valid date.");
  assert.equal(describeError("<html>"), "");
});

const answer = (status, body) => async () => ({
  ok: status < 400,
  status,
  json: async () => {
    if (body === undefined) throw new SyntaxError("not JSON");
    return body;
  },
});

test("a JSON answer is returned; failures are ApiErrors saying what happened", async () => {
  assert.deepEqual(await getJSON("/api/x/", answer(200, { a: 1 })), { a: 1 });
  await assert.rejects(getJSON("/api/x/", answer(400, { detail: "Bad start." })), new ApiError("Bad start.", 400));
  await assert.rejects(getJSON("/api/x/", answer(502)), new ApiError("The server answered 502.", 502));
  await assert.rejects(getJSON("/api/x/", answer(403, {})), /reload the page to sign in again/);
  const offline = async () => {
    throw new TypeError("Failed to fetch");
  };
  await assert.rejects(getJSON("/api/x/", offline), new ApiError("The server could not be reached."));
});

import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError, getJSON } from "../../../../static/dashboard/api.js";
import { createOutageWatch, isOutage, OUTAGE_MESSAGE, retryDelay } from "../../../../static/dashboard/outage.js";

const answer = (status, body) => async () => ({ ok: status < 400, status, json: async () => body });
const offline = async () => {
  throw new TypeError("Failed to fetch");
};

async function failure(fetchImpl) {
  try {
    await getJSON("/api/x/", fetchImpl);
  } catch (error) {
    return error;
  }
  throw new Error("no failure");
}

test("a 503 or no answer at all is an outage; other failures are not", async () => {
  const unavailable = await failure(answer(503, { detail: "The database is not reachable; retrying.", status: 503 }));
  assert.equal(unavailable.status, 503);
  assert.equal(isOutage(unavailable), true);
  assert.equal(isOutage(await failure(offline)), true);
  assert.equal(isOutage(await failure(answer(400, { detail: "Bad start." }))), false);
  assert.equal(isOutage(await failure(answer(500, {}))), false);
  assert.equal(isOutage(new Error("a bug of ours")), false);
});

test("the waits grow 2, 4, 8, 16 s, then stay at 30 s", () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 9].map(retryDelay), [2000, 4000, 8000, 16000, 30000, 30000, 30000]);
});

function fakePage() {
  const page = { banner: null, shown: 0, retries: 0, timers: [] };
  const watch = createOutageWatch({
    show: (message) => {
      page.banner = message;
      page.shown += 1;
    },
    hide: () => {
      page.banner = null;
    },
    retry: () => {
      page.retries += 1;
    },
    setTimer: (callback, delay) => {
      page.timers.push({ callback, delay, cleared: false });
      return page.timers.length - 1;
    },
    clearTimer: (id) => {
      page.timers[id].cleared = true;
    },
  });
  const fire = () => page.timers.at(-1).callback();
  return { page, watch, fire };
}

test("nine panels failing at once show one banner and schedule one retry", () => {
  const { page, watch } = fakePage();
  const down = new ApiError("The database is not reachable; retrying.", 503);
  for (let panel = 0; panel < 9; panel += 1) assert.equal(watch.failed(down), true);
  assert.equal(page.banner, OUTAGE_MESSAGE);
  assert.equal(page.shown, 1);
  assert.deepEqual(
    page.timers.map((timer) => timer.delay),
    [2000],
  );
});

test("each failed retry waits longer; the first answer clears the banner and the waits", () => {
  const { page, watch, fire } = fakePage();
  const down = new ApiError("", 0);
  watch.failed(down);
  fire(); // retry 1 fails
  watch.failed(down);
  fire(); // retry 2 fails
  watch.failed(down);
  assert.deepEqual(
    page.timers.map((timer) => timer.delay),
    [2000, 4000, 8000],
  );
  assert.equal(page.retries, 2);

  watch.answered();
  assert.equal(page.banner, null);
  assert.equal(page.timers.at(-1).cleared, true);
  assert.equal(watch.down, false);

  watch.failed(down); // a new outage starts from the first delay again
  assert.equal(page.timers.at(-1).delay, 2000);
  assert.equal(page.banner, OUTAGE_MESSAGE);
});

test("a bad request is not an outage: no banner, no retry", () => {
  const { page, watch } = fakePage();
  assert.equal(watch.failed(new ApiError("start: Enter a valid date.", 400)), false);
  watch.answered();
  assert.deepEqual([page.banner, page.timers.length, page.shown], [null, 0, 0]);
});

test("an answer during an outage asks again at once what was waiting for a retry", () => {
  const { page, watch } = fakePage();
  const down = new ApiError("", 503);
  watch.failed(down); // the first round fails; a retry waits 2 s
  assert.equal(page.retries, 0);
  watch.answered(); // a request the browser had queued comes back first
  assert.equal(page.timers.at(-1).cleared, true);
  assert.equal(page.retries, 1);
  assert.equal(page.banner, null);
  watch.answered(); // later answers have nothing left to retry
  assert.equal(page.retries, 1);
});

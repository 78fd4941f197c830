/*
 * Losing the database (or the server): the API answers 503 with Retry-After, or no
 * answer comes at all. The dashboard then shows one banner, "Database not reachable;
 * retrying…", asks again after a growing delay (2, 4, 8, 16, then every 30 s), and
 * takes the banner away at the first answer. That answer also asks again at once
 * whatever is still waiting for a retry: requests the browser had queued behind its
 * connection limit can come back first, and the panels that failed must not then
 * wait for a retry that was cancelled. Pure: the page passes in what to show,
 * what to retry and the timer functions, so node --test drives it with fake ones.
 */

import { ApiError } from "./api.js";

export const OUTAGE_MESSAGE = "Database not reachable; retrying…";
export const RETRY_DELAYS_MS = Object.freeze([2000, 4000, 8000, 16000, 30000]);

/** Whether a failed request means "try again later": a 503 or no answer at all. */
export function isOutage(error) {
  return error instanceof ApiError && (error.status === 503 || error.status === 0);
}

/** The wait before retry number `attempt` (0 for the first). */
export function retryDelay(attempt) {
  return RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)];
}

/**
 * show(message) / hide(): the banner; retry(): ask everything again.
 * failed(error) -> true when the error was an outage (the banner is up and one retry
 * is scheduled, however many requests failed at once); answered(): a request came
 * back, so the banner goes, the delays start over and a pending retry runs now.
 */
export function createOutageWatch({ show, hide, retry, setTimer = setTimeout, clearTimer = clearTimeout }) {
  let attempt = 0;
  let timer = null;
  let down = false;
  return {
    get down() {
      return down;
    },
    failed(error) {
      if (!isOutage(error)) return false;
      if (!down) {
        down = true;
        show(OUTAGE_MESSAGE);
      }
      if (timer === null) {
        timer = setTimer(() => {
          timer = null;
          attempt += 1;
          retry();
        }, retryDelay(attempt));
      }
      return true;
    },
    answered() {
      if (!down) return;
      down = false;
      attempt = 0;
      const pending = timer !== null;
      if (pending) clearTimer(timer);
      timer = null;
      hide();
      if (pending) retry();
    },
  };
}

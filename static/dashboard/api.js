/*
 * The API client: URLs of the metric endpoints and JSON reads with the session's login.
 * Every failure becomes an ApiError whose message can be shown to the visitor.
 */

export class ApiError extends Error {
  /** status: the HTTP status, 0 when no answer came (network down, server gone). */
  constructor(message, status = 0) {
    super(message);
    this.status = status;
  }
}

export function apiURL(base, path, params = {}) {
  const query = new URLSearchParams(params).toString();
  return base + path + (query ? `?${query}` : "");
}

/** DRF error bodies: {"detail": "..."} or {"field": ["message", ...], ...}. */
export function describeError(body) {
  if (!body || typeof body !== "object") return "";
  if (typeof body.detail === "string") return body.detail;
  const parts = [];
  for (const [field, messages] of Object.entries(body)) {
    if (field === "status") continue;
    parts.push(`${field}: ${[].concat(messages).join(" ")}`);
  }
  return parts.join("; ");
}

export async function getJSON(url, fetchImpl = globalThis.fetch) {
  let response;
  try {
    response = await fetchImpl(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  } catch {
    throw new ApiError("The server could not be reached.", 0);
  }
  if (response.ok) return response.json();
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON
  }
  if (response.status === 401 || response.status === 403) {
    throw new ApiError("Your session has ended or lacks access: reload the page to sign in again.", response.status);
  }
  throw new ApiError(describeError(body) || `The server answered ${response.status}.`, response.status);
}

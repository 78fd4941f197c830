/*
 * Number, date and text formatting for the dashboard. Pure: no DOM, no globals.
 * A missing value (null, undefined, NaN: a rate with no denominator) prints as NO_VALUE.
 */

export const NO_VALUE = "–";
export const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export const isMissing = (value) => value === null || value === undefined || Number.isNaN(Number(value));

/** Money formatters for one currency: exact, whole (large figures), compact (axes), signed. */
export function moneyFormats(currency = "USD") {
  const exact = new Intl.NumberFormat("en-US", { style: "currency", currency });
  const whole = new Intl.NumberFormat("en-US", { style: "currency", currency, maximumFractionDigits: 0 });
  const signed = new Intl.NumberFormat("en-US", { style: "currency", currency, signDisplay: "exceptZero" });
  const compact = new Intl.NumberFormat("en-US", {
    style: "currency",
    currency,
    notation: "compact",
    maximumFractionDigits: 1,
  });
  const guard = (format) => (value) => (isMissing(value) ? NO_VALUE : format(Number(value)));
  return {
    money: guard((v) => exact.format(v)),
    // KPI cards: cents hide the figure once it is large.
    kpiMoney: guard((v) => (Math.abs(v) >= 10000 ? whole : exact).format(v)),
    compact: guard((v) => compact.format(v)),
    // A term's change in a waterfall: "+$5.00", "-$10.00", "$0.00".
    signedMoney: guard((v) => signed.format(v)),
  };
}

/** 0.1234 -> "12.3%"; null -> "–". */
export function fmtPct(value, digits = 1) {
  if (isMissing(value)) return NO_VALUE;
  return `${(Number(value) * 100).toFixed(digits)}%`;
}

export function fmtInt(value) {
  return isMissing(value) ? NO_VALUE : integer.format(Number(value));
}

/** "2025-12-01" -> "Dec 1, 2025". */
export function fmtDate(iso) {
  if (!iso) return "";
  const [y, m, d] = iso.split("-").map(Number);
  return `${MONTHS[m - 1]} ${d}, ${y}`;
}

/** "2025-12-01" -> "Dec 1". */
export function fmtDayMonth(iso) {
  const [, m, d] = iso.split("-").map(Number);
  return `${MONTHS[m - 1]} ${d}`;
}

/** "2025-12" (or "2025-12-01") -> "Dec 2025". */
export function fmtMonth(label) {
  const [y, m] = label.split("-").map(Number);
  return `${MONTHS[m - 1]} ${y}`;
}

/** Two days as a short range: "Dec 1–1", "Nov 30 – Dec 1", "Dec 30, 2025 – Jan 2, 2026". */
export function fmtDayRange(from, to) {
  const [fy, fm, fd] = from.split("-").map(Number);
  const [ty, tm, td] = to.split("-").map(Number);
  if (fy !== ty) return `${fmtDate(from)} – ${fmtDate(to)}`;
  if (fm === tm) return `${MONTHS[fm - 1]} ${fd}–${td}`;
  return `${MONTHS[fm - 1]} ${fd} – ${MONTHS[tm - 1]} ${td}`;
}

export const titleCase = (text) => text.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());

export const shorten = (text, length) => (text.length > length ? `${text.slice(0, length - 1)}…` : text);

/** "1 day", "30 days". */
export const plural = (count, word) => `${fmtInt(count)} ${word}${count === 1 ? "" : "s"}`;

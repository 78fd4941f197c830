/*
 * DOM helpers, text only: every string from the data (product, category, country names)
 * goes in with textContent, new Option(text, value) or as a Chart.js label (drawn on a
 * canvas); nothing from the data ever goes through innerHTML.
 */

export function el(tag, attrs = {}, text = undefined) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * A card's state: loading, ready, empty or error, with the message shown over it (over
 * each of its charts, when it has several).
 */
export function setCardState(card, status, message = "") {
  card.dataset.state = status;
  for (const text of card.querySelectorAll(".chart-state-text")) text.textContent = message;
  card.setAttribute("aria-busy", status === "loading" ? "true" : "false");
}

/** Fill a card's "Show data as a table" with columns [{label, value(row), text?}]. */
export function renderDataTable(card, columns, rows) {
  const holder = card.querySelector(".data-table .table-scroll");
  if (!holder) return;
  const table = el("table");
  const head = table.createTHead().insertRow();
  for (const column of columns) head.appendChild(el("th", { scope: "col" }, column.label));
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const column of columns) {
      const td = tr.insertCell();
      td.textContent = column.value(row);
      if (column.text) td.className = "text";
    }
  }
  holder.replaceChildren(table);
}

/** Set a card note's text, hiding it when there is nothing to say. */
export function setNote(card, selector, text) {
  const note = card.querySelector(selector);
  if (!note) return;
  note.textContent = text;
  note.hidden = !text;
}

// Small DOM helpers shared by the offline app's frame and pages (contract D): element builder,
// toasts, dialogs, dates. No innerHTML with data anywhere: text goes in as text nodes.

// Django's JavaScriptCatalog (/m/i18n.js) defines gettext/interpolate; without it the source
// strings (Simplified Chinese) are shown.
// Named gettext so that makemessages -d djangojs finds the strings.
export function gettext(message) {
  return typeof window.gettext === "function" ? window.gettext(message) : message;
}
export const t = gettext; // the short name (fields.js uses it)
// Marks a string for makemessages where it is translated later (tables of labels).
export const gettext_noop = (message) => message;

// fmt("已选 %(n)s 人", {n: 3}): named placeholders, like Django's interpolate(..., true).
export function fmt(message, values) {
  return String(message).replace(/%\((\w+)\)s/g, (_m, key) => (key in values ? String(values[key]) : ""));
}

const PROPS = new Set(["value", "checked", "disabled", "selected", "hidden", "required", "readOnly", "multiple"]);

// el("button", {class: "btn", onclick: fn, dataset: {id: 3}}, "text", child, [more]) -> Element
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class" || key === "className") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "style" && typeof value === "object") Object.assign(node.style, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (PROPS.has(key)) node[key] = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

// toast(message, "success" | "danger" | "warning" | "info"): a short note at the bottom.
export function toast(message, kind = "info") {
  const box = document.getElementById("xf-toasts") || document.body;
  const item = el("div", { class: `xf-toast alert alert-${kind} shadow-sm py-2 px-3 mb-2`, role: "status" }, message);
  box.append(item);
  setTimeout(() => item.remove(), kind === "danger" || kind === "warning" ? 8000 : 4000);
  return item;
}

// A modal question with buttons; resolves with the chosen button's value (or null if
// dismissed with Esc). buttons: [{label, value, kind}], the last one is the default.
export function choiceDialog(message, buttons, { title } = {}) {
  return new Promise((resolve) => {
    const dialog = el("dialog", { class: "xf-dialog", "aria-label": title || message });
    const done = (value) => {
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      done(null);
    });
    const actions = el(
      "div",
      { class: "d-flex flex-wrap gap-2 justify-content-end" },
      buttons.map((button) =>
        el(
          "button",
          { type: "button", class: `btn btn-${button.kind || "secondary"}`, onclick: () => done(button.value) },
          button.label,
        ),
      ),
    );
    append(dialog, [title ? el("h2", { class: "h6 mb-2" }, title) : null, el("p", { class: "mb-3" }, message), actions]);
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector("button:last-child").focus();
  });
}

// confirmDialog(message) -> Promise<bool>
export async function confirmDialog(message, { ok, cancel, danger = false, title } = {}) {
  const answer = await choiceDialog(
    message,
    [
      { label: cancel || gettext("取消"), value: false, kind: "outline-secondary" },
      { label: ok || gettext("确定"), value: true, kind: danger ? "danger" : "primary" },
    ],
    { title },
  );
  return answer === true;
}

const pad = (n) => String(n).padStart(2, "0");

// The phone's local date as YYYY-MM-DD (not toISOString, which is UTC).
export function localDate(date = new Date()) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// fmtDate("2025-11-24") -> "11-24"; fmtDate(isoDateTime or Date, {time: true}) -> "11-24 15:30";
// {year: true} adds the year. Empty for nothing.
export function fmtDate(value, { time = false, year = false } = {}) {
  if (!value) return "";
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return year ? value : value.slice(5);
  }
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const day = `${year ? date.getFullYear() + "-" : ""}${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return time ? `${day} ${pad(date.getHours())}:${pad(date.getMinutes())}` : day;
}

// A notice across the top of the page (login needed, clock corrected...); null clears it.
export function banner(content, kind = "warning") {
  const box = document.getElementById("xf-banner");
  if (!box) return;
  clear(box);
  if (content) box.append(el("div", { class: `alert alert-${kind} rounded-0 mb-0 py-2 px-3`, role: "alert" }, content));
}

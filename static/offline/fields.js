// Typed form fields of the offline pages: render a FieldSpec list (xianfeng/programs/fields.py: a
// visit kind's fields, a service type's result fields), read the values back into the dict the
// server validates (empty optional values left out, as the web form does), and show errors by key.
// Also the small DOM and string helpers the form pages share, so each page stays about its form.

import { el, fmt, localDate, t } from "./ui.js";

// The frame's helpers (ui.js), under the names the pages use: gettext("…") with literal strings,
// so that makemessages finds them; h(tag, attrs, ...children) builds elements, text as text nodes.
export const gettext = t;
export const h = el;
export { fmt, localDate };

let counter = 0;
export function uid(prefix) {
  counter += 1;
  return `${prefix || "xf"}-${counter}`;
}

export function isEmpty(value) {
  return value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0);
}

// "2025-11-24" → "11-24" (the outbox summaries)
export function monthDay(date) {
  return String(date || "").slice(5, 10);
}

// One labelled block: label, control, an error slot the page fills by key.
export function group(label, control, { id, required = false, help = "", legend = false } = {}) {
  const error = h("div", { class: "invalid-feedback d-block", "data-error": "" });
  error.hidden = true;
  // The star stays outside the <label>, so the field's name is exactly its label ("服务类型").
  const star = required ? h("span", { class: "text-danger ms-1", "aria-hidden": "true" }, "*") : null;
  const head = legend
    ? h("legend", { class: "form-label fs-6 mb-1" }, label, star)
    : [h("label", { class: "form-label", for: id }, label), star];
  const wrap = h(legend ? "fieldset" : "div", { class: "mb-3" }, head, control);
  if (help) wrap.append(h("div", { class: "form-text" }, help));
  wrap.append(error);
  return { node: wrap, error };
}

// Bring the first message on the form into view (centred: the app's header is fixed on top).
export function revealFirstError(form) {
  const shown = [...form.querySelectorAll("[data-error]:not([hidden])")].find((node) => node.textContent.trim());
  if (shown) shown.scrollIntoView({ block: "center" });
}

export function setError(slot, messages) {
  const list = Array.isArray(messages) ? messages : messages ? [messages] : [];
  slot.error.textContent = list.join(" ");
  slot.error.hidden = list.length === 0;
  slot.node.classList.toggle("xf-invalid", list.length > 0);
  slot.node.querySelectorAll("input:not([type=radio]):not([type=checkbox]), select, textarea").forEach((input) => {
    input.classList.toggle("is-invalid", list.length > 0);
  });
}

// A form's error summary (errors no field shows, e.g. "detail" or "enrollment_id").
export function errorBox() {
  const box = h("div", { class: "alert alert-danger", role: "alert", "data-error": "" });
  box.hidden = true;
  return {
    node: box,
    show(messages) {
      const list = messages.flat().filter(Boolean);
      box.replaceChildren(...list.map((m) => h("div", {}, m)));
      box.hidden = list.length === 0;
    },
  };
}

export const RADIO_MAX = 4; // choice lists up to this long are buttons (big touch targets), longer a select
const PEOPLE_MAX = 20; // programs/fields.py MAX_PEOPLE

function choiceButtons(spec, id, type, checked) {
  const options = (spec.choices || []).map(([code, text], i) => {
    const optionId = `${id}-${i}`;
    return [
      h("input", {
        class: "btn-check",
        type,
        name: id,
        id: optionId,
        value: String(code),
        autocomplete: "off",
        checked: checked(String(code)),
      }),
      h("label", { class: "btn btn-outline-secondary py-2 px-3", for: optionId }, String(text)),
    ];
  });
  return h("div", { class: "d-flex flex-wrap gap-2", role: "group", id }, options);
}

function select(id, choices, value, emptyLabel) {
  return h(
    "select",
    { class: "form-select", id, name: id },
    emptyLabel === null ? null : h("option", { value: "" }, emptyLabel ?? "—"),
    choices.map(([code, text]) =>
      h("option", { value: String(code), selected: String(code) === String(value ?? "") }, String(text)),
    ),
  );
}

// One spec → {node, read() → value|undefined, slot}
function renderField(spec, value) {
  const kind = spec.kind || "text";
  const id = uid(`f-${spec.key}`);
  const required = Boolean(spec.required);
  const help = spec.help || "";
  const choices = spec.choices || [];
  if (kind === "choice") {
    if (choices.length <= RADIO_MAX) {
      const control = choiceButtons(spec, id, "radio", (code) => code === String(value ?? ""));
      const slot = group(spec.label, control, { required, help, legend: true });
      const read = () => control.querySelector("input:checked")?.value;
      return { slot, read, focus: () => control.querySelector("input")?.focus() };
    }
    const control = select(id, choices, value);
    return {
      slot: group(spec.label, control, { id, required, help }),
      read: () => control.value,
      focus: () => control.focus(),
    };
  }
  if (kind === "multichoice") {
    const chosen = new Set((Array.isArray(value) ? value : []).map(String));
    const control = choiceButtons(spec, id, "checkbox", (code) => chosen.has(code));
    const slot = group(spec.label, control, { required, help, legend: true });
    const read = () => [...control.querySelectorAll("input:checked")].map((input) => input.value);
    return { slot, read, focus: () => control.querySelector("input")?.focus() };
  }
  if (kind === "boolean") return renderSwitch(spec, value, id, required, help);
  if (kind === "integer" || kind === "decimal") {
    const control = h("input", {
      class: "form-control",
      type: "number",
      id,
      name: id,
      inputmode: kind === "integer" ? "numeric" : "decimal",
      step: kind === "integer" ? "1" : "any",
      min: spec.min ?? undefined,
      max: spec.max ?? undefined,
      value: value ?? "",
    });
    const read = () => {
      const text = control.value.trim();
      if (text === "") return control.validity.badInput ? NaN : undefined;
      return kind === "integer" && /^-?\d+$/.test(text) ? Number(text) : text;
    };
    return { slot: group(spec.label, control, { id, required, help }), read, focus: () => control.focus() };
  }
  if (kind === "date") {
    const control = h("input", { class: "form-control", type: "date", id, name: id, value: value ?? "" });
    return {
      slot: group(spec.label, control, { id, required, help }),
      read: () => control.value,
      focus: () => control.focus(),
    };
  }
  if (kind === "people") return renderPeople(spec, value, id, required, help);
  const limit = spec.max_length || 500;
  const control =
    limit > 100
      ? h("textarea", { class: "form-control", id, name: id, rows: 2, maxlength: limit }, value ?? "")
      : h("input", { class: "form-control", type: "text", id, name: id, maxlength: limit, value: value ?? "" });
  return {
    slot: group(spec.label, control, { id, required, help }),
    read: () => control.value.trim(),
    focus: () => control.focus(),
  };
}

// A switch says yes or no, but "not answered" must stay possible: a follow-up that did not reach
// the patient may not carry any clinical answer (programs/smd), so an untouched switch without a
// default is left out; once touched (or prefilled, or given a default) its state is the answer.
function renderSwitch(spec, value, id, required, help) {
  const given = value !== undefined && value !== null ? value : spec.default;
  let answered = given !== undefined && given !== null;
  const input = h("input", {
    class: "form-check-input",
    type: "checkbox",
    role: "switch",
    id,
    name: id,
    checked: given === true,
    onchange: () => {
      answered = true;
    },
  });
  const label = h("label", { class: "form-check-label", for: id }, spec.label);
  const star = required ? h("span", { class: "text-danger ms-1", "aria-hidden": "true" }, "*") : null;
  const control = h("div", { class: "form-check form-switch" }, input, label, star);
  const error = h("div", { class: "invalid-feedback d-block", "data-error": "" });
  error.hidden = true;
  const node = h("div", { class: "mb-3" }, control, help ? h("div", { class: "form-text" }, help) : null, error);
  const read = () => (answered || input.checked ? input.checked : undefined);
  return { slot: { node, error }, read, focus: () => input.focus() };
}

// Repeatable name + role rows (a joint follow-up's participants); rows without a name are not saved.
function renderPeople(spec, value, id, required, help) {
  const rows = h("div", { class: "d-grid gap-2" });
  const roles = spec.choices || [];
  const addRow = (person) => {
    const n = rows.children.length + 1;
    const nameId = `${id}-${n}-name`;
    const roleId = `${id}-${n}-role`;
    const row = h(
      "div",
      { class: "d-flex gap-2 align-items-center", "data-person": "" },
      h("label", { class: "visually-hidden", for: nameId }, `${spec.label} ${gettext("姓名")} ${n}`),
      h("input", {
        class: "form-control",
        type: "text",
        id: nameId,
        maxlength: 50,
        placeholder: gettext("姓名"),
        value: person?.name || "",
        "data-name": "",
      }),
      roles.length
        ? h("label", { class: "visually-hidden", for: roleId }, `${spec.label} ${gettext("身份")} ${n}`)
        : null,
      roles.length ? select(roleId, roles, person?.role || "", gettext("身份")) : null,
      h(
        "button",
        {
          class: "btn btn-outline-secondary",
          type: "button",
          "aria-label": gettext("删除"),
          onclick: () => row.remove(),
        },
        "×",
      ),
    );
    row.querySelector("select")?.setAttribute("data-role", "");
    rows.append(row);
  };
  const people = Array.isArray(value) ? value : [];
  (people.length ? people : [null]).forEach(addRow);
  const more = h(
    "button",
    {
      class: "btn btn-sm btn-outline-secondary mt-2",
      type: "button",
      onclick: () => {
        if (rows.children.length < PEOPLE_MAX) addRow(null);
        rows.lastElementChild?.querySelector("input")?.focus();
      },
    },
    gettext("添加一人"),
  );
  const slot = group(spec.label, h("div", {}, rows, more), { required, help, legend: true });
  const read = () =>
    [...rows.querySelectorAll("[data-person]")]
      .map((row) => ({
        name: row.querySelector("[data-name]").value.trim(),
        role: row.querySelector("[data-role]")?.value || "",
      }))
      .filter((person) => person.name);
  return { slot, read, focus: () => rows.querySelector("input")?.focus() };
}

// The fields of a spec list as one block.
// fieldSet(specs, values) → {node, read(), check(), showErrors(errors) → errors no field took, clearErrors()}
export function fieldSet(specs, values = {}) {
  const node = h("div", { class: "xf-fields" });
  const fields = new Map();
  for (const spec of specs || []) {
    const field = renderField(spec, values ? values[spec.key] : undefined);
    fields.set(spec.key, { spec, ...field });
    node.append(field.slot.node);
  }
  const api = {
    node,
    read() {
      const out = {};
      for (const [key, field] of fields) {
        const value = field.read();
        if (!isEmpty(value)) out[key] = value;
      }
      return out;
    },
    // The checks the phone can make alone (required, numbers); the server checks everything again.
    check() {
      const errors = {};
      for (const [key, field] of fields) {
        const value = field.read();
        if (Number.isNaN(value)) errors[key] = [fmt(gettext("“%(l)s”应为数字"), { l: field.spec.label })];
        else if (field.spec.required && isEmpty(value))
          errors[key] = [fmt(gettext("请填写“%(l)s”"), { l: field.spec.label })];
      }
      return errors;
    },
    clearErrors() {
      for (const field of fields.values()) setError(field.slot, []);
    },
    // errors: {key: [msg]} with keys as the API names them: "risk_level" or "data.risk_level".
    showErrors(errors, prefix = "data.") {
      const rest = {};
      for (const [name, messages] of Object.entries(errors || {})) {
        const key = name.startsWith(prefix) ? name.slice(prefix.length) : name;
        const field = fields.get(key);
        if (field) setError(field.slot, messages);
        else rest[name] = messages;
      }
      return rest;
    },
    has(key) {
      return fields.has(key);
    },
  };
  return api;
}

// ---- what every offline form page shares: the entry being corrected, saving, the button ----

// The outbox entry a form corrects (contract E: #/<form>?edit=<client_id>): {entry} or {missing}.
export async function editedEntry(ctx, params, kind) {
  const clientId = params && params.edit;
  if (!clientId) return { entry: null };
  const entry = typeof ctx.getEntry === "function" ? await ctx.getEntry(clientId) : null;
  if (!entry || entry.kind !== kind) return { entry: null, missing: true };
  return { entry };
}

// "This record is no longer waiting": shown instead of a form whose entry went away meanwhile.
export function missingEntry() {
  return h(
    "div",
    { class: "alert alert-warning", role: "alert" },
    h("p", { class: "mb-2" }, gettext("这条记录已不在待同步列表中（可能已同步或已放弃）。")),
    h("a", { class: "btn btn-outline-secondary", href: "#/outbox" }, gettext("返回待同步")),
  );
}

// The server's reason on top of a form opened to correct a refused entry.
export function refusalNotice(entry) {
  if (!entry) return null;
  return h(
    "div",
    { class: "alert alert-warning", role: "alert", "data-refusal": "" },
    h("div", { class: "fw-bold" }, gettext("服务器未接收这条记录，请修改后重新保存")),
    entry.message ? h("div", {}, entry.message) : null,
  );
}

// The big save button at the bottom; `busy(true)` while the entry is written (no double save).
export function saveButton(text) {
  const button = h(
    "button",
    { class: "btn btn-danger btn-lg w-100 py-3", type: "submit" },
    h("i", { class: "bi bi-check-lg", "aria-hidden": "true" }),
    " ",
    text,
  );
  const bar = h("div", { class: "sticky-bottom bg-body py-2" }, button);
  return {
    node: bar,
    button,
    busy(on) {
      button.disabled = on;
    },
  };
}

// Write the entry to the outbox (a new one, or the corrected one under its own client id), then
// tell the user. Returns the entry, or null when the store refused (the form keeps its input).
export async function saveEntry(ctx, kind, payload, { summary, dateDefaulted = false, entry = null }) {
  const options = { summary, dateDefaulted: Boolean(dateDefaulted) };
  if (entry) options.clientId = entry.client_id;
  try {
    const saved = await ctx.enqueue(kind, payload, options);
    ctx.toast(entry ? gettext("已修改，联网后自动同步") : gettext("已保存到本机，联网后自动同步"), "success");
    return saved || true;
  } catch (error) {
    console.error("enqueue failed", error);
    ctx.toast(gettext("未能保存到本机，请重试"), "danger");
    return null;
  }
}

// A date input that remembers whether the user changed it: an untouched date is "defaulted", so the
// server may correct it from the time the entry was made (contract A.4, the phone's clock rule).
export function dateInput(label, { value, today, defaulted = true, required = true }) {
  const id = uid("date");
  let touched = !defaulted;
  const input = h("input", {
    class: "form-control",
    type: "date",
    id,
    name: id,
    value: value || today,
    max: today,
    oninput: () => {
      touched = true;
    },
  });
  const slot = group(label, input, { id, required });
  return {
    slot,
    input,
    value: () => input.value,
    defaulted: () => !touched,
    reset() {
      input.value = today;
      touched = false;
    },
  };
}

// The checks of a date the phone can make: given, and not after today.
export function dateProblem(value, today, label) {
  if (!value) return fmt(gettext("请填写“%(l)s”"), { l: label });
  if (value > today) return fmt(gettext("“%(l)s”不能晚于今天"), { l: label });
  return "";
}

// 随访 (#/visit?enrollment=ID): a program visit (a follow-up, an examination…) of an enrollment on
// the user's worklist, with the kind's typed fields (fields.js). At sync it goes to the visit create
// of programs/api.py (contract C "visit"), where the program's rules recompute the next due date
// and the stability — the phone never guesses them.

import {
  dateInput,
  dateProblem,
  editedEntry,
  errorBox,
  fieldSet,
  gettext,
  group,
  h,
  localDate,
  missingEntry,
  monthDay,
  refusalNotice,
  revealFirstError,
  saveButton,
  saveEntry,
  setError,
  uid,
} from "../fields.js";

// A refused visit whose enrollment left the worklist (the patient died, moved, was handed over)
// cannot be corrected here: back to 待同步, where it can be given up.
function notFound(editing) {
  return h(
    "div",
    { class: "alert alert-warning", role: "alert", "data-unknown-enrollment": "" },
    h("p", { class: "mb-2" }, gettext("本机的清单里没有这位随访对象（可能已调整，请联网同步后再看）。")),
    editing
      ? h("a", { class: "btn btn-outline-secondary", href: "#/outbox" }, gettext("返回待同步"))
      : h("a", { class: "btn btn-outline-secondary", href: "#/" }, gettext("返回清单")),
  );
}

function kindName(kind) {
  return kind.name || kind.label || kind.code;
}

export async function render(root, ctx, params = {}) {
  const data = ctx.data || {};
  const { entry, missing } = await editedEntry(ctx, params, "visit");
  if (missing) return root.append(missingEntry());
  const old = entry ? entry.payload || {} : {};
  const enrollmentId = Number(old.enrollment_id || params.enrollment);
  const item = (data.worklist || []).find((e) => Number(e.enrollment_id) === enrollmentId);
  const program = item && (data.programs || []).find((p) => p.code === item.program);
  const kinds = (program && program.visit_kinds) || [];
  if (!item || !kinds.length) return root.append(notFound(Boolean(entry)));

  const today = ctx.today || localDate();
  const typeNames = new Map((data.service_types || []).map((t) => [t.code, t.name]));
  root.append(
    h(
      "div",
      { class: "card mb-3" },
      h(
        "div",
        { class: "card-body py-2" },
        h("div", { class: "small text-body-secondary" }, item.program_name || program.name),
        h("div", { class: "fw-bold" }, item.subject),
        h(
          "div",
          { class: `small${item.state === "overdue" ? " text-danger" : ""}` },
          gettext("应随访"),
          " ",
          item.next_due_on || "—",
        ),
      ),
    ),
  );

  const kindId = uid("kind");
  const kindSelect = h(
    "select",
    { class: "form-select", id: kindId },
    kinds.map((k) => h("option", { value: k.code, selected: k.code === old.kind }, kindName(k))),
  );
  const kindSlot = group(gettext("记录类型"), kindSelect, { id: kindId, required: true });
  kindSlot.node.hidden = kinds.length < 2;
  const date = dateInput(gettext("随访日期"), {
    value: old.visited_on,
    today,
    defaulted: entry ? entry.date_defaulted : true,
  });

  // The household's members: whom the visit saw (optional, like the web form's 见到的人).
  const members = item.household_id ? (data.residents || []).filter((r) => r.household_id === item.household_id) : [];
  const seenId = uid("seen");
  const seen = h(
    "select",
    { class: "form-select", id: seenId },
    h("option", { value: "" }, gettext("不指定（户）")),
    members.map((r) => h("option", { value: String(r.id), selected: r.id === old.resident_id }, r.name)),
  );
  const seenSlot = group(gettext("见到的人"), seen, { id: seenId });
  const noteId = uid("note");
  const note = h("textarea", { class: "form-control", id: noteId, rows: 2, maxlength: 500 }, old.note || "");
  const noteSlot = group(gettext("备注"), note, { id: noteId });

  // The kind's part: its service types (随访方式) and its fields, rebuilt when the kind changes.
  const kindBox = h("div");
  let way = fieldSet([]);
  let fields = fieldSet([]);
  const showKind = (values, wayValue) => {
    const kind = kinds.find((k) => k.code === kindSelect.value) || kinds[0];
    const codes = kind.service_types || [];
    const waySpec = {
      key: "service_type",
      label: gettext("随访方式"),
      kind: "choice",
      required: true,
      choices: codes.map((c) => [c, typeNames.get(c) || c]),
    };
    way = fieldSet(codes.length > 1 ? [waySpec] : [], { service_type: wayValue || codes[0] });
    fields = fieldSet(kind.fields || [], values);
    kindBox.replaceChildren(way.node, fields.node);
  };
  kindSelect.addEventListener("change", () => showKind({}, ""));
  showKind(entry ? old.data || {} : {}, old.service_type);

  const errors = errorBox();
  const save = saveButton(gettext("保存到本机"));
  const form = h(
    "form",
    { novalidate: true, "data-offline-form": "visit" },
    refusalNotice(entry),
    errors.node,
    kindSlot.node,
    date.slot.node,
    members.length ? seenSlot.node : null,
    kindBox,
    noteSlot.node,
    save.node,
  );
  root.append(form);

  const slots = { kind: kindSlot, visited_on: date.slot, resident_id: seenSlot, note: noteSlot };
  const showErrors = (problems) => {
    Object.values(slots).forEach((slot) => setError(slot, []));
    way.clearErrors();
    fields.clearErrors();
    const rest = [];
    const left = way.showErrors(fields.showErrors(problems, "data."), "");
    for (const [key, messages] of Object.entries(left)) {
      if (slots[key]) setError(slots[key], messages);
      else rest.push(messages);
    }
    errors.show(rest);
  };
  if (entry && entry.errors) showErrors(entry.errors);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const kind = kinds.find((k) => k.code === kindSelect.value) || kinds[0];
    const problems = { ...way.check(), ...fields.check() };
    const dateError = dateProblem(date.value(), today, gettext("随访日期"));
    if (dateError) problems.visited_on = [dateError];
    showErrors(problems);
    if (Object.keys(problems).length) return revealFirstError(form);
    const payload = {
      enrollment_id: item.enrollment_id,
      kind: kind.code,
      visited_on: date.value(),
      service_type: way.read().service_type || (kind.service_types || [])[0] || null,
      data: fields.read(),
      note: note.value.trim(),
    };
    if (seen.value && members.length) payload.resident_id = Number(seen.value);
    save.busy(true);
    const saved = await saveEntry(ctx, "visit", payload, {
      summary: `${kindName(kind)} · ${item.subject} · ${monthDay(payload.visited_on)}`,
      dateDefaulted: date.defaulted(),
      entry,
    });
    save.busy(false);
    if (saved) ctx.go(entry ? "#/outbox" : "#/");
  });
}

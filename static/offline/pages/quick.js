// 登记 (#/quick): quick service entry on the phone, kept in the outbox until a sync sends it to
// POST /api/servicelog/records/ (contract C "record"). One record after another: after a save the
// form clears but keeps the service type, like the web quick entry's "再记一条".

import {
  dateInput,
  dateProblem,
  editedEntry,
  errorBox,
  fieldSet,
  fmt,
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
import { picker } from "../picker.js";

// servicelog.models.Category, for a snapshot that gives the code only.
function categories() {
  return {
    medical: gettext("医疗服务"),
    mental: gettext("心理与精神卫生"),
    screening: gettext("筛查与体检"),
    education: gettext("健康宣教"),
    assistance: gettext("生活帮扶"),
    emergency: gettext("应急处置"),
    materials: gettext("物资与捐赠"),
    survey: gettext("走访调查"),
  };
}

export function categoryLabel(type) {
  return type.category_name || type.category_label || categories()[type.category] || type.category || gettext("其他");
}

// <select> of service types grouped by category (optgroups, in the snapshot's order).
export function typeSelect(types, value, { id, empty = gettext("— 请选择 —") } = {}) {
  const groups = new Map();
  for (const type of types) {
    const label = categoryLabel(type);
    if (!groups.has(label)) groups.set(label, []);
    groups.get(label).push(type);
  }
  return h(
    "select",
    { class: "form-select form-select-lg", id, name: id },
    h("option", { value: "" }, empty),
    [...groups].map(([label, members]) =>
      h(
        "optgroup",
        { label },
        members.map((t) => h("option", { value: t.code, selected: t.code === value }, t.name)),
      ),
    ),
  );
}

export async function render(root, ctx, params = {}) {
  const data = ctx.data || {};
  const { entry, missing } = await editedEntry(ctx, params, "record");
  if (missing) return root.append(missingEntry());
  if (!(data.can && data.can.record) && !entry) {
    root.append(h("p", { class: "alert alert-info" }, gettext("您的账号不登记服务记录。")));
    return;
  }
  const today = ctx.today || localDate();
  const types = data.service_types || [];
  const residents = data.residents || [];
  const teams = data.teams || [];
  const old = entry ? entry.payload || {} : {};

  const typeId = uid("type");
  const type = typeSelect(types, old.service_type || "", { id: typeId });
  const typeSlot = group(gettext("服务类型"), type, { id: typeId, required: true });
  const unitText = h("span", { class: "input-group-text" });
  const who = picker(residents, {
    label: gettext("居民"),
    required: true,
    selected: old.resident_id ? [old.resident_id] : [],
  });
  const date = dateInput(gettext("服务日期"), {
    value: old.served_on,
    today,
    defaulted: entry ? entry.date_defaulted : true,
  });
  const resultBox = h("div");
  const resultError = h("div", { class: "invalid-feedback d-block mb-3", "data-error": "result" });
  let result = fieldSet([]);

  const teamId = uid("team");
  const teamChoice = old.team_id ?? (entry ? "" : (teams[0]?.id ?? ""));
  const team = h(
    "select",
    { class: "form-select", id: teamId },
    h("option", { value: "" }, gettext("不指定队伍")),
    teams.map((t) => h("option", { value: String(t.id), selected: String(t.id) === String(teamChoice) }, t.name)),
  );
  const teamSlot = group(gettext("队伍"), team, { id: teamId });
  const quantityId = uid("quantity");
  const quantity = h("input", {
    class: "form-control",
    type: "number",
    id: quantityId,
    inputmode: "decimal",
    min: "0.01",
    step: "any",
    value: old.quantity ?? "1",
  });
  const quantitySlot = group(gettext("数量"), h("div", { class: "input-group" }, quantity, unitText), {
    id: quantityId,
  });
  const noteId = uid("note");
  const note = h("textarea", { class: "form-control", id: noteId, rows: 2, maxlength: 500 }, old.note || "");
  const noteSlot = group(gettext("备注"), note, { id: noteId });
  const more = h(
    "details",
    { class: "mb-3 border rounded px-2 py-1", open: Boolean(entry) || undefined },
    h("summary", { class: "py-2" }, gettext("队伍、数量")),
    teams.length ? teamSlot.node : null,
    quantitySlot.node,
  );

  const showType = (values) => {
    const chosen = types.find((t) => t.code === type.value);
    unitText.textContent = chosen ? chosen.unit || "" : "";
    result = fieldSet(chosen ? chosen.result_fields || [] : [], values);
    resultBox.replaceChildren(
      chosen && (chosen.result_fields || []).length
        ? h(
            "fieldset",
            { class: "border rounded p-2 mb-3" },
            h("legend", { class: "h6 float-none w-auto px-1 mb-1" }, fmt(gettext("%(t)s的结果"), { t: chosen.name })),
            result.node,
          )
        : "",
    );
  };
  type.addEventListener("change", () => showType({}));
  showType(old.result || {});

  const errors = errorBox();
  const save = saveButton(gettext("保存到本机"));
  const form = h(
    "form",
    { novalidate: true, "data-offline-form": "record" },
    refusalNotice(entry),
    errors.node,
    typeSlot.node,
    who.node,
    date.slot.node,
    resultBox,
    resultError,
    noteSlot.node,
    more,
    save.node,
  );
  root.append(h("h1", { class: "h5 mb-3" }, entry ? gettext("修改服务记录") : gettext("快速登记")), form);

  const slots = {
    service_type: typeSlot,
    resident_id: who.slot,
    served_on: date.slot,
    team_id: teamSlot,
    quantity: quantitySlot,
    note: noteSlot,
  };
  const showErrors = (problems) => {
    Object.values(slots).forEach((slot) => setError(slot, []));
    result.clearErrors();
    const rest = {};
    resultError.textContent = "";
    for (const [key, messages] of Object.entries(result.showErrors(problems, "result."))) {
      if (slots[key]) setError(slots[key], messages);
      else if (key === "result")
        resultError.textContent = [messages].flat().join(" "); // the type's results as a whole
      else rest[key] = messages;
    }
    if (problems.team_id || problems.quantity) more.open = true;
    errors.show(Object.values(rest));
  };
  if (entry && entry.errors) showErrors(entry.errors);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = types.find((t) => t.code === type.value);
    const resident = who.resident();
    const problems = { ...result.check() };
    if (!chosen) problems.service_type = [gettext("请选择服务类型")];
    if (!resident) problems.resident_id = [gettext("请选择居民")];
    const dateError = dateProblem(date.value(), today, gettext("服务日期"));
    if (dateError) problems.served_on = [dateError];
    if (quantity.value.trim() !== "" && !(Number(quantity.value) > 0)) problems.quantity = [gettext("数量应大于 0")];
    showErrors(problems);
    if (Object.keys(problems).length) return revealFirstError(form);
    const payload = {
      service_type: chosen.code,
      served_on: date.value(),
      resident_id: resident.id,
      result: result.read(),
      note: note.value.trim(),
    };
    if (team.value) payload.team_id = Number(team.value);
    if (quantity.value.trim() !== "") payload.quantity = quantity.value.trim();
    save.busy(true);
    const saved = await saveEntry(ctx, "record", payload, {
      summary: `${chosen.name} · ${resident.name} · ${monthDay(payload.served_on)}`,
      dateDefaulted: date.defaulted(),
      entry,
    });
    save.busy(false);
    if (!saved) return;
    if (entry) return ctx.go("#/outbox");
    // The next record: same type, a new resident, today again.
    who.clear();
    date.reset();
    note.value = "";
    quantity.value = "1";
    showType({});
    who.focus();
  });
}

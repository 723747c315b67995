// 签到 (#/attendance): the named attendees of a recent activity, one outbox entry for the whole
// list; at sync services_attendees.activity_add_attendees makes one service record per resident,
// all or none (contract C "attendance"). The date is the activity's, so no clock rule applies.

import {
  editedEntry,
  errorBox,
  fmt,
  gettext,
  group,
  h,
  missingEntry,
  refusalNotice,
  revealFirstError,
  saveButton,
  saveEntry,
  setError,
  uid,
} from "../fields.js";
import { picker } from "../picker.js";
import { typeSelect } from "./quick.js";

const MAX_ATTENDEES = 1000; // the API's limit for one activity's batch

function activityLabel(activity) {
  return [activity.title, activity.served_on, activity.place].filter(Boolean).join(" · ");
}

export async function render(root, ctx, params = {}) {
  const data = ctx.data || {};
  const { entry, missing } = await editedEntry(ctx, params, "attendance");
  if (missing) return root.append(missingEntry());
  if (!(data.can && data.can.attendance) && !entry) {
    root.append(h("p", { class: "alert alert-info" }, gettext("您的账号不登记活动签到。")));
    return;
  }
  // Newest first (the snapshot's order, kept even if a future snapshot does not sort).
  const activities = [...(data.activities || [])].sort((a, b) =>
    String(b.served_on).localeCompare(String(a.served_on)),
  );
  const types = data.service_types || [];
  const old = entry ? entry.payload || {} : {};
  root.append(h("h1", { class: "h5 mb-3" }, entry ? gettext("修改活动签到") : gettext("活动签到")));
  if (!activities.length) {
    root.append(
      h(
        "div",
        { class: "text-center text-body-secondary border rounded p-4", "data-empty": "" },
        h("p", { class: "mb-1" }, gettext("本机没有近期的活动。")),
        h(
          "p",
          { class: "small mb-0" },
          gettext("活动需先在电脑端建好（已举办、在您的范围内），联网同步后会出现在这里。"),
        ),
      ),
    );
    return;
  }

  const activityId = uid("activity");
  const chosenActivity = old.activity_id ?? (activities.length === 1 ? activities[0].id : "");
  const activity = h(
    "select",
    { class: "form-select form-select-lg", id: activityId },
    h("option", { value: "" }, gettext("— 请选择 —")),
    activities.map((a) =>
      h("option", { value: String(a.id), selected: String(a.id) === String(chosenActivity) }, activityLabel(a)),
    ),
  );
  const activitySlot = group(gettext("活动"), activity, { id: activityId, required: true });
  const typeId = uid("type");
  const findActivity = () => activities.find((a) => String(a.id) === activity.value);
  const initialType = old.service_type || findActivity()?.attendee_type || "";
  const type = typeSelect(types, initialType, { id: typeId });
  const typeSlot = group(gettext("服务类型"), type, { id: typeId, required: true });
  let typeTouched = Boolean(entry);
  type.addEventListener("change", () => {
    typeTouched = true;
  });
  activity.addEventListener("change", () => {
    // The activity's own attendee type, unless the user already chose one.
    const chosen = findActivity();
    if (!typeTouched && chosen && chosen.attendee_type) type.value = chosen.attendee_type;
  });
  const who = picker(data.residents || [], {
    label: gettext("参加者"),
    multiple: true,
    required: true,
    selected: old.resident_ids || [],
  });
  const noteId = uid("note");
  const note = h("textarea", { class: "form-control", id: noteId, rows: 2, maxlength: 500 }, old.note || "");
  const noteSlot = group(gettext("备注"), note, { id: noteId, help: gettext("每位参加者的服务记录都带这条备注") });
  const errors = errorBox();
  const save = saveButton(gettext("保存签到"));
  const form = h(
    "form",
    { novalidate: true, "data-offline-form": "attendance" },
    refusalNotice(entry),
    errors.node,
    activitySlot.node,
    typeSlot.node,
    who.node,
    noteSlot.node,
    save.node,
  );
  root.append(form);

  const slots = { activity_id: activitySlot, service_type: typeSlot, resident_ids: who.slot, note: noteSlot };
  const showErrors = (problems) => {
    Object.values(slots).forEach((slot) => setError(slot, []));
    const rest = [];
    for (const [key, messages] of Object.entries(problems)) {
      // "resident_ids.3" (one attendee refused) goes under the list.
      const slot = slots[key] || slots[key.split(".")[0]];
      if (slot) setError(slot, messages);
      else rest.push(messages);
    }
    errors.show(rest);
  };
  if (entry && entry.errors) showErrors(entry.errors);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = findActivity();
    const stype = types.find((t) => t.code === type.value);
    const ids = who.value();
    const problems = {};
    if (!chosen) problems.activity_id = [gettext("请选择活动")];
    if (!stype) problems.service_type = [gettext("请选择服务类型")];
    if (!ids.length) problems.resident_ids = [gettext("请至少选择一位参加者")];
    else if (ids.length > MAX_ATTENDEES)
      problems.resident_ids = [fmt(gettext("一次最多登记 %(n)s 人"), { n: MAX_ATTENDEES })];
    showErrors(problems);
    if (Object.keys(problems).length) return revealFirstError(form);
    const payload = { activity_id: chosen.id, service_type: stype.code, resident_ids: ids, note: note.value.trim() };
    save.busy(true);
    const saved = await saveEntry(ctx, "attendance", payload, {
      summary: fmt(gettext("签到 · %(a)s · %(n)s 人"), { a: chosen.title, n: ids.length }),
      dateDefaulted: false,
      entry,
    });
    save.busy(false);
    if (!saved) return;
    if (entry) return ctx.go("#/outbox");
    who.clear();
    note.value = "";
    who.focus();
  });
}

// 诉求 (#/need): a need raised by or for a resident, noted on the phone (contract C "need" = NeedIn),
// and below it the needs assigned to the user as of the last sync (read only: handling a need —
// assigning, resolving with records — is done online). The server needs a resident or a household:
// the resident is picked, and "属于整户" files it under the resident's household instead.

import {
  dateInput,
  dateProblem,
  editedEntry,
  errorBox,
  fieldSet,
  fmt,
  gettext,
  h,
  localDate,
  missingEntry,
  refusalNotice,
  revealFirstError,
  saveButton,
  saveEntry,
  setError,
  uid,
} from "../fields.js";
import { picker } from "../picker.js";

function statuses() {
  return {
    open: [gettext("待办"), "warning"],
    in_progress: [gettext("办理中"), "info"],
    resolved: [gettext("已解决"), "success"],
    unresolved: [gettext("未解决（已关闭）"), "secondary"],
  };
}

function assignedList(needs, residents) {
  const names = new Map(residents.map((r) => [r.id, r.name]));
  const labels = statuses();
  return h(
    "section",
    { class: "mt-4", "aria-labelledby": "need-assigned" },
    h(
      "h2",
      { class: "h6", id: "need-assigned" },
      gettext("分派给我的民情需求"),
      " ",
      h("span", { class: "badge text-bg-secondary" }, needs.length),
    ),
    needs.length
      ? h(
          "ul",
          { class: "list-group" },
          needs.map((need) => {
            const [label, tone] = labels[need.status] || [need.status, "secondary"];
            return h(
              "li",
              { class: "list-group-item d-flex align-items-center gap-2", "data-need": need.id },
              h(
                "div",
                { class: "me-auto" },
                h("div", {}, need.title),
                need.resident_id && names.has(need.resident_id)
                  ? h("div", { class: "small text-body-secondary" }, names.get(need.resident_id))
                  : null,
              ),
              h("span", { class: `badge text-bg-${tone}` }, label),
            );
          }),
        )
      : h("p", { class: "text-body-secondary small" }, gettext("目前没有分派给您的民情需求。")),
    h("p", { class: "small text-body-secondary mt-2" }, gettext("办理和办结请联网后在民情台账中操作。")),
  );
}

export async function render(root, ctx, params = {}) {
  const data = ctx.data || {};
  const needs = data.needs || {};
  const residents = data.residents || [];
  const { entry, missing } = await editedEntry(ctx, params, "need");
  if (missing) return root.append(missingEntry());
  root.append(h("h1", { class: "h5 mb-3" }, entry ? gettext("修改民情需求") : gettext("登记民情需求")));
  if (!(data.can && data.can.need) && !entry) {
    root.append(
      h("p", { class: "alert alert-info" }, gettext("您的账号不登记民情需求。")),
      assignedList(needs.assigned || [], residents),
    );
    return;
  }
  const today = ctx.today || localDate();
  const old = entry ? entry.payload || {} : {};
  const household = Boolean(old.household_id && !old.resident_id);
  // A household need keeps no resident id: find the household's head among the residents to show it.
  const first = old.resident_id || (household ? residents.find((r) => r.household_id === old.household_id)?.id : null);

  const top = fieldSet(
    [
      {
        key: "title",
        label: gettext("诉求"),
        kind: "text",
        required: true,
        max_length: 100,
        help: gettext("一句话，如：更换轮椅、代购降压药"),
      },
      { key: "category", label: gettext("类别"), kind: "choice", required: true, choices: needs.categories || [] },
    ],
    old,
  );
  const who = picker(residents, { label: gettext("居民"), required: true, selected: first ? [first] : [] });
  const wholeId = uid("household");
  const whole = h("input", { class: "form-check-input", type: "checkbox", id: wholeId, checked: household });
  const wholeBox = h(
    "div",
    { class: "form-check mb-3" },
    whole,
    h("label", { class: "form-check-label", for: wholeId }, gettext("诉求属于整户（按该居民所在的户登记）")),
  );
  const rest = fieldSet(
    [
      { key: "description", label: gettext("详细情况"), kind: "text", max_length: 2000 },
      { key: "source", label: gettext("反映渠道"), kind: "choice", required: true, choices: needs.sources || [] },
      {
        key: "raised_by_name",
        label: gettext("反映人"),
        kind: "text",
        max_length: 50,
        help: gettext("本人、家属、村干部等；不填即为服务对象本人"),
      },
    ],
    { source: "visit", ...old },
  );
  const date = dateInput(gettext("反映日期"), {
    value: old.raised_on,
    today,
    defaulted: entry ? entry.date_defaulted : true,
  });
  const errors = errorBox();
  const save = saveButton(gettext("保存到本机"));
  const form = h(
    "form",
    { novalidate: true, "data-offline-form": "need" },
    refusalNotice(entry),
    errors.node,
    top.node,
    who.node,
    wholeBox,
    rest.node,
    date.slot.node,
    save.node,
  );
  root.append(form, assignedList(needs.assigned || [], residents));

  const showErrors = (problems) => {
    setError(who.slot, []);
    setError(date.slot, []);
    top.clearErrors();
    rest.clearErrors();
    const left = rest.showErrors(top.showErrors(problems, ""), "");
    const unplaced = [];
    for (const [key, messages] of Object.entries(left)) {
      if (key === "resident_id" || key === "household_id" || key === "resident" || key === "household")
        setError(who.slot, messages);
      else if (key === "raised_on") setError(date.slot, messages);
      else unplaced.push(messages);
    }
    errors.show(unplaced);
  };
  if (entry && entry.errors) showErrors(entry.errors);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const resident = who.resident();
    const problems = { ...top.check(), ...rest.check() };
    if (!resident) problems.resident_id = [gettext("请选择提出诉求的居民")];
    else if (whole.checked && !resident.household_id)
      problems.resident_id = [gettext("这位居民没有登记所在的户，请取消“属于整户”")];
    const dateError = dateProblem(date.value(), today, gettext("反映日期"));
    if (dateError) problems.raised_on = [dateError];
    showErrors(problems);
    if (Object.keys(problems).length) return revealFirstError(form);
    const facts = { ...top.read(), ...rest.read() };
    const payload = {
      title: facts.title,
      category: facts.category,
      description: facts.description || "",
      source: facts.source,
      raised_by_name: facts.raised_by_name || "",
      raised_on: date.value(),
    };
    if (whole.checked) payload.household_id = resident.household_id;
    else payload.resident_id = resident.id;
    save.busy(true);
    const saved = await saveEntry(ctx, "need", payload, {
      summary: fmt(gettext("诉求 · %(t)s · %(n)s"), { t: payload.title, n: resident.name }),
      dateDefaulted: date.defaulted(),
      entry,
    });
    save.busy(false);
    if (!saved) return;
    if (entry) return ctx.go("#/outbox");
    root.replaceChildren();
    await render(root, ctx, {});
  });
}

// 来电 (#/call): a hotline call logged on the phone (contract C "call" = HotlineCallIn), for duty
// members only (snapshot.can.call). The web form's fields in its order, minus the callback phone:
// a full phone number is personal data the device must not keep. The screen's six questions are
// switches; the high-risk rule is mirrored (as static/js/hotline_calls.js does) only to warn that
// the supervisor will be alerted — the server decides the level at sync.

import {
  editedEntry,
  errorBox,
  fieldSet,
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

const MAX_MINUTES = 600; // hotline.models.MAX_CALL_MINUTES

function riskQuestions() {
  return [
    ["suicidal_ideation", gettext("最近有没有想过结束自己的生命？")],
    ["suicide_plan", gettext("有没有具体的计划或做过准备？")],
    ["suicide_attempt", gettext("现在是否正在实施，或近期有过自杀行为？")],
    ["means_access", gettext("身边能否拿到药物、刀具、农药等致命手段？")],
    ["violence_risk", gettext("有没有伤害他人的想法或行为？")],
    ["self_harm", gettext("有没有自伤行为（如割伤自己）？")],
  ];
}

const pad = (n) => String(n).padStart(2, "0");

// "2025-11-24T15:30" (a datetime-local value, the phone's local time) for a Date.
export function localMinute(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

// "2025-11-24T15:30" → "2025-11-24T15:30:00+08:00": the API wants an aware time; the offset is the phone's.
export function withOffset(value) {
  const date = new Date(value);
  const minutes = -date.getTimezoneOffset();
  const sign = minutes >= 0 ? "+" : "-";
  const abs = Math.abs(minutes);
  return `${localMinute(date)}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function highRisk(answers, outcome) {
  return Boolean(
    answers.suicide_attempt ||
    (answers.suicide_plan && answers.means_access) ||
    answers.violence_risk ||
    outcome === "crisis",
  );
}

export async function render(root, ctx, params = {}) {
  const data = ctx.data || {};
  const hotline = data.hotline;
  const { entry, missing } = await editedEntry(ctx, params, "call");
  if (missing) return root.append(missingEntry());
  if (!(data.can && data.can.call) || !hotline) {
    root.append(
      h("h1", { class: "h5 mb-3" }, gettext("来电登记")),
      h(
        "p",
        { class: "alert alert-info", "data-not-allowed": "" },
        gettext("您的账号不登记热线来电（只有热线值守人员登记）。"),
      ),
    );
    return;
  }
  const old = entry ? entry.payload || {} : {};

  const startId = uid("started");
  let startTouched = entry ? !entry.date_defaulted : false;
  const start = h("input", {
    class: "form-control",
    type: "datetime-local",
    id: startId,
    value: old.started_at ? localMinute(new Date(old.started_at)) : localMinute(new Date()),
    max: localMinute(new Date(Date.now() + 5 * 60 * 1000)),
    oninput: () => {
      startTouched = true;
    },
  });
  const startSlot = group(gettext("来电时间"), start, { id: startId, required: true });

  const teams = hotline.teams || [];
  const teamId = uid("team");
  const teamChoice = old.team_id ?? (teams.length === 1 ? teams[0].id : "");
  const team = h(
    "select",
    { class: "form-select", id: teamId },
    h("option", { value: "" }, gettext("按班次确定")),
    teams.map((t) => h("option", { value: String(t.id), selected: String(t.id) === String(teamChoice) }, t.name)),
  );
  const teamSlot = group(gettext("值守组"), team, { id: teamId });

  const main = fieldSet(
    [
      {
        key: "duration_minutes",
        label: gettext("通话时长（分钟）"),
        kind: "integer",
        required: true,
        min: 0,
        max: MAX_MINUTES,
      },
      { key: "channel", label: gettext("渠道"), kind: "choice", required: true, choices: hotline.channels || [] },
      { key: "topic", label: gettext("主要问题"), kind: "choice", required: true, choices: hotline.topics || [] },
    ],
    { channel: old.channel || "phone", duration_minutes: old.duration_minutes, topic: old.topic },
  );
  const risks = riskQuestions();
  const screen = fieldSet(
    risks.map(([key, label]) => ({ key, label, kind: "boolean" })),
    Object.fromEntries(risks.map(([key]) => [key, old[key] ? true : undefined])),
  );
  const after = fieldSet(
    [
      { key: "outcome", label: gettext("处理结果"), kind: "choice", required: true, choices: hotline.outcomes || [] },
      { key: "intervention", label: gettext("干预措施"), kind: "text", max_length: 2000 },
      {
        key: "caller_gender",
        label: gettext("来电者性别"),
        kind: "choice",
        choices: [
          ["M", gettext("男")],
          ["F", gettext("女")],
        ],
      },
      {
        key: "caller_age_group",
        label: gettext("来电者年龄段"),
        kind: "choice",
        choices: (hotline.age_groups || []).filter(([code]) => code),
      },
      { key: "note", label: gettext("备注"), kind: "text", max_length: 500 },
    ],
    old,
  );
  const notice = h(
    "div",
    { class: "alert alert-danger", role: "alert", "data-high-risk": "" },
    gettext("高风险来电：同步后将立即通知督导，请按危机干预规程处置。"),
  );
  const update = () => {
    notice.hidden = !highRisk(screen.read(), after.read().outcome);
  };
  const errors = errorBox();
  const save = saveButton(gettext("保存到本机"));
  const form = h(
    "form",
    { novalidate: true, "data-offline-form": "call", onchange: update },
    refusalNotice(entry),
    errors.node,
    startSlot.node,
    main.node,
    teams.length ? teamSlot.node : null,
    h(
      "fieldset",
      { class: "border rounded p-2 mb-3" },
      h("legend", { class: "h6 float-none w-auto px-1 mb-1" }, gettext("风险筛查")),
      screen.node,
    ),
    notice,
    after.node,
    save.node,
  );
  root.append(h("h1", { class: "h5 mb-3" }, entry ? gettext("修改来电记录") : gettext("来电登记")), form);
  update();

  const slots = { started_at: startSlot, team_id: teamSlot };
  const showErrors = (problems) => {
    Object.values(slots).forEach((slot) => setError(slot, []));
    [main, screen, after].forEach((part) => part.clearErrors());
    let left = problems;
    for (const part of [main, screen, after]) left = part.showErrors(left, "");
    const rest = [];
    for (const [key, messages] of Object.entries(left)) {
      if (slots[key]) setError(slots[key], messages);
      else rest.push(messages);
    }
    errors.show(rest);
  };
  if (entry && entry.errors) showErrors(entry.errors);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = { ...main.check(), ...after.check() };
    if (!start.value) problems.started_at = [fmt(gettext("请填写“%(l)s”"), { l: gettext("来电时间") })];
    else if (new Date(start.value).getTime() > Date.now() + 5 * 60 * 1000)
      problems.started_at = [gettext("来电时间不能晚于现在")];
    showErrors(problems);
    if (Object.keys(problems).length) return revealFirstError(form);
    const answers = screen.read();
    const facts = { ...main.read(), ...after.read() };
    const payload = {
      started_at: withOffset(start.value),
      duration_minutes: Number(facts.duration_minutes),
      channel: facts.channel,
      topic: facts.topic,
      outcome: facts.outcome,
      intervention: facts.intervention || "",
      note: facts.note || "",
      caller_gender: facts.caller_gender || "",
      caller_age_group: facts.caller_age_group || "",
      ...Object.fromEntries(risks.map(([key]) => [key, answers[key] === true])),
    };
    if (team.value) payload.team_id = Number(team.value);
    const topic = (hotline.topics || []).find(([code]) => code === payload.topic);
    save.busy(true);
    const saved = await saveEntry(ctx, "call", payload, {
      summary: fmt(gettext("来电 · %(t)s · %(d)s"), {
        t: topic ? topic[1] : payload.topic,
        d: start.value.slice(5).replace("T", " "),
      }),
      dateDefaulted: !startTouched,
      entry,
    });
    save.busy(false);
    if (!saved) return;
    if (entry) return ctx.go("#/outbox");
    // The next call: a fresh form, its time now again.
    root.replaceChildren();
    await render(root, ctx, {});
  });
}

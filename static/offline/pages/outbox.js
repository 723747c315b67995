// 待同步 (#/outbox): the entries waiting on this phone, in the order they will be sent. Refused
// ones stay with the server's reason until they are corrected (修改, contract E) or given up (放弃).

import * as store from "../store.js";
import { confirmDialog, el, fmt, fmtDate, gettext, gettext_noop } from "../ui.js";

const KINDS = {
  record: gettext_noop("服务记录"),
  attendance: gettext_noop("活动签到"),
  visit: gettext_noop("随访"),
  call: gettext_noop("来电"),
  need: gettext_noop("民情需求"),
};
// API field names in a refusal's errors, as the forms call them.
const FIELDS = {
  service_type: gettext_noop("服务类型"),
  resident_id: gettext_noop("居民"),
  resident_ids: gettext_noop("居民"),
  household_id: gettext_noop("户"),
  served_on: gettext_noop("服务日期"),
  visited_on: gettext_noop("随访日期"),
  raised_on: gettext_noop("反映日期"),
  started_at: gettext_noop("来电时间"),
  activity_id: gettext_noop("活动"),
  enrollment_id: gettext_noop("随访对象"),
  team_id: gettext_noop("队伍"),
  quantity: gettext_noop("数量"),
  note: gettext_noop("备注"),
};

function fieldLabel(key) {
  const plain = key.replace(/^(data|result)\./, "");
  return FIELDS[key] ? gettext(FIELDS[key]) : plain;
}

function errorList(errors) {
  const rows = Object.entries(errors || {}).filter(([, messages]) => messages && messages.length);
  if (!rows.length) return null;
  return el(
    "ul",
    { class: "small text-danger mb-2 ps-3" },
    rows.map(([key, messages]) =>
      el("li", {}, key && key !== "__all__" ? `${fieldLabel(key)}：` : "", [].concat(messages).join("；")),
    ),
  );
}

function item(entry, ctx) {
  const refused = entry.status === "refused";
  const kind = gettext(KINDS[entry.kind] || entry.kind);
  const summary = entry.summary || kind;
  const discard = async () => {
    const ok = await confirmDialog(fmt(gettext("放弃“%(summary)s”？放弃后这条记录不会同步，也无法恢复。"), { summary }), {
      ok: gettext("确定放弃"),
      danger: true,
    });
    if (!ok) return;
    await store.removeEntry(entry.client_id);
    ctx.toast(gettext("已放弃这条记录"), "info");
    ctx.go("#/outbox");
  };
  const badge = refused
    ? el("span", { class: "badge text-bg-danger" }, gettext("被退回"))
    : el("span", { class: "badge text-bg-secondary" }, gettext("等待同步"));
  const made = fmt(gettext("记录于 %(at)s"), { at: fmtDate(entry.made_at, { time: true }) });
  const actions = el(
    "div",
    { class: "d-flex gap-2" },
    el("a", { href: ctx.editHash(entry), class: "btn btn-sm btn-primary" }, gettext("修改")),
    el("button", { type: "button", class: "btn btn-sm btn-outline-danger", onclick: discard }, gettext("放弃")),
  );
  return el(
    "li",
    {
      class: `list-group-item${refused ? " list-group-item-danger" : ""}`,
      dataset: { clientId: entry.client_id, status: entry.status },
    },
    el("div", { class: "d-flex align-items-start gap-2" }, el("div", { class: "flex-grow-1 fw-semibold" }, summary), badge),
    el("div", { class: "small text-secondary mb-1" }, kind, " · ", made),
    refused ? el("div", { class: "mb-1", "data-xf-reason": "" }, entry.message || gettext("服务器未接受这条记录")) : null,
    refused ? errorList(entry.errors) : null,
    refused ? actions : null,
  );
}

export async function render(root, ctx) {
  const entries = await ctx.outbox();
  const refused = entries.filter((entry) => entry.status === "refused").length;
  const waiting = entries.length - refused;
  const syncAll = async (event) => {
    event.currentTarget.disabled = true;
    await ctx.syncNow({ includeRefused: true });
    ctx.go("#/outbox");
  };
  root.append(
    el(
      "div",
      { class: "d-flex align-items-center gap-2 mb-2" },
      el("h1", { class: "h5 mb-0 flex-grow-1" }, gettext("待同步")),
      el(
        "button",
        { type: "button", class: "btn btn-sm btn-primary", disabled: !entries.length, onclick: syncAll },
        gettext("全部同步"),
      ),
    ),
  );
  if (!entries.length) {
    const empty = gettext("没有待同步的记录。离线时登记的记录先保存在本机，联网后自动同步。");
    root.append(el("p", { class: "text-secondary", "data-xf-outbox-empty": "" }, empty));
    return;
  }
  root.append(
    el(
      "p",
      { class: "small text-secondary mb-2" },
      fmt(gettext("%(waiting)s 条等待同步"), { waiting }),
      refused ? fmt(gettext("，%(refused)s 条被退回：请修改后重新同步，或放弃"), { refused }) : "",
      ctx.online() ? "" : gettext("（当前离线，联网后自动同步）"),
    ),
    el("ol", { class: "list-group xf-outbox", "data-xf-outbox": "" }, entries.map((entry) => item(entry, ctx))),
  );
}

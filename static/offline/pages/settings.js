// 本机设备 (#/settings): what this phone keeps and until when, and the wipe by hand.

import * as store from "../store.js";
import * as sync from "../sync.js";
import { confirmDialog, el, fmt, fmtDate, gettext } from "../ui.js";

function row(label, value) {
  return [el("dt", { class: "col-5 fw-normal text-secondary" }, label), el("dd", { class: "col-7" }, value)];
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export async function render(root, ctx) {
  const info = await store.meta();
  const count = await store.countEntries();
  const left = await sync.daysLeft();
  const user = info.user;
  const maxDays = info.max_offline_days || ctx.data?.max_offline_days || 7;

  const wipeNow = async () => {
    const message = count
      ? fmt(gettext("本机有 %(n)s 条记录尚未同步，清除后将永久丢失。确定清除本机数据？"), { n: count })
      : gettext("清除本机的离线数据？下次使用需联网重新下载。");
    if (await confirmDialog(message, { ok: gettext("清除"), danger: true })) await sync.wipe(gettext("您在本机手动清除"));
  };
  const logout = async () => {
    const message = count
      ? fmt(gettext("本机有 %(n)s 条离线记录尚未同步，退出将清除它们。确定退出？"), { n: count })
      : gettext("退出登录并清除本机的离线数据？");
    if (!(await confirmDialog(message, { ok: gettext("退出"), danger: Boolean(count) }))) return;
    const token = csrfToken();
    await sync.wipe(gettext("已退出登录"));
    const form = el(
      "form",
      { method: "post", action: "/accounts/logout/", hidden: true },
      el("input", { type: "hidden", name: "csrfmiddlewaretoken", value: token }),
    );
    document.body.append(form);
    form.submit();
  };

  root.append(
    el("h1", { class: "h5 mb-3" }, gettext("本机设备")),
    el(
      "dl",
      { class: "row mb-3", "data-xf-device": "" },
      row(gettext("设备编号"), info.client_id ? `…${info.client_id.slice(-6)}` : gettext("尚未登记")),
      row(gettext("登记用户"), user ? `${user.name || ""}（${user.username}）` : "—"),
      row(gettext("最近联系"), info.last_contact_phone ? fmtDate(info.last_contact_phone, { time: true }) : "—"),
      row(gettext("上次同步"), info.last_sync ? fmtDate(info.last_sync, { time: true }) : gettext("尚未同步")),
      row(gettext("待同步"), fmt(gettext("%(n)s 条"), { n: count })),
      row(
        gettext("自动清除"),
        left === null ? "—" : fmt(gettext("%(left)s 天后（连续 %(max)s 天未联网时自动清除）"), { left, max: maxDays }),
      ),
    ),
    el(
      "p",
      { class: "small text-secondary" },
      gettext("本机保存的居民信息已加密，密钥只发给已登录的本人；退出登录、设备被撤销或长期未联网时自动清除。"),
    ),
    el(
      "div",
      { class: "d-grid gap-2" },
      el("button", { type: "button", class: "btn btn-outline-danger", onclick: wipeNow }, gettext("清除本机数据")),
      el("button", { type: "button", class: "btn btn-outline-secondary", onclick: logout }, gettext("退出登录")),
    ),
  );
}

// The offline field app's frame (issue 14, contract D): start-up, hash router, header, bottom
// navigation and the ctx the pages receive. Pages live in ./pages/<name>.js and export
// render(root, ctx, params).

import * as store from "./store.js";
import * as sync from "./sync.js";
import { banner, clear, el, fmt, fmtDate, gettext, gettext_noop, localDate, toast } from "./ui.js";

const body = document.body;
const main = document.getElementById("xf-main");
const header = document.getElementById("xf-header");
const nav = document.getElementById("xf-nav");

// route -> page module; "more" is drawn here.
const PAGES = {
  "": "worklist",
  quick: "quick",
  attendance: "attendance",
  visit: "visit",
  call: "call",
  need: "need",
  outbox: "outbox",
  settings: "settings",
  more: "more",
};
const WITHOUT_DATA = new Set(["outbox", "settings"]); // usable before any snapshot
// contract E: the form an outbox entry is edited in
export const EDIT_PAGE = { record: "quick", attendance: "attendance", visit: "visit", call: "call", need: "need" };

const app = { data: null, halted: false, dirty: false, renderSeq: 0, pending: 0, lastSync: null, route: "" };

export const ctx = {
  get data() {
    return app.data;
  },
  get user() {
    return app.data?.user || null;
  },
  get today() {
    return localDate();
  },
  enqueue,
  go,
  toast,
  online: () => navigator.onLine,
  outbox: () => store.listEntries(),
  getEntry: (clientId) => store.getEntry(clientId),
  editHash,
  syncNow: manualSync,
};

function go(hash) {
  const target = hash.startsWith("#") ? hash : `#${hash}`;
  if (location.hash === target) render();
  else location.hash = target;
}

export function editHash(entry) {
  const page = EDIT_PAGE[entry.kind] || "quick";
  const params = new URLSearchParams();
  if (entry.kind === "visit" && entry.payload?.enrollment_id) params.set("enrollment", entry.payload.enrollment_id);
  params.set("edit", entry.client_id);
  return `#/${page}?${params}`;
}

async function enqueue(kind, payload, { summary = "", dateDefaulted = false, clientId = null } = {}) {
  if (!app.data) throw new Error(gettext("本机还没有数据，请先联网登录一次"));
  const entry = await store.putEntry({ kind, payload, summary, dateDefaulted, userId: app.data.user.id, clientId });
  await refreshCounts();
  if (navigator.onLine) sync.syncNow().then(report, () => null); // in the background
  return entry;
}

// ---- header and navigation ------------------------------------------------------------

const NAV = [
  ["", "list-check", gettext_noop("清单")],
  ["quick", "plus-circle", gettext_noop("登记")],
  ["attendance", "people", gettext_noop("签到")],
  ["outbox", "cloud-arrow-up", gettext_noop("待同步")],
  ["more", "three-dots", gettext_noop("更多")],
];

function drawNav() {
  clear(nav);
  if (app.halted) return;
  for (const [route, icon, label] of NAV) {
    const active = route === app.route || (route === "more" && ["call", "need", "settings", "more"].includes(app.route));
    nav.append(
      el(
        "a",
        { href: `#/${route}`, class: `xf-nav-item${active ? " active" : ""}`, "aria-current": active ? "page" : null },
        el("i", { class: `bi bi-${icon}`, "aria-hidden": "true" }),
        el("span", {}, gettext(label)),
        route === "outbox" && app.pending
          ? el("span", { class: "badge rounded-pill text-bg-danger xf-nav-badge", "aria-hidden": "true" }, app.pending)
          : null,
      ),
    );
  }
}

function drawHeader() {
  clear(header);
  const title = el("div", { class: "xf-title" }, el("i", { class: "bi bi-flag-fill" }), " ", gettext("先锋外勤"));
  if (app.halted) {
    header.append(title);
    return;
  }
  const online = navigator.onLine;
  const user = app.data?.user;
  header.append(
    el(
      "div",
      { class: "xf-header-row" },
      title,
      user ? el("span", { class: "xf-user text-truncate" }, user.name || user.username) : null,
      el(
        "button",
        {
          type: "button",
          class: "btn btn-sm btn-light xf-sync-button",
          disabled: sync.state.syncing,
          "aria-busy": sync.state.syncing ? "true" : null,
          onclick: manualSync,
        },
        sync.state.syncing ? el("span", { class: "spinner-border spinner-border-sm me-1", "aria-hidden": "true" }) : null,
        gettext("同步"),
      ),
    ),
    el(
      "div",
      { class: "xf-header-row xf-header-status" },
      el(
        "span",
        { class: `badge ${online ? "text-bg-success" : "text-bg-secondary"}`, "data-xf-online": String(online) },
        online ? gettext("在线") : gettext("离线"),
      ),
      app.pending
        ? el("a", { href: "#/outbox", class: "xf-pending" }, fmt(gettext("%(n)s 条未同步"), { n: app.pending }))
        : null,
      el("span", { class: "xf-last-sync" }, lastSyncText()),
    ),
  );
}

function lastSyncText() {
  if (!app.lastSync) return gettext("尚未同步");
  return fmt(gettext("上次同步 %(at)s"), { at: fmtDate(app.lastSync, { time: true }) });
}

async function refreshCounts() {
  if (app.halted) return;
  try {
    app.pending = await store.countEntries();
    app.lastSync = await store.getMeta("last_sync");
  } catch {
    return; // wiped meanwhile
  }
  body.dataset.xfPending = String(app.pending);
  drawHeader();
  drawNav();
}

// ---- router -----------------------------------------------------------------------------

function parseHash() {
  const [path, query] = location.hash.replace(/^#\/?/, "").split("?");
  return { name: path || "", params: Object.fromEntries(new URLSearchParams(query || "")) };
}

async function render() {
  if (app.halted) return;
  const { name, params } = parseHash();
  const page = PAGES[name];
  const seq = ++app.renderSeq;
  app.route = name;
  app.dirty = false;
  refreshCounts(); // the page may have changed the outbox (放弃, a save)
  const root = el("div", { class: "xf-page", dataset: { page: page || "unknown" } });
  try {
    if (!page) {
      root.append(el("div", { class: "alert alert-warning" }, gettext("没有这个页面。"), " ", el("a", { href: "#/" }, gettext("回到清单"))));
    } else if (!app.data && !WITHOUT_DATA.has(page)) {
      drawNoData(root);
    } else if (page === "more") {
      drawMore(root);
    } else {
      const module = await import(`./pages/${page}.js`);
      if (seq !== app.renderSeq) return; // another route won meanwhile
      clear(main).append(root);
      await module.render(root, ctx, params);
      return;
    }
  } catch (error) {
    console.error(error);
    root.append(el("div", { class: "alert alert-danger" }, gettext("页面出错："), String(error.message || error)));
  }
  if (seq === app.renderSeq) clear(main).append(root);
}

// After new data arrives: redraw, unless the user is typing in a form (their input would be lost).
function rerender() {
  if (!app.dirty) render();
}

function drawNoData(root) {
  body.dataset.xfState = "nodata";
  if (sync.state.needLogin) {
    root.append(
      el("div", { class: "alert alert-info" }, gettext("请先登录，登录后本机会下载您的工作数据，之后没有网络也能使用。"), " ", loginLink()),
    );
  } else if (sync.state.message) {
    root.append(el("div", { class: "alert alert-danger" }, sync.state.message));
  } else if (!navigator.onLine) {
    root.append(el("div", { class: "alert alert-warning", "data-xf-no-data": "" }, gettext("请先联网登录一次：本机还没有您的工作数据。")));
  } else {
    root.append(
      el("p", { class: "text-secondary p-2" }, el("span", { class: "spinner-border spinner-border-sm me-2" }), gettext("正在下载您的工作数据…")),
    );
  }
}

function drawMore(root) {
  const can = app.data?.can || {};
  const link = (href, icon, label, note) =>
    el(
      "a",
      { href, class: "list-group-item list-group-item-action d-flex align-items-center gap-2 py-3" },
      el("i", { class: `bi bi-${icon}` }),
      el("span", { class: "flex-grow-1" }, label),
      note ? el("small", { class: "text-secondary" }, note) : null,
    );
  root.append(
    el("h1", { class: "h5 mb-3" }, gettext("更多")),
    el(
      "div",
      { class: "list-group" },
      can.call ? link("#/call", "telephone", gettext("来电登记")) : null,
      can.need !== false ? link("#/need", "megaphone", gettext("民情需求")) : null,
      link("#/settings", "phone", gettext("本机设备与数据")),
      link(body.dataset.desktopUrl || "/", "display", gettext("电脑版页面"), gettext("需联网")),
    ),
  );
}

function loginLink() {
  return el("a", { href: body.dataset.loginUrl, class: "alert-link" }, gettext("去登录"));
}

// ---- sync feedback ------------------------------------------------------------------------

function report(result) {
  if (!result) return;
  if (result.status === "offline") toast(gettext("无法连接服务器，记录保留在本机，稍后再试"), "warning");
  else if (result.refused) toast(fmt(gettext("%(n)s 条记录被退回，请在“待同步”中查看原因"), { n: result.refused }), "danger");
  else if (result.created) toast(fmt(gettext("已同步 %(n)s 条记录"), { n: result.created }), "success");
}

async function manualSync({ includeRefused = false } = {}) {
  if (!navigator.onLine) {
    toast(gettext("当前离线，联网后再同步"), "warning");
    return null;
  }
  const result = await sync.syncNow({ status: true, includeRefused });
  report(result);
  if (result?.status === "ok" && !result.created && !result.refused) toast(gettext("已是最新"), "success");
  return result;
}

function showLogin(needed) {
  if (needed) banner(el("span", {}, gettext("登录已过期，请登录后同步"), " ", loginLink()), "warning");
  else banner(null);
}

function showWiped(reason, restart) {
  if (restart) {
    // Another user signed in: start again for them, saying what happened.
    app.data = null;
    store.reopen();
    sync.reset();
    banner(reason, "info");
    start();
    return;
  }
  app.halted = true;
  app.data = null;
  body.dataset.xfState = "wiped";
  banner(null);
  drawHeader();
  drawNav();
  clear(main).append(
    el(
      "div",
      { class: "alert alert-danger m-3", role: "alert", "data-xf-wiped": "" },
      el("h1", { class: "h5" }, gettext("本机离线数据已清除")),
      el("p", { class: "mb-2" }, fmt(gettext("原因：%(reason)s"), { reason })),
      el("p", { class: "mb-0 small" }, gettext("如需继续使用，请联网后重新登录。")),
    ),
    el("div", { class: "px-3" }, el("a", { href: body.dataset.loginUrl, class: "btn btn-outline-danger" }, gettext("重新登录"))),
  );
}

function showLocked({ owner, count, current }) {
  app.halted = true;
  app.data = null;
  body.dataset.xfState = "locked";
  drawHeader();
  drawNav();
  const token = (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";
  clear(main).append(
    el(
      "div",
      { class: "alert alert-warning m-3", role: "alert", "data-xf-locked": "" },
      el("h1", { class: "h5" }, fmt(gettext("本机的离线记录属于 %(owner)s"), { owner })),
      el(
        "p",
        { class: "mb-0" },
        fmt(gettext("本机有 %(count)s 条 %(owner)s 记录的数据尚未同步，须由其本人登录后同步。当前登录的是 %(current)s，本机数据不向其显示。"), {
          count,
          owner,
          current,
        }),
      ),
    ),
    // Sign out without the logout's wipe (keep_offline), so that the owner can sign in and sync.
    el(
      "form",
      { method: "post", action: "/accounts/logout/", class: "px-3" },
      el("input", { type: "hidden", name: "csrfmiddlewaretoken", value: decodeURIComponent(token) }),
      el("input", { type: "hidden", name: "keep_offline", value: "1" }),
      el("input", { type: "hidden", name: "next", value: body.dataset.loginUrl }),
      el("button", { type: "submit", class: "btn btn-primary" }, fmt(gettext("退出 %(current)s，换 %(owner)s 登录"), { current, owner })),
    ),
  );
}

sync.events.addEventListener("syncing", (event) => {
  body.dataset.xfSync = event.detail.running ? "running" : "idle";
  drawHeader();
});
sync.events.addEventListener("outbox", async () => {
  await refreshCounts();
  if (app.route === "outbox") rerender();
});
sync.events.addEventListener("snapshot", async (event) => {
  const first = !app.data;
  app.data = event.detail.data;
  await refreshCounts();
  if (first) body.dataset.xfState = "ready";
  body.dataset.xfSnapshot = "stored";
  if (first || app.route !== "outbox") rerender();
});
sync.events.addEventListener("login", (event) => {
  // With data on the phone a banner says the session ended; without, the page itself asks.
  showLogin(event.detail.needed && Boolean(app.data));
  if (!app.data) rerender();
});
sync.events.addEventListener("message", (event) => {
  toast(event.detail.text, event.detail.kind);
  if (!app.data && !app.halted) rerender();
});
sync.events.addEventListener("wiped", (event) => showWiped(event.detail.reason, event.detail.restart));
sync.events.addEventListener("locked", (event) => showLocked(event.detail));

// ---- start ---------------------------------------------------------------------------------

function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker
    .register(body.dataset.swUrl, { scope: body.dataset.scope })
    .catch((error) => console.warn("service worker", error));
}

let started = false;

async function start() {
  await sync.idle(); // a restart after a wipe waits for the round that wiped to end
  app.halted = false;
  registerServiceWorker();
  drawHeader();
  drawNav();
  if (await sync.checkLapse()) return;
  // Online: before anything stored is shown, ask whether this device may keep its data (a
  // revoked phone wipes first) and who is signed in (another user must not see the previous
  // user's data). Without a network, or a session, the stored data is used.
  if (navigator.onLine) {
    const status = await sync.checkStatus().catch(() => "offline");
    if (status === "wiped") return;
    if (status !== "offline") {
      const registered = await sync.register().catch(() => "offline");
      if (registered === "wiped" || registered === "locked") return;
    }
  }
  if (await store.hasKey()) {
    app.data = await store.loadSnapshot().catch(() => null);
    if (app.data) body.dataset.xfSnapshot = "stored";
  }
  await refreshCounts();
  body.dataset.xfState = app.data ? "ready" : "nodata";
  await render();
  if (navigator.onLine) sync.syncNow().then((result) => result?.created && report(result), () => null);
  if (started) return;
  started = true;
  window.addEventListener("hashchange", render);
  main.addEventListener("input", () => (app.dirty = true));
  window.addEventListener("online", () => {
    drawHeader();
    sync.syncNow({ status: true }).then(report, () => null);
  });
  window.addEventListener("offline", drawHeader);
  // The automatic wipe after max_offline_days is checked every minute; a stuck outbox is
  // retried every five.
  let ticks = 0;
  setInterval(async () => {
    if (app.halted) return;
    if (await sync.checkLapse()) return;
    ticks += 1;
    if (ticks % 5 === 0 && navigator.onLine && app.pending && !sync.state.syncing) sync.syncNow().then(report, () => null);
  }, 60 * 1000);
}

start();

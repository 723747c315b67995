// Talking to the server (contract A): status without a session, register, snapshot, outbox
// sync, and the wipe when the server (or the calendar) says so. Everything the page shows about
// it goes out as events on `events` (app.js listens).

import * as store from "./store.js";
import { choiceDialog, fmt, gettext } from "./ui.js";

const API = document.body.dataset.api || "/api/offline/";
const SCOPE = document.body.dataset.scope || "/m/";
const BATCH = 50; // settings.OFFLINE_SYNC_BATCH
const CLOCK_TOLERANCE = 5 * 60; // seconds of skew before the phone is told its clock is wrong
const DAY_MS = 24 * 3600 * 1000;

export const events = new EventTarget();
export const state = { syncing: false, needLogin: false, lockedFor: null, message: "" };

function emit(name, detail = {}) {
  events.dispatchEvent(new CustomEvent(name, { detail }));
}

class Offline extends Error {}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// fetch with the session cookie, the CSRF token, the device header, no HTTP caching (the
// answers carry personal data) and a time limit; a network failure throws Offline.
async function api(method, path, { body, device, timeout = 30000 } = {}) {
  if (method !== "GET" && !csrfToken()) {
    // The precached shell sets no cookie: an unsafe request without the CSRF cookie (cleared
    // with the other cookies) first fetches it from the server's shell (not the precache: the
    // query string keeps it out of the service worker's routes).
    await fetch(`${SCOPE}?csrf=1`, { credentials: "same-origin", cache: "no-store" }).catch(() => null);
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  const headers = { Accept: "application/json", "X-CSRFToken": csrfToken() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (device) headers["X-Xianfeng-Device"] = device;
  let response;
  try {
    response = await fetch(API + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      signal: controller.signal,
    });
  } catch (error) {
    throw new Offline(String(error));
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  if ((response.headers.get("content-type") || "").includes("json")) data = await response.json().catch(() => null);
  return { status: response.status, data: data || {} };
}

function randomSecret() {
  // 32 random bytes as base64url without padding: 43 characters.
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const SYSTEMS = [[/Android/, "Android"], [/iPhone|iPad/, "iOS"], [/Windows/, "Windows"], [/Mac OS/, "macOS"]];
const BROWSERS = [[/MicroMessenger/, "微信"], [/Edg\//, "Edge"], [/Firefox\//, "Firefox"], [/Chrome\//, "Chrome"], [/Safari\//, "Safari"]];

// "Android · Chrome": what the device list shows beside the user (no model, no serial).
function deviceLabel() {
  const ua = navigator.userAgent;
  const system = (SYSTEMS.find(([pattern]) => pattern.test(ua)) || [null, "Linux"])[1];
  const browser = (BROWSERS.find(([pattern]) => pattern.test(ua)) || [null, ""])[1];
  return `${system} · ${browser}`.slice(0, 100);
}

function needLogin(value) {
  if (state.needLogin !== value) {
    state.needLogin = value;
    emit("login", { needed: value });
  }
}

// ---- wipe ------------------------------------------------------------------------------

let wipeStarted = null;
const channel = "BroadcastChannel" in window ? new BroadcastChannel("xianfeng-offline") : null;

// Wipe everything on the phone, tell the server (so the device list shows 已清除) and every
// other open tab, and show why. restart: start afresh afterwards (another user signed in).
export function wipe(reason, { restart = false, tellServer = true } = {}) {
  if (wipeStarted) return wipeStarted;
  wipeStarted = (async () => {
    const ids = await store.meta().catch(() => ({}));
    await store.wipeAll();
    if (tellServer && ids.client_id && ids.secret) {
      await api("POST", "wiped/", { body: { client_id: ids.client_id, secret: ids.secret }, timeout: 10000 }).catch(
        () => null,
      );
    }
    channel?.postMessage({ wiped: reason });
    emit("wiped", { reason, restart });
  })();
  return wipeStarted;
}

// Start afresh after a wipe (another user signed in).
export function reset() {
  wipeStarted = null;
  state.lockedFor = null;
}

channel?.addEventListener("message", (event) => {
  if (event.data?.wiped && !wipeStarted) {
    wipeStarted = store.wipeAll().then(() => emit("wiped", { reason: event.data.wiped, restart: false }));
  }
});

// More than max_offline_days since the last contact: wipe (checked at start and every minute).
export async function checkLapse() {
  const info = await store.meta().catch(() => null);
  if (!info?.last_contact_phone) return false;
  const days = info.max_offline_days || 7;
  if (Date.now() - Date.parse(info.last_contact_phone) > days * DAY_MS) {
    await wipe(fmt(gettext("超过 %(days)s 天未联网，按规定自动清除"), { days }));
    return true;
  }
  return false;
}

export async function daysLeft() {
  const info = await store.meta().catch(() => null);
  if (!info?.last_contact_phone) return null;
  const days = info.max_offline_days || 7;
  return Math.max(0, Math.ceil(days - (Date.now() - Date.parse(info.last_contact_phone)) / DAY_MS));
}

// ---- status and register ----------------------------------------------------------------

// POST status/ (no session needed): a revoked or lapsed device wipes here, even when its
// session expired long ago. Returns "none" (never registered), the server's state, or "offline".
export async function checkStatus() {
  const info = await store.meta();
  if (!info.client_id) return "none";
  const pending = await store.countEntries();
  const { status, data } = await api("POST", "status/", {
    body: { client_id: info.client_id, secret: info.secret, pending },
    timeout: 10000,
  });
  if (status !== 200) return "error";
  if (data.wipe) {
    await wipe(data.message || gettext("服务器要求清除本机数据"));
    return "wiped";
  }
  if (data.state === "active") await store.noteContact(data.server_time);
  return data.state;
}

// POST devices/register/: the key for this device, released to the signed-in session.
// Returns "ok", "login", "wiped", "locked" or "error".
export async function register() {
  let info = await store.meta();
  if (!info.client_id) {
    await store.setDevice(crypto.randomUUID(), randomSecret());
    info = await store.meta();
  }
  const { status, data } = await api("POST", "devices/register/", {
    body: { client_id: info.client_id, secret: info.secret, label: deviceLabel() },
    timeout: 15000,
  });
  if (status === 401) {
    needLogin(true);
    return "login";
  }
  if (status === 410) {
    await wipe(data.detail || gettext("此设备已失效"));
    return "wiped";
  }
  if (status !== 200 && status !== 201) {
    // e.g. 403 for a user who may not use the offline app, 422 for a secret that no longer fits
    state.message = data.detail || fmt(gettext("登记设备失败（%(status)s）"), { status });
    emit("message", { text: state.message, kind: "danger" });
    return "error";
  }
  state.message = "";
  needLogin(false);
  if (info.user_id && info.user_id !== data.user.id) return otherUser(info, data.user);
  if (!info.has_key) await store.setKey(await store.importKey(data.key));
  await store.setUser(data.user);
  await store.noteContact(data.server_time, data.max_offline_days);
  return "ok";
}

// Someone else signed in on this phone. An empty outbox: wipe the previous user's data and start
// afresh. Entries waiting: only their owner can sync them, so ask (keep them for the owner and
// show nothing, or wipe them).
async function otherUser(info, newUser) {
  const owner = info.user?.username || info.user?.name || gettext("上一位用户");
  const count = await store.countEntries();
  const reason = fmt(gettext("%(new)s 在本机登录，已清除上一位用户（%(owner)s）的离线数据"), { new: newUser.username, owner });
  if (count === 0) {
    await wipe(reason, { restart: true });
    return "wiped";
  }
  const answer = await choiceDialog(
    fmt(
      gettext("本机有 %(count)s 条由 %(owner)s 记录、尚未同步的离线记录。只有 %(owner)s 本人登录后才能同步它们；清除则永久丢失。"),
      { count, owner },
    ),
    [
      { label: gettext("清除这些记录"), value: "wipe", kind: "outline-danger" },
      { label: fmt(gettext("保留，等 %(owner)s 登录后同步"), { owner }), value: "keep", kind: "primary" },
    ],
    { title: gettext("另一用户已登录") },
  );
  if (answer === "wipe") {
    await wipe(reason, { restart: true });
    return "wiped";
  }
  state.lockedFor = { owner, count, current: newUser.username };
  emit("locked", state.lockedFor);
  return "locked";
}

// ---- snapshot ------------------------------------------------------------------------------

export async function refreshSnapshot() {
  const info = await store.meta();
  const { status, data } = await api("GET", "snapshot/", { device: info.client_id, timeout: 60000 });
  if (status === 401) {
    needLogin(true);
    return "login";
  }
  if (status === 410) {
    await wipe(data.detail || gettext("此设备已失效"));
    return "wiped";
  }
  if (status !== 200) {
    emit("message", { text: data.detail || fmt(gettext("下载数据失败（%(status)s）"), { status }), kind: "danger" });
    return "error";
  }
  await store.saveSnapshot(data);
  await store.noteContact(data.server_time, data.max_offline_days);
  await store.setMeta("last_sync", new Date().toISOString());
  emit("snapshot", { data });
  return "ok";
}

// ---- outbox --------------------------------------------------------------------------------

function clockMessage(skew) {
  const seconds = Math.abs(skew);
  const amount =
    seconds >= 20 * 3600
      ? fmt(gettext("%(n)s 天"), { n: Math.round(seconds / 86400) })
      : seconds >= 3600
        ? fmt(gettext("%(n)s 小时"), { n: Math.round(seconds / 3600) })
        : fmt(gettext("%(n)s 分钟"), { n: Math.round(seconds / 60) });
  return fmt(gettext("手机时间与服务器相差约 %(amount)s，已按服务器时间校正"), { amount });
}

function wire(entry) {
  return {
    client_id: entry.client_id,
    kind: entry.kind,
    user_id: entry.user_id,
    made_at: entry.made_at,
    date_defaulted: Boolean(entry.date_defaulted),
    payload: entry.payload,
  };
}

async function sendOutbox() {
  const info = await store.meta();
  if (!info.client_id || !info.has_key) return { status: "unregistered" };
  const entries = (await store.listEntries()).filter((entry) => entry.status === "pending");
  let created = 0;
  let refused = 0;
  for (let start = 0; start < entries.length; start += BATCH) {
    const batch = entries.slice(start, start + BATCH);
    const pending = await store.countEntries();
    let answer;
    try {
      answer = await api("POST", "sync/", {
        body: { sent_at: new Date().toISOString(), pending, entries: batch.map(wire) },
        device: info.client_id,
        timeout: 120000,
      });
    } catch (error) {
      if (!(error instanceof Offline)) throw error;
      return { status: "offline", created, refused }; // entries stay pending: tried again later
    }
    const { status, data } = answer;
    if (status === 401) {
      needLogin(true);
      return { status: "login", created, refused };
    }
    if (status === 410) {
      await wipe(data.detail || gettext("此设备已失效"));
      return { status: "wiped", created, refused };
    }
    if (status !== 200) {
      const text = data.detail || fmt(gettext("同步失败（%(status)s）"), { status });
      emit("message", { text, kind: "danger" });
      return { status: "error", created, refused, message: text };
    }
    await store.noteContact(data.server_time);
    if (Math.abs(data.clock_skew_seconds || 0) > CLOCK_TOLERANCE) {
      emit("message", { text: clockMessage(data.clock_skew_seconds), kind: "warning" });
    }
    for (const result of data.results || []) {
      if (result.status === "created" || result.status === "duplicate") {
        await store.removeEntry(result.client_id);
        created += 1;
      } else {
        await store.markRefused(result.client_id, result.message, result.errors);
        refused += 1;
      }
    }
    emit("outbox");
  }
  return { status: "ok", created, refused };
}

let running = null;

function setSyncing(value) {
  state.syncing = value;
  emit("syncing", { running: value });
}

// One sync at a time per tab (a second call joins the first) and per browser
// (navigator.locks: two tabs never send the same outbox at once; the server also refuses
// doubles). Sends the outbox, then refreshes the snapshot so the worklist follows.
export function syncNow({ includeRefused = false, status = false } = {}) {
  if (running) return running;
  const work = async () => {
    if (includeRefused) await store.retryRefused();
    if (status) {
      const answer = await checkStatus();
      if (answer === "wiped") return { status: "wiped" };
    }
    const registered = await register();
    if (registered !== "ok") return { status: registered };
    const result = await sendOutbox();
    if (result.status === "ok" || result.status === "unregistered") {
      const refreshed = await refreshSnapshot();
      if (refreshed !== "ok") return { ...result, status: refreshed };
    }
    return result;
  };
  running = (async () => {
    setSyncing(true);
    try {
      if (!navigator.onLine) return { status: "offline" };
      return navigator.locks ? await navigator.locks.request("xianfeng-sync", work) : await work();
    } catch (error) {
      if (error instanceof Offline) return { status: "offline" };
      if (store.isWiped()) return { status: "wiped" };
      throw error;
    } finally {
      running = null;
      setSyncing(false);
      emit("outbox");
    }
  })();
  return running;
}

// Resolves when no sync is running in this tab.
export function idle() {
  return running ? running.then(() => null, () => null) : Promise.resolve(null);
}

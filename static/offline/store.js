// The phone's local store (issue 14): one IndexedDB database through the vendored idb (global
// `idb`), with three stores:
//   meta      device id and secret, the AES-GCM key (a CryptoKey imported non-extractable from
//             the key the server releases to the signed-in session), the user (encrypted), the
//             offline limit, last contact and last sync times, the outbox sequence;
//   snapshot  the server's snapshot (contract B), encrypted;
//   outbox    one row per entry waiting to be synced, keyPath client_id; only client_id, seq,
//             kind, made_at and status are plain, the payload, summary, message and errors are
//             encrypted, each write with a fresh 12-byte IV.
// Nothing personal is kept in plain text on the phone: not here, not in localStorage (only the
// outbox count, for the logout warning), not in the service worker's caches.

const DB_NAME = "xianfeng-offline";
const DB_VERSION = 1;
export const PENDING_KEY = "xf-offline-pending";

let dbPromise = null;
let wiped = false;

function db() {
  if (wiped) return Promise.reject(new Error("wiped"));
  if (!dbPromise) {
    dbPromise = window.idb.openDB(DB_NAME, DB_VERSION, {
      upgrade(database) {
        database.createObjectStore("meta");
        database.createObjectStore("snapshot");
        database.createObjectStore("outbox", { keyPath: "client_id" }).createIndex("seq", "seq");
      },
      // Another tab deletes the database (a wipe): let it, and do not reopen it.
      blocking() {
        dbPromise?.then((database) => database.close());
        dbPromise = null;
      },
      terminated() {
        dbPromise = null;
      },
    });
  }
  return dbPromise;
}

export function isWiped() {
  return wiped;
}

// After a wipe for another user: a fresh (empty) database may be made for them.
export function reopen() {
  wiped = false;
}

// ---- encryption -----------------------------------------------------------------------

let cryptoKey = null;

function base64ToBytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// The server's key, imported so that it can encrypt and decrypt but never be read back.
export async function importKey(base64) {
  return crypto.subtle.importKey("raw", base64ToBytes(base64), { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
}

async function key() {
  if (!cryptoKey) cryptoKey = (await (await db()).get("meta", "key")) || null;
  if (!cryptoKey) throw new Error("no key: the device is not registered yet");
  return cryptoKey;
}

export async function hasKey() {
  try {
    await key();
    return true;
  } catch {
    return false;
  }
}

async function encrypt(value) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = new TextEncoder().encode(JSON.stringify(value));
  const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await key(), plain);
  return { iv, data };
}

async function decrypt(box) {
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: box.iv }, await key(), box.data);
  return JSON.parse(new TextDecoder().decode(plain));
}

// ---- meta ------------------------------------------------------------------------------

export async function getMeta(name) {
  return (await db()).get("meta", name);
}

export async function setMeta(name, value) {
  return (await db()).put("meta", value, name);
}

// Everything in meta except the key, as a plain object (the user decrypted).
export async function meta() {
  const database = await db();
  const tx = database.transaction("meta");
  const [keys, values] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll()]);
  const out = {};
  keys.forEach((name, i) => {
    if (name !== "key" && name !== "user") out[name] = values[i];
  });
  out.has_key = keys.includes("key");
  const userBox = values[keys.indexOf("user")];
  out.user = userBox && out.has_key ? await decrypt(userBox).catch(() => null) : null;
  return out;
}

export async function setDevice(clientId, secret) {
  const tx = (await db()).transaction("meta", "readwrite");
  await Promise.all([tx.store.put(clientId, "client_id"), tx.store.put(secret, "secret"), tx.done]);
}

// Keep the key the first time the server releases it (the same device always gets the same key).
export async function setKey(cryptoKeyValue) {
  await setMeta("key", cryptoKeyValue);
  cryptoKey = cryptoKeyValue;
}

export async function setUser(user) {
  const tx = (await db()).transaction("meta", "readwrite");
  // The id stays readable (to notice another user signing in); name and username are encrypted.
  const box = await encrypt({ id: user.id, username: user.username, name: user.name });
  await Promise.all([tx.store.put(user.id, "user_id"), tx.store.put(box, "user"), tx.done]);
}

// A contact with the server: its clock and the phone's, for the automatic wipe after
// max_offline_days without contact.
export async function noteContact(serverTime, maxOfflineDays) {
  const tx = (await db()).transaction("meta", "readwrite");
  const writes = [tx.store.put(new Date().toISOString(), "last_contact_phone")];
  if (serverTime) writes.push(tx.store.put(serverTime, "last_contact_server"));
  if (maxOfflineDays) writes.push(tx.store.put(maxOfflineDays, "max_offline_days"));
  await Promise.all([...writes, tx.done]);
}

// ---- snapshot --------------------------------------------------------------------------

export async function saveSnapshot(data) {
  const box = await encrypt(data);
  await (await db()).put("snapshot", { ...box, stored_at: new Date().toISOString() }, "current");
}

export async function loadSnapshot() {
  const row = await (await db()).get("snapshot", "current");
  if (!row) return null;
  return decrypt(row);
}

export async function hasSnapshot() {
  return Boolean(await (await db()).getKey("snapshot", "current"));
}

// ---- outbox ----------------------------------------------------------------------------

async function openRow(row) {
  const secret = await decrypt(row.box);
  return {
    client_id: row.client_id,
    seq: row.seq,
    kind: row.kind,
    made_at: row.made_at,
    status: row.status,
    payload: secret.payload,
    summary: secret.summary,
    date_defaulted: secret.date_defaulted,
    user_id: secret.user_id,
    message: secret.message || "",
    errors: secret.errors || {},
  };
}

async function sealRow(entry) {
  const box = await encrypt({
    payload: entry.payload,
    summary: entry.summary,
    date_defaulted: Boolean(entry.date_defaulted),
    user_id: entry.user_id,
    message: entry.message || "",
    errors: entry.errors || {},
  });
  return {
    client_id: entry.client_id,
    seq: entry.seq,
    kind: entry.kind,
    made_at: entry.made_at,
    status: entry.status,
    box,
  };
}

function remember(count) {
  try {
    if (count > 0) localStorage.setItem(PENDING_KEY, String(count));
    else localStorage.removeItem(PENDING_KEY);
  } catch {
    /* storage disabled: the logout warning is only a courtesy */
  }
}

export async function countEntries() {
  const count = await (await db()).count("outbox");
  remember(count);
  return count;
}

// Add an entry, or (clientId given, contract E) replace a refused one under the same id and
// place in the queue, back to "pending".
export async function putEntry({ kind, payload, summary, dateDefaulted, userId, clientId }) {
  const database = await db();
  let entry;
  const existing = clientId ? await database.get("outbox", clientId) : null;
  if (existing) {
    entry = { ...(await openRow(existing)), kind, payload, summary, date_defaulted: dateDefaulted, user_id: userId };
  } else {
    // One transaction for read-and-increment: two tabs never take the same place.
    const tx = database.transaction("meta", "readwrite");
    const seq = ((await tx.store.get("seq")) || 0) + 1;
    await Promise.all([tx.store.put(seq, "seq"), tx.done]);
    entry = {
      client_id: clientId || crypto.randomUUID(),
      seq,
      kind,
      made_at: new Date().toISOString(),
      payload,
      summary,
      date_defaulted: dateDefaulted,
      user_id: userId,
    };
  }
  entry.status = "pending";
  entry.message = "";
  entry.errors = {};
  await database.put("outbox", await sealRow(entry));
  await countEntries();
  return entry;
}

export async function listEntries() {
  const rows = await (await db()).getAllFromIndex("outbox", "seq");
  return Promise.all(rows.map(openRow));
}

export async function getEntry(clientId) {
  const row = await (await db()).get("outbox", clientId);
  return row ? openRow(row) : null;
}

export async function removeEntry(clientId) {
  await (await db()).delete("outbox", clientId);
  return countEntries();
}

export async function markRefused(clientId, message, errors) {
  const row = await (await db()).get("outbox", clientId);
  if (!row) return;
  const entry = await openRow(row);
  entry.status = "refused";
  entry.message = message || "";
  entry.errors = errors || {};
  await (await db()).put("outbox", await sealRow(entry));
}

// Put refused entries back in the queue ("全部同步": the reason may have gone, e.g. a grant
// given back).
export async function retryRefused() {
  const database = await db();
  const rows = await database.getAll("outbox");
  for (const row of rows.filter((r) => r.status === "refused")) {
    await database.put("outbox", { ...row, status: "pending" });
  }
}

// ---- wipe ------------------------------------------------------------------------------

function deleteDatabase() {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = request.onerror = () => resolve();
    // Another tab still holds it open: its blocking() closes it and onsuccess follows.
  });
}

// Delete the database, every Cache Storage cache, the localStorage key, and the service
// worker. After this the store refuses to reopen (nothing recreates an empty database).
export async function wipeAll() {
  wiped = true;
  cryptoKey = null;
  const database = dbPromise ? await dbPromise.catch(() => null) : null;
  database?.close();
  dbPromise = null;
  await deleteDatabase();
  try {
    localStorage.removeItem(PENDING_KEY);
  } catch {
    /* nothing stored */
  }
  if (window.caches) {
    for (const name of await caches.keys()) await caches.delete(name);
  }
  if (navigator.serviceWorker) {
    for (const registration of await navigator.serviceWorker.getRegistrations()) await registration.unregister();
  }
}

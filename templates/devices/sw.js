{% autoescape off %}/* 先锋外勤 service worker (templates/devices/sw.js, rendered by xianfeng/devices/views_app.py).
 * Version {{ version }}: a change to any precached file changes this script, and the browser
 * installs the new worker (skipWaiting + clientsClaim: it takes over at once).
 *
 * What it keeps: the app shell and its static files (precache, revisioned), and other /static/
 * files in a small bounded cache. What it never keeps: anything under /api/ or any other page;
 * they carry personal data, which lives only encrypted in IndexedDB (static/offline/store.js). */
importScripts("{{ workbox_sw }}");
workbox.setConfig({ modulePathPrefix: "{{ workbox_prefix }}", debug: false });
// Modules must be loaded while the script first runs (importScripts is refused later).
workbox.loadModule("workbox-core");
workbox.loadModule("workbox-precaching");
workbox.loadModule("workbox-routing");
workbox.loadModule("workbox-strategies");
workbox.loadModule("workbox-expiration");

const SHELL = "{{ shell_url }}";
const STATIC_PREFIX = "{{ static_prefix }}";

workbox.core.setCacheNameDetails({ prefix: "xianfeng" });
self.skipWaiting();
workbox.core.clientsClaim();
workbox.precaching.cleanupOutdatedCaches();

workbox.precaching.precacheAndRoute({{ entries_json }});

// Navigations to the app are answered by the precached shell, with or without a network: the
// shell is the same for everyone and its data comes from IndexedDB, so there is nothing to wait
// for (a NetworkFirst timeout would make every start in a weak-signal village slow, and would
// send requests while the phone believes it is offline). Updates arrive with a new sw.js.
workbox.routing.registerRoute(
  new workbox.routing.NavigationRoute(workbox.precaching.createHandlerBoundToURL(SHELL), {
    allowlist: [new RegExp("^" + SHELL + "(\\?.*)?$")],
  }),
);

// Other static files (an image a page module refers to, say) are kept after their first
// use, in a bounded cache. Only same-origin GETs under /static/, only 200 answers (the
// strategy's default), never /api/ and never a page.
workbox.routing.registerRoute(
  ({ url, request }) =>
    url.origin === self.location.origin &&
    request.method === "GET" &&
    request.mode !== "navigate" &&
    url.pathname.startsWith(STATIC_PREFIX),
  new workbox.strategies.CacheFirst({
    cacheName: "xianfeng-static",
    plugins: [
      new workbox.expiration.ExpirationPlugin({
        maxEntries: 60,
        maxAgeSeconds: 7 * 24 * 3600,
        purgeOnQuotaError: true,
      }),
    ],
  }),
);
{% endautoescape %}

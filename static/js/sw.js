/* The ODS platform's service worker (loaded by /sw.js, which sets self.ODS_OFFLINE).
 *
 * With Workbox 7 (vendored, loaded from the platform's own static files, never a CDN):
 * - the observation form and the outbox page: from the network, and a copy kept for when
 *   there is none (the copy is marked, so the page knows it is not fresh);
 * - the static files: from the cache at once, refreshed in the background;
 * - everything else (other pages, the API, posts): the network only; nothing else is kept.
 * The copy of the form holds the user's scenes, sub-places and categories; it is deleted when
 * the user logs out (outbox.js) and replaced when another user opens the form.
 */
/* global workbox */
(function () {
  "use strict";

  var config = self.ODS_OFFLINE;
  var PAGES = "ods-pages-v1";
  var STATIC = "ods-static-v1";

  workbox.setConfig({
    debug: false,
    modulePathCb: function (name) { return config.modules[name]; },
  });
  workbox.core.setCacheNameDetails({ prefix: "ods" });

  function pageKey(url) {
    /* One copy per page, whatever the query (?scene=12 is the same form). */
    var u = new URL(url, self.location.origin);
    return u.origin + u.pathname;
  }

  var markCopy = {
    /* Keep only a complete page of the user's own (not a log-in page reached by a redirect),
     * marked as a copy and without the headers that would stop a later match. */
    cacheKeyWillBeUsed: function (args) { return pageKey(args.request.url); },
    cacheWillUpdate: async function (args) {
      var response = args.response;
      if (!response || response.status !== 200 || response.redirected) { return null; }
      if (config.pages.indexOf(new URL(response.url).pathname) === -1) { return null; }
      var text = await response.text();
      text = text.replace("<html ", '<html data-ods-offline-copy="1" ');
      var headers = new Headers(response.headers);
      headers.delete("Vary");
      headers.delete("Cache-Control");
      headers.set("X-ODS-Copied-At", new Date().toISOString());
      return new Response(text, { status: 200, headers: headers });
    },
  };

  var pages = new workbox.strategies.NetworkFirst({
    cacheName: PAGES,
    networkTimeoutSeconds: 8,
    plugins: [markCopy],
    matchOptions: { ignoreVary: true, ignoreSearch: true },
  });

  workbox.routing.registerRoute(function (args) {
    return args.request.mode === "navigate" && args.request.method === "GET" &&
      config.pages.indexOf(args.url.pathname) !== -1;
  }, pages);

  workbox.routing.registerRoute(function (args) {
    return args.request.method === "GET" && args.url.origin === self.location.origin &&
      args.url.pathname.indexOf(config.static) === 0;
  }, new workbox.strategies.StaleWhileRevalidate({ cacheName: STATIC }));

  async function keepCopy(url, user) {
    /* Fetch a page for the cache (without taking the user's pending messages) unless the
     * copy kept is already this user's. */
    var cache = await caches.open(PAGES);
    var kept = await cache.match(pageKey(url), { ignoreVary: true, ignoreSearch: true });
    if (kept && (!user || kept.headers.get("X-ODS-User") === String(user) ||
                 !kept.headers.get("X-ODS-User"))) {
      return "kept";
    }
    var request = new Request(url, {
      credentials: "same-origin",
      headers: { "X-ODS-Offline-Copy": "1" },
    });
    try {
      var response = await fetch(request);
      var copy = await markCopy.cacheWillUpdate({ response: response });
      if (!copy) { return "refused " + response.status + " " + response.url; }
      await cache.put(pageKey(url), copy);
      return "copied";
    } catch (e) {
      return "failed " + e; /* no network now: the next visit keeps a copy */
    }
  }

  self.addEventListener("install", function (event) {
    /* One missing file must not stop the worker: each is kept on its own. */
    event.waitUntil(caches.open(STATIC).then(function (cache) {
      return Promise.all(config.assets.map(function (url) {
        return cache.add(url).catch(function () { return null; });
      }));
    }).then(function () { return self.skipWaiting(); }));
  });

  self.addEventListener("activate", function (event) {
    event.waitUntil(self.clients.claim());
  });

  self.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type === "keep-copies") {
      event.waitUntil(Promise.all(config.pages.map(function (url) {
        return keepCopy(url, data.user);
      })).then(function (results) {
        if (event.ports && event.ports[0]) { event.ports[0].postMessage({ done: true, pages: results }); }
      }));
    }
    if (data.type === "forget-copies") {
      event.waitUntil(caches.delete(PAGES).then(function () {
        if (event.ports && event.ports[0]) { event.ports[0].postMessage({ done: true }); }
      }));
    }
  });
})();

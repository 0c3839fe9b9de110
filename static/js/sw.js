// CityOps service worker: the phone pages open without signal (the last copy of each, kept
// when it was last loaded), static files come from the cache and are refreshed behind it. Writes never pass here:
// a report made offline waits in the page's outbox (offline-queue.js) until the signal returns.
"use strict";
var CACHE = "cityops-v1";
// Pages kept for offline use (network first, the kept copy when there is no network): the
// phone work pages; not the leader tab (its numbers would be stale and are not for others).
var PAGES = ["/intake/m/report/", "/cases/m/tasks/", "/cases/m/inspect/", "/api/v1/grids/geojson"];

self.addEventListener("install", function (event) { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function kept(path) {
  return PAGES.some(function (p) { return path === p || path.replace(/^\/(en|zh-hans)\//, "/") === p; });
}

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") { return; }
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    // The kept copy at once, refreshed from the network behind it: a new release reaches the
    // phone on the next load (static names carry no hash).
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(req).then(function (hit) {
        var fresh = fetch(req).then(function (resp) { if (resp.ok) { cache.put(req, resp.clone()); } return resp; });
        if (hit) { fresh.catch(function () {}); return hit; }
        return fresh;
      });
    }));
    return;
  }
  if (kept(url.pathname)) {
    event.respondWith(fetch(req).then(function (resp) {
      if (resp.ok && !resp.redirected) { var copy = resp.clone(); caches.open(CACHE).then(function (c) { c.put(req, copy); }); }
      return resp;
    }).catch(function () {
      return caches.match(req).then(function (hit) { return hit || Response.error(); });
    }));
  }
});

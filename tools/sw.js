// The app's service worker: after a first visit the page loads, and trains, without a network.
//
// VERSION and FILES (path from this script's folder, Subresource Integrity hash) are prepended by
// tools/offline.py. One cache per version, filled whole at install (each file checked against its
// hash, so a deploy changing under our feet fails the install instead of mixing versions); the
// previous versions' caches are deleted on activate. A new version waits until no page uses the
// old one (the next visit after every tab of the app is closed): a running page never gets files
// of two versions. Requests for listed files are answered from the cache, everything else goes to
// the network as usual.
"use strict";

const SCOPE = new URL("./", self.location.href).href; // the folder this script is served from
// Several apps can share one origin (GitHub Pages project sites): only this folder's caches.
const PREFIX = `nn ${SCOPE} `;
const CACHE = PREFIX + VERSION;
const URLS = new Set(FILES.map(([path]) => new URL(path, SCOPE).href));
const INDEX = new URL("index.html", SCOPE).href;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        await Promise.all(
          FILES.map(async ([path, integrity]) => {
            const url = new URL(path, SCOPE).href;
            // What the page has just loaded is in the HTTP cache: take it from there if its hash
            // is right; otherwise (absent, or another version's file) from the network.
            let response = await fetch(url, { integrity, cache: "force-cache" }).catch(() => null);
            if (!response || !response.ok) {
              response = await fetch(url, { integrity, cache: "reload" });
            }
            if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
            await cache.put(url, response);
          }),
        );
      } catch (error) {
        await caches.delete(CACHE); // never leave a half-filled cache behind
        throw error;
      }
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

function cacheKey(request) {
  const url = new URL(request.url);
  url.hash = "";
  url.search = ""; // the app's links carry their state after "#"; a "?" is never a new file
  if (request.mode === "navigate" && url.href === SCOPE) return INDEX;
  return URLS.has(url.href) ? url.href : null;
}

self.addEventListener("fetch", (event) => {
  if (event.request.method !== "GET") return;
  const key = cacheKey(event.request);
  if (key === null) return;
  event.respondWith(
    (async () => {
      const hit = await caches.match(key, { cacheName: CACHE });
      return hit || fetch(event.request); // evicted by the browser: fall back to the network
    })(),
  );
});

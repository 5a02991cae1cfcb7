// The app's service worker: after a first visit the page loads, and trains, without a network.
//
// VERSION and FILES (path from this script's folder, Subresource Integrity hash) are prepended by
// tools/offline.py. One cache per version, filled whole at install (each file checked against its
// hash, so a deploy changing under our feet fails the install instead of mixing versions); the
// previous versions' caches are deleted on activate. A new version waits until no page uses the
// old one (the next visit after every tab of the app is closed): a running page never gets files
// of two versions. Requests for listed files are answered from the cache, everything else goes to
// the network as usual.
//
// A listed file missing from the cache (deleted, or evicted) is never answered with another
// version's bytes: it is fetched and its SHA-256 checked against the list before it is used (and
// put back). When the server has moved on to another version (other bytes, or no such file),
// this version cannot be completed: the worker deletes its cache and unregisters, so the next
// load comes whole from the network (and registers the new version). Meanwhile a file that
// cannot be had in this version fails like a network error, and a navigation is redirected to
// itself, which the unregistered worker no longer answers. Offline, a missing file fails.
"use strict";

const SCOPE = new URL("./", self.location.href).href; // the folder this script is served from
// Several apps can share one origin (GitHub Pages project sites): only this folder's caches.
const PREFIX = `nn ${SCOPE} `;
const CACHE = PREFIX + VERSION;
const HASHES = new Map(FILES.map(([path, integrity]) => [new URL(path, SCOPE).href, integrity]));
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
  return HASHES.has(url.href) ? url.href : null;
}

self.addEventListener("fetch", (event) => {
  if (event.request.method !== "GET") return;
  const key = cacheKey(event.request);
  if (key === null) return;
  event.respondWith(answer(event.request, key));
});

async function answer(request, key) {
  const hit = await caches.match(key, { cacheName: CACHE });
  if (hit) return hit;
  const fetched = await verified(key);
  if (fetched.response) {
    // Back into this version's cache, unless the version was retired meanwhile.
    if (await caches.has(CACHE)) await (await caches.open(CACHE)).put(key, fetched.response.clone());
    return fetched.response;
  }
  if (fetched.moved) await retire();
  // A navigation starts again from the network; any other request fails as if offline.
  return request.mode === "navigate" && fetched.moved
    ? Response.redirect(request.url, 307)
    : Response.error();
}

// This version's bytes of `key` from the network: {response} when its SHA-256 is the listed one;
// {moved: true} when the server has other bytes or no such file; {} when it cannot be reached.
async function verified(key) {
  let response;
  try {
    response = await fetch(key, { cache: "no-cache" });
  } catch {
    return {};
  }
  if (response.status === 404 || response.status === 410) return { moved: true };
  if (!response.ok) return {};
  const body = await response.arrayBuffer();
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
  if (`sha256-${btoa(String.fromCharCode(...digest))}` !== HASHES.get(key)) return { moved: true };
  const { status, statusText, headers } = response;
  return { response: new Response(body, { status, statusText, headers }) };
}

// This version can no longer be completed: forget it, so that the next load is the server's.
async function retire() {
  await caches.delete(CACHE);
  await self.registration.unregister();
}

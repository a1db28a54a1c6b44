/* Patrol's service worker (the server puts PATROL_SHELL above: the shell's version and files).

   - The app shell (the offline page and the static files the pages this person can open
     load) is kept under a cache named after a hash of its contents; a release with any change,
     or a sign-in as someone else, installs a new one. The new worker waits to take over until
     no Patrol page is open (a worker replaced while a page was loading has been seen to leave
     that page loading for ever); meanwhile the one in charge answers from every kept shell,
     the newest included, and the old shells are deleted when the new one takes over. The
     files are named by their contents' hash, the same URLs the pages load, so the precache
     is answered by the browser's HTTP cache where a page has loaded the file already:
     nothing is fetched twice.
   - Pages: the network first, then the copy kept on the phone, then the offline page. Pages
     are kept as they are visited (never one marked no-store), and by "Take today's round
     offline" on Today.
   - Nothing but GET is ever answered from a cache. A form sent while the network fails is
     kept in the outbox (IndexedDB) instead of being lost, and sent later.
   - Signing out forgets the pages kept for that person; the outbox is never deleted here. */
"use strict";

importScripts(PATROL_SHELL.store, PATROL_SHELL.outbox);

var SHELL_CACHE = "patrol-shell-" + PATROL_SHELL.version;
var SHELL_PREFIX = "patrol-shell-";
var PAGES_CACHE = PatrolOutbox.PAGES_CACHE;
var STATIC_PREFIX = "/static/";
var NETWORK_PATIENCE_MS = 8000;
// The hash app/static_files.py puts in a static file's name: patrol.<12 hex digits>.css.
var CONTENT_HASH = /\.[0-9a-f]{12}(\.[^.\/]+)$/;

function plainName(path) { return path.replace(CONTENT_HASH, "$1"); }

// A file by its plain name -> this release's hashed URL, for a page that names another
// (kept on the phone from before a release, or written by hand).
var THIS_RELEASE = {};
PATROL_SHELL.urls.forEach(function (url) { THIS_RELEASE[plainName(url)] = url; });

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL_CACHE).then(function (cache) {
      return cache.addAll(PATROL_SHELL.urls.map(function (url) {
        // A hashed name never changes its contents: the HTTP cache may answer. The rest (the
        // offline page, the decoder's worker, which it imports by its plain name) are checked
        // with the server, so the new release's are kept.
        var fresh = CONTENT_HASH.test(url) ? "default" : "no-cache";
        return new Request(url, { cache: fresh, credentials: "same-origin" });
      }));
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf(SHELL_PREFIX) === 0 && name !== SHELL_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function keptPage(response) {
  var type = response.headers.get("Content-Type") || "";
  var control = response.headers.get("Cache-Control") || "";
  return response.status === 200 && response.type === "basic" && !response.redirected &&
    type.indexOf("text/html") === 0 && control.indexOf("no-store") < 0;
}

function keptCopy(request) {
  return caches.open(PAGES_CACHE).then(function (cache) {
    return cache.match(request.url, { ignoreVary: true });
  });
}

// Network first; but on a network that barely works (the far end of the playground), a kept
// copy is shown after a few seconds rather than a blank page. The network's answer, when it
// comes, still refreshes the kept copy. The page is shown as it arrives, while its copy is
// kept beside it: a copy that cannot be kept (a phone whose storage is full) never turns a
// page the network gave into the offline page.
function page(event) {
  var request = event.request;
  var network = fetch(request);
  event.waitUntil(network.then(function (response) {
    if (!keptPage(response)) return;
    var copy = response.clone();
    return caches.open(PAGES_CACHE).then(function (cache) {
      return cache.put(request.url, copy);
    });
  }).catch(function () {}));
  return new Promise(function (resolve) {
    var timer = setTimeout(function () {
      keptCopy(request).then(function (kept) { if (kept) resolve(kept); });
    }, NETWORK_PATIENCE_MS);
    network.then(function (response) {
      clearTimeout(timer);
      resolve(response);
    }, function () {
      clearTimeout(timer);
      keptCopy(request).then(function (kept) {
        resolve(kept || caches.match(PATROL_SHELL.offline, { ignoreVary: true }));
      });
    });
  });
}

// This worker's own shell first, then any other kept one: a worker waiting to take over has
// kept what a page of the newest release or of the person now signed in loads.
function shellFile(request) {
  return caches.open(SHELL_CACHE).then(function (cache) {
    return cache.match(request, { ignoreVary: true }).then(function (kept) {
      return kept || caches.match(request, { ignoreVary: true });
    }).then(function (kept) {
      return kept || fetch(request).catch(function (networkError) {
        var current = THIS_RELEASE[plainName(new URL(request.url).pathname)];
        var copy = current ? cache.match(current, { ignoreVary: true }) : Promise.resolve();
        return copy.then(function (found) {
          if (!found) throw networkError;
          return found;
        });
      });
    });
  });
}

// A form sent while the network fails: kept in the outbox, then the offline page says so.
function sendOrKeep(event) {
  var request = event.request;
  var copy = request.clone();
  return fetch(request).catch(function (networkError) {
    return copy.formData().then(function (data) {
      var item = PatrolOutbox.itemFrom(request.url, data);
      if (!item) throw networkError;
      return PatrolOutbox.keep(item);
    }).then(function () {
      PatrolOutbox.askForSync(self.registration);
      tellPages();
      return Response.redirect(PATROL_SHELL.offline + "?saved=1", 303);
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    if (url.pathname === "/logout") {
      // The next person on this phone must not see the last one's pages. Never the outbox.
      event.respondWith(caches.delete(PAGES_CACHE).then(function () { return fetch(request); }));
    } else if (request.mode === "navigate" && PatrolOutbox.isOutboxForm(url.pathname)) {
      event.respondWith(sendOrKeep(event));
    }
    return;  // anything else that changes data goes to the network, never to a cache
  }
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (url.pathname.indexOf(STATIC_PREFIX) === 0 || PATROL_SHELL.urls.indexOf(url.pathname) >= 0) {
    event.respondWith(shellFile(request));
  }
});

// Open pages show the outbox anew, and what was just sent from here as sent.
function tellPages(sent) {
  return self.clients.matchAll({ type: "window" }).then(function (pages) {
    pages.forEach(function (client) { client.postMessage({ outbox: "changed", sent: sent || [] }); });
  });
}

// Background Sync (Chromium only): a send when the network returns, even with no page open.
// Pages also send on load, on "online" and on "Send now", so nothing depends on it.
self.addEventListener("sync", function (event) {
  if (event.tag !== PatrolOutbox.SYNC_TAG) return;
  event.waitUntil(PatrolOutbox.flush().then(function (outcome) {
    tellPages(outcome.sent);
    if (outcome.offline) throw new Error("still offline: the browser tries again later");
    if (outcome.retryAfter) throw new Error("the server is busy: the browser tries again later");
  }));
});

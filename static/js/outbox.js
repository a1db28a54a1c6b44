/* The outbox: an inspection or fault report sent without a network waits on the phone
   (IndexedDB: its fields, signature and photos), is shown as "N waiting to send" on every
   page, and is sent when the network returns: on load, on "online", on "Send now", and by
   Background Sync where the browser has it. Each send carries the id made when the form was
   opened, so a retry never records twice. Loaded by every page and by the service worker.
   Without JavaScript none of this exists and the forms are sent as plain forms. */
(function (scope) {
  "use strict";
  var DB_NAME = "patrol";
  var STORE = "outbox";
  var SYNC_TAG = "patrol-outbox";
  var PAGES_CACHE = "patrol-pages";
  var CLIENT_ID = /^[A-Za-z0-9-]{8,64}$/;
  var OUTBOX_FORMS = [/^\/assets\/\d+\/checklists\/\d+\/inspect$/, /^\/q\/[^/]+\/report$/];
  var HEADERS = { "X-Patrol-Outbox": "1", "Accept": "application/json" };

  function database() {
    return new Promise(function (resolve, reject) {
      var opening = indexedDB.open(DB_NAME, 1);
      opening.onupgradeneeded = function () {
        opening.result.createObjectStore(STORE, { keyPath: "client_id" });
      };
      opening.onsuccess = function () { resolve(opening.result); };
      opening.onerror = function () { reject(opening.error); };
    });
  }

  function inStore(mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var request = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { db.close(); resolve(request.result); };
        transaction.onerror = transaction.onabort = function () {
          db.close();
          reject(transaction.error);
        };
      });
    });
  }

  function waiting() {
    return inStore("readonly", function (store) { return store.getAll(); }).then(function (items) {
      return items.sort(function (a, b) { return a.saved_at < b.saved_at ? -1 : 1; });
    });
  }

  function keep(item) { return inStore("readwrite", function (store) { return store.put(item); }); }
  function forget(id) { return inStore("readwrite", function (store) { return store.delete(id); }); }

  function isOutboxForm(path) {
    return OUTBOX_FORMS.some(function (pattern) { return pattern.test(path); });
  }

  // A form's fields as the outbox keeps them; "outbox_*" fields are for the outbox only.
  function itemFrom(action, data) {
    var clientId = String(data.get("client_id") || "");
    if (!CLIENT_ID.test(clientId)) return null;  // without its id a retry could record twice
    var fields = [];
    data.forEach(function (value, name) {
      if (name.indexOf("outbox_") === 0) return;
      if (typeof value === "string") fields.push([name, value]);
      else if (value.size) fields.push([name, value.slice(0, value.size, value.type), value.name || "photo"]);
    });
    return {
      client_id: clientId,
      action: new URL(action, scope.location.href).pathname,
      fields: fields,
      entered_by: String(data.get("outbox_entered_by") || ""),
      title: String(data.get("outbox_title") || ""),
      saved_at: new Date().toISOString(),
      problem: null
    };
  }

  function askForSync(registration) {
    if (registration && registration.sync) registration.sync.register(SYNC_TAG).catch(function () {});
  }

  function freshToken() {
    return fetch("/offline/csrf", { credentials: "same-origin", cache: "no-store", headers: HEADERS })
      .then(function (response) { return response.json(); })
      .then(function (body) { return body.csrf_token; });
  }

  function send(item, token) {
    var body = new FormData();
    item.fields.forEach(function (field) {
      if (field[0] === "csrf_token") return;
      if (field.length > 2) body.append(field[0], field[1], field[2]);
      else body.append(field[0], field[1]);
    });
    body.append("csrf_token", token);
    var headers = Object.assign({ "X-Patrol-Entered-By": item.entered_by || "public" }, HEADERS);
    return fetch(item.action, {
      method: "POST", body: body, credentials: "same-origin", headers: headers, redirect: "manual"
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      var read = type.indexOf("application/json") === 0 ? response.json() : Promise.resolve({});
      return read.then(function (answer) { return { status: response.status, answer: answer }; });
    });
  }

  // Sends everything waiting, oldest first. What the user must act on (signed out, refused,
  // a field to correct) stays, marked with the server's words; nothing is dropped here.
  function sendAll() {
    return waiting().then(function (items) {
      var outcome = { sent: [], offline: false };
      if (!items.length) return outcome;
      var token;
      var next = function (index) {
        if (index >= items.length) return outcome;
        var item = items[index];
        var attempt = function (retried) {
          return send(item, token).then(function (reply) {
            if (reply.status === 200 || reply.status === 201) {
              outcome.sent.push({ title: item.title, url: reply.answer.url });
              return forget(item.client_id);
            }
            if (reply.status === 400 && reply.answer.error === "csrf" && !retried) {
              return freshToken().then(function (t) { token = t; return attempt(true); });
            }
            var lasting = [400, 401, 403, 404, 409, 413].indexOf(reply.status) >= 0;
            item.problem = lasting ? {
              status: reply.status,
              message: reply.answer.message || "",
              errors: reply.answer.errors || {}
            } : null;
            return keep(item);
          });
        };
        return attempt(false).then(function () { return next(index + 1); });
      };
      return freshToken().then(function (t) { token = t; return next(0); }).catch(function () {
        outcome.offline = true;
        return outcome;
      });
    });
  }

  var sending = null;
  function flush() {
    // One send at a time per page or worker; across them the client id keeps it harmless.
    if (!sending) {
      sending = sendAll().then(function (outcome) {
        sending = null;
        return outcome;
      }, function (error) {
        sending = null;
        throw error;
      });
    }
    return sending;
  }

  scope.PatrolOutbox = {
    PAGES_CACHE: PAGES_CACHE, SYNC_TAG: SYNC_TAG, itemFrom: itemFrom, keep: keep,
    forget: forget, waiting: waiting, flush: flush, askForSync: askForSync,
    isOutboxForm: isOutboxForm
  };
  if (typeof document === "undefined") return;  // the service worker needs no more

  // ---- On a page ----------------------------------------------------------------------
  var textNode = document.getElementById("patrol-text");
  if (!textNode || !window.indexedDB) return;
  var text = JSON.parse(textNode.textContent);
  var user = document.body.getAttribute("data-user") || "";
  var sent = [];

  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) { return values[name]; });
  }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  }

  var bar = element("section", "outbox");
  bar.setAttribute("role", "status");
  bar.hidden = true;
  var main = document.querySelector("main") || document.body;
  main.insertBefore(bar, main.firstChild);

  function tidy(text) { return (text || "").replace(/\s+/g, " ").trim(); }

  // What the person entered, in the form's own words, to show if it cannot be sent.
  function describe(form) {
    var lines = [];
    form.querySelectorAll("input, textarea, select").forEach(function (input) {
      if (/^(hidden|file|submit|button)$/.test(input.type) || !input.name) return;
      var ticked = input.type === "radio" || input.type === "checkbox";
      if (ticked && !input.checked) return;
      var own = input.closest("label");
      var legend = input.closest("fieldset") && input.closest("fieldset").querySelector("legend");
      var label = input.id && form.querySelector("label[for='" + input.id + "']");
      var value = input.type === "checkbox" ? "✓" : tidy(ticked ? own && own.textContent : input.value);
      var name = input.type === "checkbox" && own ? own : legend || label;
      if (value) lines.push([name ? tidy(name.textContent) : input.name, value]);
    });
    return lines;
  }

  function whatWasEntered(item) {
    var list = element("dl", "outbox-entered");
    var photos = 0;
    var lines = item.summary || item.fields.filter(function (field) {
      return field.length === 2 && field[1] &&
        !/^(csrf_token|client_id|version_id|signature_data)$/.test(field[0]);
    });
    item.fields.forEach(function (field) { if (field.length > 2) photos += 1; });
    lines.forEach(function (line) {
      list.appendChild(element("dt", "", line[0]));
      list.appendChild(element("dd", "", line[1]));
    });
    if (photos) list.appendChild(element("dd", "", say(text.photos, { num: photos })));
    return list;
  }

  var opened = new Set();

  function problemView(item) {
    var box = element("div", "outbox-problem");
    box.appendChild(element("strong", "", item.title || text.untitled));
    box.appendChild(element("p", "error", item.problem.message));
    Object.keys(item.problem.errors).forEach(function (name) {
      item.problem.errors[name].forEach(function (message) { box.appendChild(element("p", "error", message)); });
    });
    if (item.problem.status === 401) {
      var signIn = element("a", "button", text.sign_in);
      signIn.href = "/login?next=" + encodeURIComponent(location.pathname);
      box.appendChild(signIn);
      return box;
    }
    if (item.problem.status === 400 && Object.keys(item.problem.errors).length) {
      // The hash, not a query: the page is the one kept for the round, offline too.
      var correct = element("a", "button primary", text.correct);
      correct.href = item.action + "#outbox=" + encodeURIComponent(item.client_id);
      box.appendChild(correct);
    }
    var details = element("details");
    // The list is drawn anew after every send; what was opened stays open.
    details.open = opened.has(item.client_id);
    details.addEventListener("toggle", function () {
      if (details.open) opened.add(item.client_id); else opened.delete(item.client_id);
    });
    details.appendChild(element("summary", "", text.entered));
    details.appendChild(whatWasEntered(item));
    var remove = element("button", "link", text.remove);
    remove.type = "button";
    remove.addEventListener("click", function () {
      if (window.confirm(text.remove_confirm)) forget(item.client_id).then(show);
    });
    details.appendChild(remove);
    box.appendChild(details);
    return box;
  }

  function show() {
    return waiting().then(function (items) {
      bar.textContent = "";
      bar.hidden = !items.length && !sent.length;
      sent.forEach(function (done) {
        var line = element("p", "outbox-sent");
        var link = element("a", "", done.title || text.untitled);
        link.href = done.url;
        line.appendChild(document.createTextNode(text.sent + " "));
        line.appendChild(link);
        bar.appendChild(line);
      });
      if (!items.length) return;
      var head = element("p", "outbox-head");
      // Offline, "Send now" could do nothing: the bar says what will happen instead.
      var offline = navigator.onLine === false;
      var count = say(offline ? text.waiting_offline : text.waiting, { num: items.length });
      head.appendChild(element("strong", "", count));
      if (!offline) {
        var now = element("button", "", text.send_now);
        now.type = "button";
        now.setAttribute("data-send-now", "");
        now.addEventListener("click", sendNow);
        head.appendChild(now);
      }
      bar.appendChild(head);
      if (!offline && unreachable) bar.appendChild(element("p", "muted", text.offline));
      items.filter(function (item) { return item.problem; }).forEach(function (item) {
        bar.appendChild(problemView(item));
      });
    });
  }

  // The phone said it was online, but the server could not be reached.
  var unreachable = false;

  function sendNow() {
    return flush().then(function (outcome) {
      sent = sent.concat(outcome.sent);
      unreachable = outcome.offline;
      return show();
    }, show);
  }

  // ---- Forms that wait in the outbox when there is no network --------------------------
  document.querySelectorAll("form[data-outbox]").forEach(function (form) {
    if (form.hasAttribute("data-fresh") && window.crypto && crypto.randomUUID) {
      form.elements.client_id.value = crypto.randomUUID();
    }
    // For the service worker, which keeps a form whose send fails on a bad network.
    [["outbox_entered_by", user], ["outbox_title", form.getAttribute("data-outbox-title") || ""]]
      .forEach(function (pair) {
        var input = element("input");
        input.type = "hidden";
        input.name = pair[0];
        input.value = pair[1];
        form.appendChild(input);
      });
    form.addEventListener("submit", function (event) {
      if (navigator.onLine !== false || event.defaultPrevented) return;
      event.preventDefault();
      var data = new FormData(form);
      if (event.submitter && event.submitter.name) data.append(event.submitter.name, event.submitter.value);
      var item = itemFrom(form.action, data);
      if (!item) return;
      item.summary = describe(form);
      keep(item).then(function () {
        if (navigator.storage && navigator.storage.persist) navigator.storage.persist();
        if (navigator.serviceWorker) navigator.serviceWorker.ready.then(askForSync);
        sessionStorage.setItem("patrol-saved", "1");
        location.href = form.getAttribute("data-outbox-done") || "/";
      }, function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
        window.alert(text.not_saved);
      });
    });
  });

  // ---- A refused item, corrected in the form it was made in ----------------------------
  // Its fields go back into the form with the server's words beside them, under the same
  // client id. Sent from the page, the form is recorded as usual; the copy still kept here is
  // then answered as that record on its next send, and leaves the outbox.
  var PAGE_OWN_FIELDS = /^(csrf_token|client_id|version_id)$/;

  function refill(form, item) {
    form.elements.client_id.value = item.client_id;
    var values = {};
    var files = {};
    item.fields.forEach(function (field) {
      var name = field[0];
      if (field.length > 2) {
        (files[name] = files[name] || []).push(new File([field[1]], field[2], { type: field[1].type }));
      } else {
        (values[name] = values[name] || []).push(field[1]);
      }
    });
    Array.prototype.forEach.call(form.elements, function (input) {
      var name = input.name;
      if (!name || PAGE_OWN_FIELDS.test(name) || input.tagName === "BUTTON") return;
      if (input.type === "file") {
        if (!files[name] || !window.DataTransfer) return;
        var transfer = new DataTransfer();
        files[name].forEach(function (file) { transfer.items.add(file); });
        input.files = transfer.files;
      } else if (input.type === "radio" || input.type === "checkbox") {
        input.checked = (values[name] || []).indexOf(input.value) >= 0;
      } else if (input.type !== "hidden" || input.hasAttribute("data-signature")) {
        input.value = (values[name] || [""])[0];
      } else {
        return;
      }
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  // Beside the field it is about, as the server's own form shows it; else at the top.
  function markErrors(form, errors, top) {
    Object.keys(errors).forEach(function (name) {
      var found = name === "signature" ? form.querySelector("[data-signature]")
        : document.getElementById(name) || form.elements[name];
      if (found && !found.tagName) found = found[0];  // radio buttons: the first of them
      var control = found && /^(INPUT|TEXTAREA|SELECT)$/.test(found.tagName);
      var box = control ? found.closest(".field, .item, fieldset, section") : found;
      errors[name].forEach(function (message) {
        var line = element("small", "error", message);
        line.setAttribute("role", "alert");
        var legend = box && box.querySelector("legend");
        if (!box) top.appendChild(line);
        else if (legend) legend.parentNode.insertBefore(line, legend.nextSibling);
        else box.appendChild(line);
      });
      if (box) box.classList.add("has-error");
    });
  }

  // "Correct it" on the form's own page changes only the hash: load the page again to fill it.
  window.addEventListener("hashchange", function () {
    if (/^#outbox=/.test(location.hash)) location.reload();
  });
  var correcting = /^#outbox=(.+)$/.exec(location.hash);
  if (correcting) {
    var correctId = decodeURIComponent(correcting[1]);
    waiting().then(function (items) {
      var item = items.find(function (kept) { return kept.client_id === correctId; });
      var form = document.querySelector("form[data-outbox]");
      if (!item || !item.problem || !form) return;
      if (new URL(form.action, location.href).pathname !== item.action) return;
      refill(form, item);
      var top = element("div", "outbox-correcting");
      top.appendChild(element("p", "flash flash-info", text.correcting));
      form.parentNode.insertBefore(top, form);
      markErrors(form, item.problem.errors, top);
      top.scrollIntoView();
    });
  }

  if (sessionStorage.getItem("patrol-saved") || /[?&]saved=1/.test(location.search)) {
    sessionStorage.removeItem("patrol-saved");
    var saved = element("p", "flash flash-info", text.saved);
    main.insertBefore(saved, bar.nextSibling);
  }

  // ---- Pages kept for one person are not shown to the next ------------------------------
  var PAGES_OWNER = "patrol-pages-owner";
  if (user && window.caches && localStorage.getItem(PAGES_OWNER) !== user) {
    caches.delete(PAGES_CACHE).then(function () {
      localStorage.setItem(PAGES_OWNER, user);
      localStorage.removeItem("patrol-round");
    });
  }

  // ---- Today: take the round offline ---------------------------------------------------
  var taker = document.querySelector("[data-take-offline]");
  if (taker && window.caches) {
    var status = taker.querySelector("[data-taken]");
    var button = taker.querySelector("button");
    var showTaken = function () {
      var taken = JSON.parse(localStorage.getItem("patrol-round") || "null");
      if (!taken || taken.user !== user) return;
      var at = new Date(taken.at);
      status.textContent = say(text.taken, {
        num: taken.count,
        time: at.toLocaleString(document.documentElement.lang, { dateStyle: "medium", timeStyle: "short" })
      }) + (taken.failed ? " " + say(text.not_taken, { num: taken.failed }) : "") +
        (taken.left_out ? " " + say(text.left_out, { num: taken.left_out }) : "");
    };
    taker.hidden = false;
    showTaken();
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = text.taking;
      if (navigator.storage && navigator.storage.persist) navigator.storage.persist();
      fetch(taker.getAttribute("data-round-url"), { credentials: "same-origin", headers: HEADERS })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (round) {
          return caches.open(PAGES_CACHE).then(function (cache) {
            var count = 0;
            var failed = 0;
            var queue = round.urls.slice();
            var worker = function () {
              var url = queue.shift();
              if (!url) return Promise.resolve();
              return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
                if (!response.ok) throw new Error(response.status);
                var type = response.headers.get("Content-Type") || "text/html; charset=utf-8";
                // Kept under the address asked for (a plate's /q/<code>), whatever it led to.
                return response.blob().then(function (body) {
                  return cache.put(url, new Response(body, { status: 200, headers: { "Content-Type": type } }));
                });
              }).then(function () {
                count += 1;
                status.textContent = say(text.taking_count, { done: count, total: round.urls.length });
              }, function () { failed += 1; }).then(worker);
            };
            return Promise.all([worker(), worker(), worker()]).then(function () {
              localStorage.setItem("patrol-round", JSON.stringify({
                user: user, count: count, failed: failed, left_out: round.left_out,
                at: new Date().toISOString()
              }));
              localStorage.setItem(PAGES_OWNER, user);
            });
          });
        })
        .then(showTaken, function () { status.textContent = text.take_failed; })
        .then(function () { button.disabled = false; });
    });
  }

  // ---- When to send -------------------------------------------------------------------
  if (navigator.serviceWorker) {
    // The worker keeps what this person's pages load (app/offline/shell.py): its address names
    // who is signed in, so a sign-in or a sign-out installs it anew at once; and only a
    // browser without BarcodeDetector (not Android Chrome) keeps the QR decoder.
    var asked = [];
    if (user) asked.push("user=" + encodeURIComponent(user));
    if (!("BarcodeDetector" in window)) asked.push("decoder=1");
    var worker = "/sw.js" + (asked.length ? "?" + asked.join("&") : "");
    navigator.serviceWorker.register(worker).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.outbox) show();
    });
  }
  window.addEventListener("online", sendNow);
  window.addEventListener("offline", show);
  show().then(function () { if (navigator.onLine) sendNow(); });
})(self);

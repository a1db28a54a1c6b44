/* The outbox's send queue: an inspection or fault report sent without a network waits on the
   phone (IndexedDB: its fields, signature and photos) and is sent when the network returns.
   Each send carries the id made when the form was opened, so a retry never records twice.
   Loaded by every page (after store.js; outbox_page.js draws it and says when to send) and by
   the service worker (which keeps a form whose send failed, and sends by Background Sync).
   Without JavaScript none of this exists and the forms are sent as plain forms. */
self.PatrolOutbox = (() => {
  "use strict";
  const SYNC_TAG = "patrol-outbox";
  const PAGES_CACHE = "patrol-pages";
  // Whose pages the phone keeps: localStorage remembers, so the next person's are not theirs.
  const PAGES_OWNER = "patrol-pages-owner";
  const CLIENT_ID = /^[A-Za-z0-9-]{8,64}$/;
  const OUTBOX_FORMS = [/^\/assets\/\d+\/checklists\/\d+\/inspect$/, /^\/q\/[^/]+\/report$/];
  const HEADERS = { "X-Patrol-Outbox": "1", "Accept": "application/json" };
  // Answers that sending again will not change: the item stays, with the server's words.
  const LASTING = [400, 401, 403, 404, 409, 413];
  // Answers of a server too busy just now: everything waits as long as it asks, then goes.
  const BUSY = [429, 503];
  const PAUSE_SECONDS = { usual: 5, least: 1, most: 300 };
  const store = PatrolStore.open("patrol", "outbox", "client_id");

  async function waiting() {
    const items = await store.all();
    return items.sort((a, b) => (a.saved_at < b.saved_at ? -1 : 1));
  }

  const keep = (item) => store.put(item);
  const forget = (id) => store.delete(id);
  const isOutboxForm = (path) => OUTBOX_FORMS.some((pattern) => pattern.test(path));

  // A form's fields as the outbox keeps them; "outbox_*" fields are for the outbox only.
  function itemFrom(action, data) {
    const clientId = String(data.get("client_id") || "");
    if (!CLIENT_ID.test(clientId)) return null;  // without its id a retry could record twice
    const fields = [];
    data.forEach((value, name) => {
      if (name.startsWith("outbox_")) return;
      if (typeof value === "string") fields.push([name, value]);
      else if (value.size) fields.push([name, value.slice(0, value.size, value.type), value.name || "photo"]);
    });
    return {
      client_id: clientId,
      action: new URL(action, self.location.href).pathname,
      fields,
      entered_by: String(data.get("outbox_entered_by") || ""),
      title: String(data.get("outbox_title") || ""),
      saved_at: new Date().toISOString(),
      problem: null
    };
  }

  function askForSync(registration) {
    if (registration && registration.sync) registration.sync.register(SYNC_TAG).catch(() => {});
  }

  async function freshToken() {
    const response = await fetch("/offline/csrf", { credentials: "same-origin", cache: "no-store", headers: HEADERS });
    return (await response.json()).csrf_token;
  }

  async function send(item, token) {
    const body = new FormData();
    for (const [name, value, fileName] of item.fields) {
      if (name === "csrf_token") continue;
      if (fileName !== undefined) body.append(name, value, fileName);
      else body.append(name, value);
    }
    body.append("csrf_token", token);
    const headers = { "X-Patrol-Entered-By": item.entered_by || "public", ...HEADERS };
    const response = await fetch(item.action, {
      method: "POST", body, credentials: "same-origin", headers, redirect: "manual"
    });
    const type = response.headers.get("Content-Type") || "";
    const answer = type.startsWith("application/json") ? await response.json() : {};
    return { status: response.status, answer, retryAfter: response.headers.get("Retry-After") };
  }

  // Retry-After in seconds (the form Patrol sends), kept within reason; a date or nothing
  // gets the usual pause.
  function pauseFor(retryAfter) {
    const seconds = Number.parseInt(retryAfter, 10);
    if (!Number.isFinite(seconds)) return PAUSE_SECONDS.usual;
    return Math.min(Math.max(seconds, PAUSE_SECONDS.least), PAUSE_SECONDS.most);
  }

  // Sends everything waiting, oldest first. What the user must act on (signed out, refused,
  // a field to correct) stays, marked with the server's words; nothing is dropped here. A busy
  // server stops the round: `retryAfter` says in how many seconds to send again.
  async function sendAll() {
    const items = await waiting();
    const outcome = { sent: [], offline: false, retryAfter: null };
    if (!items.length) return outcome;
    try {
      let token = await freshToken();
      for (const item of items) {
        let reply = await send(item, token);
        if (reply.status === 400 && reply.answer.error === "csrf") {
          token = await freshToken();
          reply = await send(item, token);
        }
        if (reply.status === 200 || reply.status === 201) {
          outcome.sent.push({ title: item.title, url: reply.answer.url });
          await forget(item.client_id);
          continue;
        }
        if (BUSY.includes(reply.status)) {
          outcome.retryAfter = pauseFor(reply.retryAfter);
          break;
        }
        item.problem = LASTING.includes(reply.status) ? {
          status: reply.status,
          message: reply.answer.message || "",
          errors: reply.answer.errors || {}
        } : null;
        await keep(item);
      }
    } catch {
      outcome.offline = true;
    }
    return outcome;
  }

  let sending = null;
  function flush() {
    // One send at a time per page or worker; across them the client id keeps it harmless.
    sending = sending || sendAll().finally(() => { sending = null; });
    return sending;
  }

  return {
    PAGES_CACHE, PAGES_OWNER, SYNC_TAG, HEADERS, itemFrom, keep, forget, waiting, flush, askForSync,
    isOutboxForm
  };
})();

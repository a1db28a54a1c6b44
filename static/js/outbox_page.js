/* The outbox on a page (outbox.js is the queue itself): "N waiting to send" on every page,
   with "Send now" and what was sent; a form that cannot go for want of a network is kept
   instead; a refused item is corrected in the form it was made in. Sends when the page loads,
   when the phone comes back "online" and on "Send now"; registers the service worker, which
   also sends by Background Sync where the browser has it. */
(() => {
  "use strict";
  const { waiting, keep, forget, flush, itemFrom, askForSync, PAGES_CACHE, PAGES_OWNER } = PatrolOutbox;
  const textNode = document.getElementById("patrol-text");
  if (!textNode || !window.indexedDB) return;
  const text = JSON.parse(textNode.textContent);
  const user = document.body.getAttribute("data-user") || "";
  let sent = [];
  // The page and the service worker may both send the same item (the client id makes the
  // second send harmless): it is said once.
  function remember(justSent) {
    for (const done of justSent || []) {
      if (!sent.some((shown) => shown.url === done.url && shown.title === done.title)) sent.push(done);
    }
  }
  // The phone said it was online, but the server could not be reached.
  let unreachable = false;

  const say = (template, values) => template.replace(/\{(\w+)\}/g, (whole, name) => values[name]);
  const tidy = (words) => (words || "").replace(/\s+/g, " ").trim();

  function element(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  }

  const bar = element("section", "outbox");
  bar.setAttribute("role", "status");
  bar.hidden = true;
  const main = document.querySelector("main") || document.body;
  main.insertBefore(bar, main.firstChild);

  // ---- The bar ------------------------------------------------------------------------

  // What the person entered, in the form's own words, to show if it cannot be sent.
  function describe(form) {
    const lines = [];
    form.querySelectorAll("input, textarea, select").forEach((input) => {
      if (/^(hidden|file|submit|button)$/.test(input.type) || !input.name) return;
      const ticked = input.type === "radio" || input.type === "checkbox";
      if (ticked && !input.checked) return;
      const own = input.closest("label");
      const legend = input.closest("fieldset") && input.closest("fieldset").querySelector("legend");
      const label = input.id && form.querySelector("label[for='" + input.id + "']");
      const value = input.type === "checkbox" ? "✓" : tidy(ticked ? own && own.textContent : input.value);
      const name = input.type === "checkbox" && own ? own : legend || label;
      if (value) lines.push([name ? tidy(name.textContent) : input.name, value]);
    });
    return lines;
  }

  function whatWasEntered(item) {
    const list = element("dl", "outbox-entered");
    const lines = item.summary || item.fields.filter((field) =>
      field.length === 2 && field[1] && !/^(csrf_token|client_id|version_id|signature_data)$/.test(field[0]));
    const photos = item.fields.filter((field) => field.length > 2).length;
    for (const [name, value] of lines) {
      list.appendChild(element("dt", "", name));
      list.appendChild(element("dd", "", value));
    }
    if (photos) list.appendChild(element("dd", "", say(text.photos, { num: photos })));
    return list;
  }

  // The list is drawn anew after every send; what was opened stays open.
  const opened = new Set();

  function problemView(item) {
    const box = element("div", "outbox-problem");
    const { status, message, errors } = item.problem;
    box.appendChild(element("strong", "", item.title || text.untitled));
    box.appendChild(element("p", "error", message));
    for (const messages of Object.values(errors)) {
      for (const line of messages) box.appendChild(element("p", "error", line));
    }
    if (status === 401) {
      const signIn = element("a", "button", text.sign_in);
      signIn.href = "/login?next=" + encodeURIComponent(location.pathname);
      box.appendChild(signIn);
      return box;
    }
    if (status === 400 && Object.keys(errors).length) {
      // The hash, not a query: the page is the one kept for the round, offline too.
      const correct = element("a", "button primary", text.correct);
      correct.href = item.action + "#outbox=" + encodeURIComponent(item.client_id);
      box.appendChild(correct);
    }
    const details = element("details");
    details.open = opened.has(item.client_id);
    details.addEventListener("toggle", () => {
      if (details.open) opened.add(item.client_id); else opened.delete(item.client_id);
    });
    details.appendChild(element("summary", "", text.entered));
    details.appendChild(whatWasEntered(item));
    const remove = element("button", "link", text.remove);
    remove.type = "button";
    remove.addEventListener("click", async () => {
      if (!window.confirm(text.remove_confirm)) return;
      await forget(item.client_id);
      show();
    });
    details.appendChild(remove);
    box.appendChild(details);
    return box;
  }

  async function show() {
    const items = await waiting();
    bar.textContent = "";
    bar.hidden = !items.length && !sent.length;
    for (const done of sent) {
      const line = element("p", "outbox-sent");
      const link = element("a", "", done.title || text.untitled);
      link.href = done.url;
      line.appendChild(document.createTextNode(text.sent + " "));
      line.appendChild(link);
      bar.appendChild(line);
    }
    if (!items.length) return;
    const head = element("p", "outbox-head");
    // Offline, "Send now" could do nothing: the bar says what will happen instead.
    const offline = navigator.onLine === false;
    const count = say(offline ? text.waiting_offline : text.waiting, { num: items.length });
    head.appendChild(element("strong", "", count));
    if (!offline) {
      const now = element("button", "", text.send_now);
      now.type = "button";
      now.setAttribute("data-send-now", "");
      now.addEventListener("click", sendNow);
      head.appendChild(now);
    }
    bar.appendChild(head);
    if (!offline && unreachable) bar.appendChild(element("p", "muted", text.offline));
    for (const item of items) {
      if (item.problem) bar.appendChild(problemView(item));
    }
  }

  let resend = null;
  async function sendNow() {
    clearTimeout(resend);
    try {
      const outcome = await flush();
      remember(outcome.sent);
      unreachable = outcome.offline;
      // The server asked for a pause: the rest goes after it, with no tap needed.
      if (outcome.retryAfter) resend = setTimeout(sendNow, outcome.retryAfter * 1000);
    } catch {
      // Not sent: the bar shows what still waits.
    }
    return show();
  }

  // ---- Forms that wait in the outbox when there is no network --------------------------
  document.querySelectorAll("form[data-outbox]").forEach((form) => {
    if (form.hasAttribute("data-fresh") && window.crypto && crypto.randomUUID) {
      form.elements.client_id.value = crypto.randomUUID();
    }
    // For the service worker, which keeps a form whose send fails on a bad network.
    const forTheWorker = { outbox_entered_by: user, outbox_title: form.getAttribute("data-outbox-title") || "" };
    for (const [name, value] of Object.entries(forTheWorker)) {
      const input = element("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.appendChild(input);
    }
    form.addEventListener("submit", async (event) => {
      if (navigator.onLine !== false || event.defaultPrevented) return;
      event.preventDefault();
      const data = new FormData(form);
      if (event.submitter && event.submitter.name) data.append(event.submitter.name, event.submitter.value);
      const item = itemFrom(form.action, data);
      if (!item) return;
      item.summary = describe(form);
      try {
        await keep(item);
      } catch {
        form.querySelectorAll("button[type=submit]").forEach((button) => { button.disabled = false; });
        window.alert(text.not_saved);
        return;
      }
      if (navigator.storage && navigator.storage.persist) navigator.storage.persist();
      if (navigator.serviceWorker) navigator.serviceWorker.ready.then(askForSync);
      sessionStorage.setItem("patrol-saved", "1");
      location.href = form.getAttribute("data-outbox-done") || "/";
    });
  });

  // ---- A refused item, corrected in the form it was made in ----------------------------
  // Its fields go back into the form with the server's words beside them, under the same
  // client id. Sent from the page, the form is recorded as usual; the copy still kept here is
  // then answered as that record on its next send, and leaves the outbox.
  const PAGE_OWN_FIELDS = /^(csrf_token|client_id|version_id)$/;

  function refill(form, item) {
    form.elements.client_id.value = item.client_id;
    const values = {};
    const files = {};
    for (const [name, value, fileName] of item.fields) {
      if (fileName !== undefined) {
        (files[name] = files[name] || []).push(new File([value], fileName, { type: value.type }));
      } else {
        (values[name] = values[name] || []).push(value);
      }
    }
    for (const input of form.elements) {
      const name = input.name;
      if (!name || PAGE_OWN_FIELDS.test(name) || input.tagName === "BUTTON") continue;
      if (input.type === "file") {
        if (!files[name] || !window.DataTransfer) continue;
        const transfer = new DataTransfer();
        files[name].forEach((file) => transfer.items.add(file));
        input.files = transfer.files;
      } else if (input.type === "radio" || input.type === "checkbox") {
        input.checked = (values[name] || []).includes(input.value);
      } else if (input.type !== "hidden" || input.hasAttribute("data-signature")) {
        input.value = (values[name] || [""])[0];
      } else {
        continue;
      }
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  // Beside the field it is about, as the server's own form shows it; else at the top.
  function markErrors(form, errors, top) {
    for (const [name, messages] of Object.entries(errors)) {
      let found = name === "signature" ? form.querySelector("[data-signature]")
        : document.getElementById(name) || form.elements[name];
      if (found && !found.tagName) found = found[0];  // radio buttons: the first of them
      const control = found && /^(INPUT|TEXTAREA|SELECT)$/.test(found.tagName);
      const box = control ? found.closest(".field, .item, fieldset, section") : found;
      for (const message of messages) {
        const line = element("small", "error", message);
        line.setAttribute("role", "alert");
        const legend = box && box.querySelector("legend");
        if (!box) top.appendChild(line);
        else if (legend) legend.parentNode.insertBefore(line, legend.nextSibling);
        else box.appendChild(line);
      }
      if (box) box.classList.add("has-error");
    }
  }

  async function correct(clientId) {
    const item = (await waiting()).find((kept) => kept.client_id === clientId);
    const form = document.querySelector("form[data-outbox]");
    if (!item || !item.problem || !form) return;
    if (new URL(form.action, location.href).pathname !== item.action) return;
    refill(form, item);
    const top = element("div", "outbox-correcting");
    top.appendChild(element("p", "flash flash-info", text.correcting));
    form.parentNode.insertBefore(top, form);
    markErrors(form, item.problem.errors, top);
    top.scrollIntoView();
  }

  // "Correct it" on the form's own page changes only the hash: load the page again to fill it.
  window.addEventListener("hashchange", () => {
    if (/^#outbox=/.test(location.hash)) location.reload();
  });
  const correcting = /^#outbox=(.+)$/.exec(location.hash);
  if (correcting) correct(decodeURIComponent(correcting[1]));

  if (sessionStorage.getItem("patrol-saved") || /[?&]saved=1/.test(location.search)) {
    sessionStorage.removeItem("patrol-saved");
    main.insertBefore(element("p", "flash flash-info", text.saved), bar.nextSibling);
  }

  // ---- Pages kept for one person are not shown to the next ------------------------------
  if (user && window.caches && localStorage.getItem(PAGES_OWNER) !== user) {
    caches.delete(PAGES_CACHE).then(() => {
      localStorage.setItem(PAGES_OWNER, user);
      localStorage.removeItem("patrol-round");
    });
  }

  // ---- When to send -------------------------------------------------------------------
  if (navigator.serviceWorker) {
    // The worker keeps what this person's pages load (app/offline/shell.py): its address names
    // who is signed in, so a sign-in or a sign-out installs it anew at once; and only a
    // browser without BarcodeDetector (not Android Chrome) keeps the QR decoder.
    const asked = [];
    if (user) asked.push("user=" + encodeURIComponent(user));
    if (!("BarcodeDetector" in window)) asked.push("decoder=1");
    const worker = "/sw.js" + (asked.length ? "?" + asked.join("&") : "");
    navigator.serviceWorker.register(worker).catch(() => {});
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (!event.data || !event.data.outbox) return;
      remember(event.data.sent);
      show();
    });
  }
  window.addEventListener("online", sendNow);
  window.addEventListener("offline", show);
  show().then(() => { if (navigator.onLine) sendNow(); });
})();

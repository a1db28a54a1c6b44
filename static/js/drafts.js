/* Drafts: a form being filled in is kept on the phone (IndexedDB) as it is typed (its answers,
   notes, photos and drawn signature), so a phone call, a reload or a closed tab loses nothing.
   A form opts in with data-draft-key, naming what it is about (the asset and checklist, the
   fault and step); a draft comes back only into the form with that key and action, for the
   same person, with the form's client id so a resend after a crash is not recorded twice.
   It is dropped when the send was answered (the browser leaves the form's address), when
   the outbox keeps the form, or on "Discard draft". Without JavaScript nothing is kept. */
(() => {
  "use strict";
  // Set as a form is sent; the next page says how the send was answered.
  const SENT = "patrol-draft-sent";
  const TYPING_PAUSE_MS = 400;
  const textNode = document.getElementById("patrol-text");
  if (!window.indexedDB || !window.sessionStorage || !textNode) return;
  const text = JSON.parse(textNode.textContent);
  const user = document.body.getAttribute("data-user") || "";
  const { get: read, put: keep, delete: forget } = PatrolStore.open("patrol-drafts", "drafts", "id");

  const actionOf = (form) => new URL(form.action, location.href).pathname;

  // What the person fills in; the page's own hidden fields (token, version, id) are not.
  function controls(form) {
    return Array.from(form.elements).filter((input) =>
      input.name && input.tagName !== "BUTTON" && !/^(submit|button|reset)$/.test(input.type) &&
        (input.type !== "hidden" || input.hasAttribute("data-signature")));
  }

  function entered(form) {
    const values = {};
    const files = {};
    for (const input of controls(form)) {
      const name = input.name;
      if (input.type === "file") {
        if (input.files.length) files[name] = Array.from(input.files);
        continue;
      }
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) continue;
      const chosen = input.type === "select-multiple"
        ? Array.from(input.options).filter((option) => option.selected)
        : [input];
      for (const one of chosen) (values[name] = values[name] || []).push(one.value);
    }
    const clientId = form.elements.client_id;
    return { values, files, client_id: clientId ? clientId.value : "" };
  }

  function sameAs(a, b) {
    const summary = (state) => JSON.stringify([state.values, Object.keys(state.files).sort().map(
      (name) => [name, state.files[name].map((file) => [file.name, file.size])]
    )]);
    return summary(a) === summary(b);
  }

  // Puts `state` into the form and tells the page's scripts (inspection.js, the signature pad).
  function fill(form, state) {
    const seen = {};
    if (form.elements.client_id && state.client_id) form.elements.client_id.value = state.client_id;
    for (const input of controls(form)) {
      const values = state.values[input.name] || [];
      if (input.type === "file") {
        const files = state.files[input.name] || [];
        if (!files.length) input.value = "";
        else if (window.DataTransfer) {
          const transfer = new DataTransfer();
          files.forEach((file) => transfer.items.add(file));
          input.files = transfer.files;
        }
      } else if (input.type === "radio" || input.type === "checkbox") {
        input.checked = values.includes(input.value);
      } else if (input.type === "select-multiple") {
        for (const option of input.options) option.selected = values.includes(option.value);
      } else {
        const index = seen[input.name] || 0;
        seen[input.name] = index + 1;
        input.value = values[index] || "";
      }
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  function when(iso) {
    const at = new Date(iso);
    const lang = document.documentElement.lang;
    const options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    if (at.toDateString() !== new Date().toDateString()) {
      Object.assign(options, { weekday: "short", day: "numeric", month: "short" });
    }
    return at.toLocaleString(/^en/.test(lang) ? "en-GB" : lang, options);
  }

  async function draftForm(form, answeredHere) {
    const id = user + "|" + form.getAttribute("data-draft-key");
    const action = actionOf(form);
    // As the server drew it, with the id the page gave it: what "Discard draft" goes back to.
    const blank = entered(form);
    let filling = false;
    let sending = false;
    let timer = null;
    let notice = null;
    let lastKept = blank;

    // The draft as the form is now, or null when it is as the server drew it.
    function snapshot() {
      const now = entered(form);
      if (sameAs(now, blank)) return null;
      return Object.assign(now, { id, action, saved_at: new Date().toISOString() });
    }

    function save() {
      clearTimeout(timer);
      timer = null;
      if (filling || sending) return;
      const draft = snapshot();
      lastKept = draft || blank;
      (draft ? keep(draft) : forget(id)).catch(() => {});
    }

    function changed(event) {
      if (filling || (notice && notice.contains(event.target))) return;
      if (sending) {
        // A tap on the disabled Send while it goes is no change; typing means it did not go.
        if (!/^(input|change)$/.test(event.type)) return;
        sending = false;
      }
      clearTimeout(timer);
      // Typing is kept once it pauses; a tap at once, after the page's own handlers (the pad
      // keeps its stroke on the document's "pointerup", after the form's).
      timer = setTimeout(save, event.type === "input" ? TYPING_PAUSE_MS : 0);
    }

    async function discard() {
      if (!window.confirm(text.draft_discard_confirm)) return;
      await forget(id);
      filling = true;
      fill(form, blank);
      filling = false;
      notice.remove();
    }

    function tell(draft) {
      notice = document.createElement("div");
      notice.className = "draft-restored";
      notice.setAttribute("role", "status");
      const line = document.createElement("p");
      line.textContent = text.draft_restored.replace("{time}", when(draft.saved_at));
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = text.draft_discard;
      button.setAttribute("data-discard-draft", "");
      button.addEventListener("click", discard);
      notice.appendChild(line);
      notice.appendChild(button);
      const heading = form.firstElementChild;
      const after = heading && /^H[1-6]$/.test(heading.tagName) ? heading.nextSibling : form.firstChild;
      form.insertBefore(notice, after);
    }

    // The answers, pad strokes ("pointerup"), All OK and Clear ("click") change the form.
    for (const type of ["input", "change", "click", "pointerup"]) form.addEventListener(type, changed);
    // A phone call or a switch to the camera app may be the last the page sees.
    window.addEventListener("pagehide", () => { if (timer) save(); });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden" && timer) save();
    });
    form.addEventListener("submit", () => {
      clearTimeout(timer);
      timer = null;
      const draft = snapshot();
      if (!draft) return;
      // Before the browser leaves: the next page drops the drafts kept until now.
      sessionStorage.setItem(SENT, JSON.stringify({ id, saved_at: draft.saved_at }));
      sending = true;
      // Written only if something is not kept yet: a write still going when the next page
      // has dropped the draft would bring it back.
      if (!sameAs(draft, lastKept)) keep(draft).catch(() => {});
    });

    const [draft, queued] = await Promise.all([
      read(id), window.PatrolOutbox ? PatrolOutbox.waiting() : []
    ]);
    if (!draft || draft.action !== action) return;
    const inOutbox = draft.client_id && queued.some((item) => item.client_id === draft.client_id);
    if (inOutbox) return forget(id);
    // The server's answer to a refused send shows what was sent (and keeps its photos): a
    // form with a client id says so by not being fresh; one without, by its address.
    const clientId = form.elements.client_id;
    if (clientId ? !form.hasAttribute("data-fresh") : id === answeredHere) return;
    filling = true;
    fill(form, draft);
    filling = false;
    lastKept = draft;
    tell(draft);
  }

  // After a send: still on the form's address, it was refused or never arrived, and the draft
  // stays; anywhere else, it was recorded or kept in the outbox, and the draft goes. Says
  // which draft's send this page answers, if any.
  async function settleSent() {
    const sent = JSON.parse(sessionStorage.getItem(SENT) || "null");
    sessionStorage.removeItem(SENT);
    if (!sent) return null;
    const draft = await read(sent.id);
    // One changed after the send (it did not go, and the person went on) is newer.
    if (!draft || draft.saved_at > sent.saved_at) return null;
    if (draft.action === location.pathname) return sent.id;
    await forget(sent.id);
    return null;
  }

  // The correction of a form the outbox kept is that item's, not a draft's.
  if (/^#outbox=/.test(location.hash)) return;
  document.addEventListener("DOMContentLoaded", async () => {
    const forms = document.querySelectorAll("form[data-draft-key]");
    if (!forms.length && !sessionStorage.getItem(SENT)) return;
    // Run after outbox_page.js has given a fresh form its id, so a draft's own id replaces it.
    try {
      const answeredHere = await settleSent();
      forms.forEach((form) => draftForm(form, answeredHere));
    } catch {
      // Without the drafts' store the forms work as they are.
    }
  });
})();

/* Drafts: a form being filled in is kept on the phone (IndexedDB) as it is typed (its answers,
   notes, photos and drawn signature), so a phone call, a reload or a closed tab loses nothing.
   A form opts in with data-draft-key, naming what it is about (the asset and checklist, the
   fault and step); a draft comes back only into the form with that key and action, for the
   same person, with the form's client id so a resend after a crash is not recorded twice.
   It is dropped when the send was answered (the browser leaves the form's address), when
   the outbox keeps the form, or on "Discard draft". Without JavaScript nothing is kept. */
(function () {
  "use strict";
  // Set as a form is sent; the next page says how the send was answered.
  var SENT = "patrol-draft-sent";
  var TYPING_PAUSE_MS = 400;
  var textNode = document.getElementById("patrol-text");
  if (!window.indexedDB || !window.sessionStorage || !textNode) return;
  var text = JSON.parse(textNode.textContent);
  var user = document.body.getAttribute("data-user") || "";

  var drafts = PatrolStore.open("patrol-drafts", "drafts", "id");
  var read = drafts.get;
  var keep = drafts.put;
  var forget = drafts.delete;

  function actionOf(form) { return new URL(form.action, location.href).pathname; }

  // What the person fills in; the page's own hidden fields (token, version, id) are not.
  function controls(form) {
    return Array.prototype.filter.call(form.elements, function (input) {
      return input.name && input.tagName !== "BUTTON" && !/^(submit|button|reset)$/.test(input.type) &&
        (input.type !== "hidden" || input.hasAttribute("data-signature"));
    });
  }

  function entered(form) {
    var values = {};
    var files = {};
    controls(form).forEach(function (input) {
      var name = input.name;
      if (input.type === "file") {
        if (input.files.length) files[name] = Array.prototype.slice.call(input.files);
        return;
      }
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) return;
      var chosen = input.type === "select-multiple"
        ? Array.prototype.filter.call(input.options, function (o) { return o.selected; })
        : [input];
      chosen.forEach(function (one) { (values[name] = values[name] || []).push(one.value); });
    });
    var clientId = form.elements.client_id;
    return { values: values, files: files, client_id: clientId ? clientId.value : "" };
  }

  function sameAs(a, b) {
    var summary = function (state) {
      return JSON.stringify([state.values, Object.keys(state.files).sort().map(function (name) {
        return [name, state.files[name].map(function (file) { return [file.name, file.size]; })];
      })]);
    };
    return summary(a) === summary(b);
  }

  // Puts `state` into the form and tells the page's scripts (inspection.js, the signature pad).
  function fill(form, state) {
    var seen = {};
    if (form.elements.client_id && state.client_id) form.elements.client_id.value = state.client_id;
    controls(form).forEach(function (input) {
      var values = state.values[input.name] || [];
      if (input.type === "file") {
        var files = state.files[input.name] || [];
        if (!files.length) input.value = "";
        else if (window.DataTransfer) {
          var transfer = new DataTransfer();
          files.forEach(function (file) { transfer.items.add(file); });
          input.files = transfer.files;
        }
      } else if (input.type === "radio" || input.type === "checkbox") {
        input.checked = values.indexOf(input.value) >= 0;
      } else if (input.type === "select-multiple") {
        Array.prototype.forEach.call(input.options, function (o) { o.selected = values.indexOf(o.value) >= 0; });
      } else {
        var index = seen[input.name] || 0;
        seen[input.name] = index + 1;
        input.value = values[index] || "";
      }
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  function when(iso) {
    var at = new Date(iso);
    var lang = document.documentElement.lang;
    var options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    if (at.toDateString() !== new Date().toDateString()) {
      options.weekday = "short";
      options.day = "numeric";
      options.month = "short";
    }
    return at.toLocaleString(/^en/.test(lang) ? "en-GB" : lang, options);
  }

  function draftForm(form, answeredHere) {
    var id = user + "|" + form.getAttribute("data-draft-key");
    var action = actionOf(form);
    // As the server drew it, with the id the page gave it: what "Discard draft" goes back to.
    var blank = entered(form);
    var filling = false;
    var sending = false;
    var timer = null;
    var notice = null;
    var lastKept = blank;

    // The draft as the form is now, or null when it is as the server drew it.
    function snapshot() {
      var now = entered(form);
      if (sameAs(now, blank)) return null;
      now.id = id;
      now.action = action;
      now.saved_at = new Date().toISOString();
      return now;
    }

    function save() {
      clearTimeout(timer);
      timer = null;
      if (filling || sending) return;
      var draft = snapshot();
      lastKept = draft || blank;
      (draft ? keep(draft) : forget(id)).catch(function () {});
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

    function discard() {
      if (!window.confirm(text.draft_discard_confirm)) return;
      forget(id).then(function () {
        filling = true;
        fill(form, blank);
        filling = false;
        notice.remove();
      });
    }

    function tell(draft) {
      notice = document.createElement("div");
      notice.className = "draft-restored";
      notice.setAttribute("role", "status");
      var line = document.createElement("p");
      line.textContent = text.draft_restored.replace("{time}", when(draft.saved_at));
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = text.draft_discard;
      button.setAttribute("data-discard-draft", "");
      button.addEventListener("click", discard);
      notice.appendChild(line);
      notice.appendChild(button);
      var heading = form.firstElementChild;
      var after = heading && /^H[1-6]$/.test(heading.tagName) ? heading.nextSibling : form.firstChild;
      form.insertBefore(notice, after);
    }

    // The answers, pad strokes ("pointerup"), All OK and Clear ("click") change the form.
    ["input", "change", "click", "pointerup"].forEach(function (type) {
      form.addEventListener(type, changed);
    });
    // A phone call or a switch to the camera app may be the last the page sees.
    window.addEventListener("pagehide", function () { if (timer) save(); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && timer) save();
    });
    form.addEventListener("submit", function () {
      clearTimeout(timer);
      timer = null;
      var draft = snapshot();
      if (!draft) return;
      // Before the browser leaves: the next page drops the drafts kept until now.
      sessionStorage.setItem(SENT, JSON.stringify({ id: id, saved_at: draft.saved_at }));
      sending = true;
      // Written only if something is not kept yet: a write still going when the next page
      // has dropped the draft would bring it back.
      if (!sameAs(draft, lastKept)) keep(draft).catch(function () {});
    });

    var queued = window.PatrolOutbox ? PatrolOutbox.waiting() : Promise.resolve([]);
    return Promise.all([read(id), queued]).then(function (found) {
      var draft = found[0];
      if (!draft || draft.action !== action) return;
      var inOutbox = draft.client_id && found[1].some(function (item) {
        return item.client_id === draft.client_id;
      });
      if (inOutbox) return forget(id);
      // The server's answer to a refused send shows what was sent (and keeps its photos): a
      // form with a client id says so by not being fresh; one without, by its address.
      var clientId = form.elements.client_id;
      if (clientId ? !form.hasAttribute("data-fresh") : id === answeredHere) return;
      filling = true;
      fill(form, draft);
      filling = false;
      lastKept = draft;
      tell(draft);
    });
  }

  // After a send: still on the form's address, it was refused or never arrived, and the draft
  // stays; anywhere else, it was recorded or kept in the outbox, and the draft goes. Says
  // which draft's send this page answers, if any.
  function settleSent() {
    var sent = JSON.parse(sessionStorage.getItem(SENT) || "null");
    sessionStorage.removeItem(SENT);
    if (!sent) return Promise.resolve(null);
    return read(sent.id).then(function (draft) {
      // One changed after the send (it did not go, and the person went on) is newer.
      if (!draft || draft.saved_at > sent.saved_at) return null;
      if (draft.action === location.pathname) return sent.id;
      return forget(sent.id).then(function () { return null; });
    });
  }

  // The correction of a form the outbox kept is that item's, not a draft's.
  if (/^#outbox=/.test(location.hash)) return;
  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-draft-key]");
    if (!forms.length && !sessionStorage.getItem(SENT)) return;
    // Run after outbox_page.js has given a fresh form its id, so a draft's own id replaces it.
    settleSent().then(function (answeredHere) {
      Array.prototype.forEach.call(forms, function (form) { draftForm(form, answeredHere); });
    }).catch(function () {});
  });
})();

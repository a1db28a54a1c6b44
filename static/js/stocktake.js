/* Counting a stocktake by scanning: with the in-app scanner (static/js/scanner.js), "Scan
   items" stays in scanning mode and sends each code as it is read, showing the answer line by
   line. Without the scanner, or without JavaScript, the form counts one typed code at a time. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-stocktake-count]");
  if (!form || !window.fetch) return;
  var results = form.querySelector("[data-results]");
  var messages = {};
  var template = form.querySelector("template[data-messages]");
  if (template) {
    template.content.querySelectorAll("[data-message]").forEach(function (node) {
      messages[node.getAttribute("data-message")] = node.textContent;
    });
  }
  var placeSelect = form.querySelector("select[name=place]");
  var scoreLine = document.querySelector("[data-score]");
  var codeInput = form.querySelector("input[name=code]");
  // Anything else (a refused code, a closed stocktake) is an error.
  var TONES = { counted: "ok", place: "info", already: "info", wrong_place: "warn", unknown: "warn" };

  function show(text, tone) {
    var line = document.createElement("li");
    line.className = "scan-result scan-result-" + (tone || "error");
    line.textContent = text;  // text, never HTML: a code or a name may carry markup
    results.hidden = false;
    results.insertBefore(line, results.firstChild);
    while (results.children.length > 30) results.removeChild(results.lastChild);
  }

  function send(code) {
    var body = new FormData(form);  // includes the CSRF token and where one is counting
    body.set("code", code);
    return fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        show(response.redirected || response.status === 401 ? messages["signed-out"] : messages.failed);
        return null;
      }
      return response.json().then(function (answer) {
        show(answer.message, TONES[answer.result] || "error");
        if (answer.score && scoreLine) scoreLine.textContent = answer.score;
        // The lists below stay as the page drew them; their counts follow each answer.
        Object.keys(answer.counts || {}).forEach(function (name) {
          var count = document.querySelector("[data-count='" + name + "']");
          if (count) count.textContent = answer.counts[name];
        });
        if (answer.result === "place" && placeSelect && answer.place !== null) {
          placeSelect.value = String(answer.place);
        }
        return answer;
      });
    }).catch(function () { show(messages.failed); return null; });
  }

  // Typed codes go the same way, so the answer appears in the same list. The field clears
  // once the code was taken; a refused one stays there to be corrected.
  form.addEventListener("submit", function (event) {
    if (!codeInput.value.trim()) return;  // the browser says the field is required
    event.preventDefault();
    send(codeInput.value).then(function (answer) {
      if (answer && answer.result !== "refused") codeInput.value = "";
      codeInput.focus();
    });
  });

  var scanButton = form.querySelector("[data-scan]");
  if (!scanButton || !window.patrolScanner) return;
  scanButton.hidden = false;
  scanButton.addEventListener("click", function () {
    window.patrolScanner.open({
      onCode: function (code) {
        send(code);
        return true;  // keep scanning: the next item is already in view
      }
    });
  });
})();

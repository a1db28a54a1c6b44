/* The inspection form's live behaviour: "All OK", readings checked as typed, the note and photo
   of a failed item, the finger signature, and one send per tap. The form works without it. */
(function () {
  "use strict";
  var form = document.querySelector("form.inspection");
  if (!form) return;

  // The id that makes a second send harmless is made on the phone when it can be.
  if (form.hasAttribute("data-fresh") && window.crypto && crypto.randomUUID) {
    form.elements.client_id.value = crypto.randomUUID();
  }

  var items = Array.prototype.slice.call(form.querySelectorAll(".item"));

  function number(text) {
    text = text.trim();
    if (text.indexOf(",") >= 0 && text.indexOf(".") < 0) text = text.replace(",", ".");
    return text === "" || isNaN(text) ? null : Number(text);
  }

  function outOfRange(input) {
    var value = number(input.value);
    if (value === null) return false;
    return ("min" in input.dataset && value < Number(input.dataset.min)) ||
      ("max" in input.dataset && value > Number(input.dataset.max));
  }

  function update(item) {
    var fail = item.querySelector("input[type=radio][value=fail]");
    var reading = item.querySelector(".reading input");
    var failed = fail ? fail.checked : false;
    if (reading) {
      failed = outOfRange(reading);
      item.querySelector("[data-out-of-range]").hidden = !failed;
    }
    item.classList.toggle("failed", failed);
    var extra = item.querySelector("[data-if-failed]");
    if (extra) {
      var kept = extra.querySelector("textarea").value.trim() ||
        extra.querySelector("input[type=hidden]") || extra.querySelector("input[type=file]").value;
      extra.hidden = !(failed || kept);
    }
  }

  items.forEach(update);
  ["input", "change"].forEach(function (type) {
    form.addEventListener(type, function (event) {
      var item = event.target.closest(".item");
      if (item) update(item);
    });
  });

  var allOk = form.querySelector("[data-all-ok]");
  if (allOk) {
    allOk.addEventListener("click", function (event) {
      event.preventDefault();
      items.forEach(function (item) {
        var pass = item.querySelector("input[type=radio][value=pass]");
        if (pass && !item.querySelector("input[type=radio]:checked")) pass.checked = true;
        update(item);
      });
      document.getElementById("signature").scrollIntoView({ behavior: "smooth" });
    });
  }

  var padBox = form.querySelector("[data-pad]");
  var stored = form.querySelector("[data-signature]");
  if (padBox && window.SignaturePad) {
    var canvas = padBox.querySelector("canvas");
    var pad = new SignaturePad(canvas);
    var width = 0;
    padBox.hidden = false;
    form.querySelector("[data-nojs]").hidden = true;
    // With a pad, typing the name stays possible, as the alternative under it.
    padBox.parentNode.insertBefore(form.querySelector("[data-typed-name]"), padBox.nextSibling);

    var fit = function () {
      if (canvas.offsetWidth === width) return;  // a phone's toolbar sliding away: keep the ink
      width = canvas.offsetWidth;
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      if (stored.value) pad.fromDataURL(stored.value);
    };
    pad.addEventListener("endStroke", function () { stored.value = pad.toDataURL(); });
    padBox.querySelector("[data-pad-clear]").addEventListener("click", function () {
      pad.clear();
      stored.value = "";
    });
    window.addEventListener("resize", fit);
    fit();
  }

  // A double tap sends once; coming back to the page makes it sendable again.
  var sent = false;
  form.addEventListener("submit", function (event) {
    if (sent) {
      event.preventDefault();
      return;
    }
    sent = true;
    setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
  window.addEventListener("pageshow", function () {
    sent = false;
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
  });
})();

/* The finger signature on every signed form (inspections, repairs, acceptances), and one send
   per tap. Without JavaScript the pad stays hidden and a typed name signs. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-signed]").forEach(function (form) {
    var padBox = form.querySelector("[data-pad]");
    var stored = form.querySelector("[data-signature]");
    if (!padBox || !window.SignaturePad) return;
    var canvas = padBox.querySelector("canvas");
    var pad = new SignaturePad(canvas);
    var width = 0;
    padBox.hidden = false;
    // What signs only without the pad (a typed name, where the pad is the one way) goes, and
    // is not sent either.
    form.querySelectorAll("[data-nojs]").forEach(function (element) {
      element.hidden = true;
      element.querySelectorAll("input").forEach(function (input) { input.disabled = true; });
    });
    // With a pad, typing the name stays possible, as the alternative under it.
    var typedName = form.querySelector("[data-typed-name]");
    if (typedName) padBox.parentNode.insertBefore(typedName, padBox.nextSibling);

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
    // A drawing put back into the form (a kept send being corrected) shows on the pad.
    stored.addEventListener("change", function () {
      pad.clear();
      if (stored.value) pad.fromDataURL(stored.value);
    });
    padBox.querySelector("[data-pad-clear]").addEventListener("click", function () {
      pad.clear();
      stored.value = "";
    });
    window.addEventListener("resize", fit);
    fit();
  });

  // A double tap sends once; coming back to the page makes it sendable again.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
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
  });
})();

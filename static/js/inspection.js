/* The inspection form's live behaviour: "All OK", readings checked as typed, and the note and
   photo of a failed item. signature.js adds the pad and one send per tap. Works without both. */
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
})();

/* The in-app scanner: the rear camera reads a QR label and Patrol opens what it names.

   Only this Patrol's own labels are followed: a QR that encodes <BASE_URL>/q/<code> (same
   scheme, host and port, path /q/ and a well-formed code), or a bare code. Anything else,
   another site, javascript:, a lookalike host, is shown as text and never opened.
   The browser's BarcodeDetector reads the code where it has one (Android Chrome); elsewhere
   (iOS Safari, Firefox) nimiq's qr-scanner from static/vendor/ is loaded on first use, so it
   weighs nothing on a browser that does not need it.

   Any page can scan: put {{ scanner_script() }} (templates/scan/_scanner.html) in its head,
   then

     var scan = window.patrolScanner.open({
       onCode: function (code, url) {  // code "4ZGV4P"; url: that code's page on this server
         return true;                  // true: keep scanning (count many items in a row);
       },                              // false: stop the camera
       container: element,             // optional: where the camera view goes; by default it
                                       // covers the page, with a Close button
       onClose: function () {}         // optional: called once the camera is stopped for good
     });
     scan.stop();                      // stop the camera and remove its view

   A code is reported once while it stays in view; it is reported again after it has been
   out of view for a moment, so a stocktake can count the next item, then come back.
   The camera is released when the page is left or hidden and taken again when it is shown.
   window.patrolScanner.decide(text, baseUrl) is the rule itself: the code to open, or null.

   An element with data-scanner is filled with a camera view when the page loads, and what
   it reads is opened at once: that is the /scan page. */
(function () {
  "use strict";

  var ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";  // app/models/code.py
  var CODE_LENGTH = 6;
  var SCANS_APART_MS = 150;
  var GONE_AFTER_MS = 1500;

  var script = document.currentScript;
  var config = {
    baseUrl: script.getAttribute("data-base-url"),
    door: script.getAttribute("data-door"),
    decoder: script.getAttribute("data-decoder"),
    messages: JSON.parse(script.getAttribute("data-messages"))
  };

  // What a person types in the code field, as stored (normalize_code in app/models/code.py).
  function normalizeCode(text) {
    var folded = text.normalize ? text.normalize("NFKC") : text;
    return folded.toUpperCase().replace(/[ \-_\t]/g, "");
  }

  function isWellFormed(code) {
    if (code.length !== CODE_LENGTH) return false;
    for (var i = 0; i < code.length; i++) {
      if (ALPHABET.indexOf(code.charAt(i)) < 0) return false;
    }
    return true;
  }

  // The code a scanned text leads to on this Patrol, or null when it must not be followed.
  function decide(text, baseUrl) {
    if (typeof text !== "string") return null;
    text = text.trim();
    var bare = normalizeCode(text);
    if (isWellFormed(bare)) return bare;
    var url, base;
    try {
      url = new URL(text);
      base = new URL(baseUrl);
    } catch (e) {
      return null;
    }
    if (url.protocol !== base.protocol || url.hostname !== base.hostname ||
        url.port !== base.port) return null;
    if (url.username || url.password || url.search || url.hash) return null;
    var prefix = base.pathname.replace(/\/+$/, "") + "/q/";
    if (url.pathname.indexOf(prefix) !== 0) return null;
    var code = url.pathname.slice(prefix.length);
    return isWellFormed(code) ? code : null;
  }

  function doorUrl(code) {
    return new URL(config.door + code, location.href).href;
  }

  function message(name, code) {
    return config.messages[name].replace("{code}", code || "");
  }

  // Why the camera did not start, as a message name.
  function cameraProblem(error) {
    switch (error && error.name) {
      case "NotAllowedError": case "PermissionDeniedError": case "SecurityError":
        return "refused";
      case "NotFoundError": case "DevicesNotFoundError": case "OverconstrainedError":
        return "no_camera";
      case "NotReadableError": case "TrackStartError": case "AbortError":
        return "busy";
    }
    return "failed";
  }

  // Why the camera cannot be asked for at all (then no decoder is loaded either), or null.
  function cameraOutOfReach() {
    // Plain HTTP on a LAN address is not a secure context: browsers hide the camera there.
    if (!window.isSecureContext) return "insecure";
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return "unsupported";
    return null;
  }

  function startCamera() {
    return navigator.mediaDevices.getUserMedia({
      video: {facingMode: {ideal: "environment"}}, audio: false
    }).catch(function (error) {
      throw {problem: cameraProblem(error)};
    });
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = src;
      tag.onload = resolve;
      tag.onerror = reject;
      document.head.appendChild(tag);
    });
  }

  // A decoder: read(video) -> Promise of the text of a QR code in view, or null; close().
  function nativeDecoder() {
    if (!("BarcodeDetector" in window)) return Promise.resolve(null);
    return Promise.resolve(BarcodeDetector.getSupportedFormats()).then(function (formats) {
      if (formats.indexOf("qr_code") < 0) return null;
      var detector = new BarcodeDetector({formats: ["qr_code"]});
      return {
        read: function (video) {
          return detector.detect(video).then(function (found) {
            return found.length ? found[0].rawValue : null;
          });
        },
        close: function () {}
      };
    }).catch(function () { return null; });
  }

  var vendorLoaded = null;

  function vendorDecoder() {
    vendorLoaded = vendorLoaded || loadScript(config.decoder).catch(function () {
      vendorLoaded = null;
      throw {problem: "decoder_failed"};
    });
    return vendorLoaded.then(function () {
      return window.QrScanner.createQrEngine().catch(function () {
        throw {problem: "decoder_failed"};
      });
    }).then(function (engine) {
      var canvas = document.createElement("canvas");
      return {
        read: function (video) {
          return window.QrScanner.scanImage(video, {
            qrEngine: engine, canvas: canvas, returnDetailedScanResult: true
          }).then(function (result) { return result.data; }, function () { return null; });
        },
        close: function () { if (engine.terminate) engine.terminate(); }
      };
    });
  }

  function makeDecoder() {
    return nativeDecoder().then(function (decoder) { return decoder || vendorDecoder(); });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function open(options) {
    var onCode = options.onCode;
    var overlay = null;
    var container = options.container;
    if (!container) {
      overlay = element("div", "scanner-overlay");
      container = element("div", "scanner");
      overlay.appendChild(container);
      document.body.appendChild(overlay);
    }
    container.hidden = false;
    container.textContent = "";

    var video = element("video");
    video.setAttribute("playsinline", "");
    video.setAttribute("aria-label", message("video"));
    video.muted = true;
    video.autoplay = true;
    video.hidden = true;
    var status = element("p", "scanner-status");
    status.setAttribute("role", "status");
    var foreign = element("div", "scanner-foreign");
    foreign.setAttribute("role", "alert");
    foreign.hidden = true;
    foreign.appendChild(element("p", "", message("foreign")));
    var foreignText = element("p", "scanner-text");
    foreign.appendChild(foreignText);
    var actions = element("div", "actions");
    var toggle = element("button");
    toggle.type = "button";
    actions.appendChild(toggle);
    container.appendChild(video);
    container.appendChild(status);
    container.appendChild(foreign);
    container.appendChild(actions);
    if (overlay) {
      var close = element("button", "", message("close"));
      close.type = "button";
      close.addEventListener("click", function () { session.stop(); });
      actions.appendChild(close);
    }

    var stream = null;
    var decoder = null;
    var timer = null;
    var running = false;  // wanted on: false after Stop, or once onCode said enough
    var finished = false;
    var attempt = 0;       // a start still pending when the camera is stopped is dropped
    var lastText = null;
    var lastSeen = 0;

    function show(text) {
      status.textContent = text;
    }

    function setToggle() {
      toggle.textContent = message(running ? "stop" : "start");
    }

    function release() {
      attempt++;
      clearTimeout(timer);
      timer = null;
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      video.srcObject = null;
      video.hidden = true;
    }

    function handle(text) {
      var now = Date.now();
      if (text === null) {
        if (lastText !== null && now - lastSeen > GONE_AFTER_MS) lastText = null;
        return;
      }
      lastSeen = now;
      if (text === lastText) return;
      lastText = text;
      var code = decide(text, config.baseUrl);
      if (code === null) {
        foreignText.textContent = text;
        foreign.hidden = false;
        return;
      }
      foreign.hidden = true;
      show(message("found", code));
      if (!onCode(code, doorUrl(code))) pause();
    }

    function scanSoon(mine) {
      timer = setTimeout(function () {
        if (mine !== attempt) return;
        var reading = video.readyState >= 2 ? decoder.read(video) : Promise.resolve(null);
        reading.catch(function () { return null; }).then(function (text) {
          if (mine !== attempt) return;
          handle(text);
          if (mine === attempt) scanSoon(mine);
        });
      }, SCANS_APART_MS);
    }

    function start() {
      running = true;
      setToggle();
      release();
      var mine = attempt;
      lastText = null;
      var outOfReach = cameraOutOfReach();
      if (outOfReach) {
        running = false;
        setToggle();
        toggle.hidden = true;
        show(message(outOfReach));
        return;
      }
      show(message("starting"));
      var camera = startCamera();
      var ready = decoder ? Promise.resolve(decoder) : makeDecoder();
      Promise.all([camera, ready]).then(function (got) {
        decoder = got[1];
        if (mine !== attempt) {
          got[0].getTracks().forEach(function (track) { track.stop(); });
          return;
        }
        stream = got[0];
        video.srcObject = stream;
        video.hidden = false;
        var playing = video.play();
        if (playing && playing.catch) playing.catch(function () {});
        show(message("scanning"));
        scanSoon(mine);
      }, function (error) {
        // The camera may have started when the decoder could not be loaded.
        camera.then(function (unused) {
          unused.getTracks().forEach(function (track) { track.stop(); });
        }, function () {});
        if (mine !== attempt) return;
        running = false;
        setToggle();
        release();
        show(message((error && error.problem) || "failed"));
      });
    }

    function pause() {
      running = false;
      setToggle();
      release();
    }

    function onVisibility() {
      if (document.hidden) {
        if (stream || running) release();
      } else if (running) {
        start();
      }
    }

    var session = {
      stop: function () {
        if (finished) return;
        finished = true;
        running = false;
        release();
        if (decoder) decoder.close();
        document.removeEventListener("visibilitychange", onVisibility);
        window.removeEventListener("pagehide", session.stop);
        if (overlay) overlay.parentNode.removeChild(overlay);
        else container.textContent = "";
        if (options.onClose) options.onClose();
      }
    };

    toggle.addEventListener("click", function () {
      if (running) {
        pause();
        show(message("stopped"));
      } else {
        start();
      }
    });
    document.addEventListener("visibilitychange", onVisibility);
    window.addEventListener("pagehide", session.stop);
    start();
    return session;
  }

  window.patrolScanner = {open: open, decide: decide};

  // The /scan page: open what is read, at once.
  function scanPage(container) {
    open({
      container: container,
      onCode: function (code, url) {
        location.assign(url);
        return false;
      }
    });
  }

  var page = document.querySelector("[data-scanner]");
  if (page) {
    scanPage(page);
    // Back from a code's page: the camera was released when the page was left.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) scanPage(page);
    });
  }
})();

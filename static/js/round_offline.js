/* Today's "Take today's round offline": the pages of the round (each plate, its checks and
   what they lead to, app/offline/round.py) are kept on the phone, three at a time, under the
   address asked for, for the service worker to show without a network. Says when it was
   taken, and what could not be. */
(() => {
  "use strict";
  const taker = document.querySelector("[data-take-offline]");
  const textNode = document.getElementById("patrol-text");
  if (!taker || !textNode || !window.caches) return;
  const { PAGES_CACHE, PAGES_OWNER, HEADERS } = PatrolOutbox;
  const TOGETHER = 3;
  const text = JSON.parse(textNode.textContent);
  const user = document.body.getAttribute("data-user") || "";
  const status = taker.querySelector("[data-taken]");
  const button = taker.querySelector("button");

  const say = (template, values) => template.replace(/\{(\w+)\}/g, (whole, name) => values[name]);

  function showTaken() {
    const taken = JSON.parse(localStorage.getItem("patrol-round") || "null");
    if (!taken || taken.user !== user) return;
    const at = new Date(taken.at);
    status.textContent = say(text.taken, {
      num: taken.count,
      time: at.toLocaleString(document.documentElement.lang, { dateStyle: "medium", timeStyle: "short" })
    }) + (taken.failed ? " " + say(text.not_taken, { num: taken.failed }) : "") +
      (taken.left_out ? " " + say(text.left_out, { num: taken.left_out }) : "");
  }

  async function take() {
    const response = await fetch(taker.getAttribute("data-round-url"), { credentials: "same-origin", headers: HEADERS });
    if (!response.ok) throw new Error(response.status);
    const round = await response.json();
    const cache = await caches.open(PAGES_CACHE);
    const queue = round.urls.slice();
    let count = 0;
    let failed = 0;
    async function keepNext() {
      for (let url = queue.shift(); url; url = queue.shift()) {
        try {
          const page = await fetch(url, { credentials: "same-origin", cache: "no-store" });
          if (!page.ok) throw new Error(page.status);
          const type = page.headers.get("Content-Type") || "text/html; charset=utf-8";
          // Kept under the address asked for (a plate's /q/<code>), whatever it led to.
          const body = await page.blob();
          await cache.put(url, new Response(body, { status: 200, headers: { "Content-Type": type } }));
          count += 1;
          status.textContent = say(text.taking_count, { done: count, total: round.urls.length });
        } catch {
          failed += 1;
        }
      }
    }
    await Promise.all(Array.from({ length: TOGETHER }, keepNext));
    localStorage.setItem("patrol-round", JSON.stringify({
      user, count, failed, left_out: round.left_out, at: new Date().toISOString()
    }));
    localStorage.setItem(PAGES_OWNER, user);
  }

  taker.hidden = false;
  showTaken();
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = text.taking;
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist();
    try {
      await take();
      showTaken();
    } catch {
      status.textContent = text.take_failed;
    }
    button.disabled = false;
  });
})();

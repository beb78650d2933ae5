// The consultation button. Each press is stored in localStorage first, with its own id and
// the moment it was made, then sent; presses made offline wait there and go out, with their
// original times, when the network is back. Re-sending is harmless: the server keeps one
// consultation per id.
(function () {
  "use strict";
  const page = document.querySelector(".button-page");
  const key = page.dataset.queueKey;
  const csrf = page.querySelector("input[name=csrfmiddlewaretoken]").value;
  const todayEl = document.getElementById("today");
  const queueEl = document.getElementById("queue");
  const queuedEl = document.getElementById("queued");
  const problemEl = document.getElementById("problem");
  let serverToday = Number(page.dataset.today);
  let sending = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function save(queue) { localStorage.setItem(key, JSON.stringify(queue)); }

  function newId() {
    // crypto.randomUUID needs a secure context; a tablet on the shop's LAN may not be one.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return "btn-" + Array.from(bytes, b => b.toString(16).padStart(2, "0")).join("");
  }

  function show() {
    const queue = load();
    todayEl.textContent = String(serverToday + queue.length);
    queuedEl.textContent = String(queue.length);
    queueEl.hidden = queue.length === 0;
  }

  async function flush() {
    const queue = load();
    if (sending || queue.length === 0) return;
    sending = true;
    try {
      const response = await fetch(page.dataset.endpoint, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify(queue),
      });
      if (response.status === 200 || response.status === 422) {
        const body = await response.json();
        // Sent presses leave the queue; those pressed meanwhile stay for the next round.
        const sent = new Set(queue.map(p => p.id));
        save(load().filter(p => !sent.has(p.id)));
        serverToday = body.today;
        problemEl.hidden = body.rejected === 0;
        problemEl.textContent = body.rejections.map(r => r.message).join("; ");
      } else {
        problemEl.hidden = false;
        problemEl.textContent = "HTTP " + response.status;
      }
    } catch (e) {
      // Offline: the presses stay queued and go out on the next try.
    } finally {
      sending = false;
      show();
    }
  }

  document.getElementById("press").addEventListener("click", function () {
    const queue = load();
    queue.push({ id: newId(), started_at: new Date().toISOString() });
    save(queue);
    show();
    flush();
  });
  window.addEventListener("online", flush);
  setInterval(flush, 5000);
  show();
  flush();
})();

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
  const endEl = document.getElementById("end");
  const lastKey = key + "-last";
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

  function sentKey(press) { return press.id + "|" + (press.ended_at || ""); }

  function show() {
    const queue = load();
    // An end sent for a consultation already counted is not another consultation.
    todayEl.textContent = String(serverToday + queue.filter(p => !p.endOnly).length);
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
        body: JSON.stringify(queue.map(({ endOnly, ...press }) => press)),
      });
      if (response.status === 200 || response.status === 422) {
        const body = await response.json();
        // Sent presses leave the queue; those pressed or ended meanwhile stay for the next.
        const sent = new Set(queue.map(sentKey));
        save(load().filter(p => !sent.has(sentKey(p))));
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
    const press = { id: newId(), started_at: new Date().toISOString() };
    queue.push(press);
    save(queue);
    localStorage.setItem(lastKey, JSON.stringify(press));
    endEl.hidden = false;
    show();
    flush();
  });

  // "Ended": the last consultation is sent again with its end; the server adds the end.
  endEl.addEventListener("click", function () {
    const last = JSON.parse(localStorage.getItem(lastKey) || "null");
    if (!last) return;
    const ended = { id: last.id, started_at: last.started_at, ended_at: new Date().toISOString() };
    const queue = load();
    const waiting = queue.find(p => p.id === last.id && !p.ended_at);
    if (waiting) waiting.ended_at = ended.ended_at; else queue.push({ ...ended, endOnly: true });
    save(queue);
    localStorage.removeItem(lastKey);
    endEl.hidden = true;
    show();
    flush();
  });
  endEl.hidden = !localStorage.getItem(lastKey);
  window.addEventListener("online", flush);
  setInterval(flush, 5000);
  show();
  flush();
})();

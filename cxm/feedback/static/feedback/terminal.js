/* CXM feedback terminal: one question, one press. Presses are queued on the tablet with their
   own time and sent when the network allows; a press right after another is ignored. */
(function () {
  "use strict";
  var root = document.getElementById("terminal");
  var api = root.dataset.api;
  var TOKEN = "cxm-terminal-token", QUEUE = "cxm-terminal-queue";
  var SELLER_WAIT_MS = 8000, THANKS_MS = 2500, FLUSH_MS = 5000;
  var NEGATIVE = { poor: true, bad: true, dislike: true };
  var setup = null, pending = null, lastPress = 0, timer = null;

  function token() {
    var m = location.hash.match(/token=(cxmd_[\w-]+)/);
    if (m) {
      localStorage.setItem(TOKEN, m[1]);
      history.replaceState(null, "", location.pathname + location.search);
    }
    return localStorage.getItem(TOKEN);
  }

  function show(name) {
    root.querySelectorAll("[data-screen]").forEach(function (s) { s.hidden = s.dataset.screen !== name; });
  }

  function queue() { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); }
  function saveQueue(items) {
    localStorage.setItem(QUEUE, JSON.stringify(items));
    root.querySelector("[data-queued]").textContent = items.length;
  }

  function newId() {
    return "t-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  }

  function headers() {
    return { "Authorization": "Bearer " + token(), "Content-Type": "application/json" };
  }

  function flush() {
    var items = queue();
    if (!items.length || !token()) return Promise.resolve();
    return fetch(api + "devices/events/presses", { method: "POST", headers: headers(), body: JSON.stringify(items) })
      .then(function (r) {
        // 200 or 422: the server has judged every record (kept, duplicate or rejected);
        // anything else (network, 5xx) keeps the queue for the next try.
        if (r.status === 200 || r.status === 422) {
          var sent = {};
          items.forEach(function (i) { sent[i.id] = true; });
          saveQueue(queue().filter(function (i) { return !sent[i.id]; }));
        }
      })
      .catch(function () { /* offline: keep the queue */ });
  }

  function enqueue(record) {
    var items = queue();
    items.push(record);
    saveQueue(items);
    flush();
  }

  function askSeller() {
    clearTimeout(timer);
    if (setup.sellers.length) {
      show("seller");
      timer = setTimeout(function () { finish(null); }, SELLER_WAIT_MS);
    } else {
      finish(null);
    }
  }

  function finish(seller) {
    clearTimeout(timer);
    if (!pending) return;
    if (seller) pending.seller = seller;
    enqueue(pending);
    pending = null;
    show("thanks");
    timer = setTimeout(function () { show("ask"); }, THANKS_MS);
  }

  function press(button) {
    var now = Date.now();
    // Repeat presses within the chain's interval are ignored here and again on the server.
    if (pending || now - lastPress < setup.repeat_seconds * 1000) return;
    lastPress = now;
    pending = { id: newId(), at: new Date(now).toISOString(), button: button, terminal: setup.terminal };
    if (NEGATIVE[button]) {
      // One follow-up question after a negative press, then the seller.
      show("reason");
      timer = setTimeout(askSeller, SELLER_WAIT_MS);
    } else {
      askSeller();
    }
  }

  function render() {
    root.querySelector(".store-name").textContent = setup.store_name;
    var box = root.querySelector(".sellers");
    box.textContent = "";
    setup.sellers.forEach(function (s) {
      var b = document.createElement("button");
      b.textContent = s.name;
      b.dataset.seller = s.code;
      b.addEventListener("click", function () { finish(s.code); });
      box.appendChild(b);
    });
    root.querySelectorAll("[data-button]").forEach(function (b) {
      b.addEventListener("click", function () { press(b.dataset.button); });
    });
    root.querySelectorAll("[data-reason]").forEach(function (b) {
      b.addEventListener("click", function () { if (pending) pending.reason = b.dataset.reason; askSeller(); });
    });
    root.querySelector("[data-screen=seller] [data-skip]").addEventListener("click", function () { finish(null); });
    root.querySelector("[data-screen=reason] [data-skip]").addEventListener("click", askSeller);
    show("ask");
  }

  function start() {
    saveQueue(queue());
    if (!token()) { show("setup"); return; }
    fetch(api + "feedback/terminal", { headers: headers() })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        setup = data;
        localStorage.setItem("cxm-terminal-setup", JSON.stringify(data));
        render();
      })
      .catch(function () {
        // Started offline: the last known screen still takes presses.
        setup = JSON.parse(localStorage.getItem("cxm-terminal-setup") || "null");
        if (setup) render(); else show("setup");
      });
    setInterval(flush, FLUSH_MS);
    window.addEventListener("online", flush);
  }

  start();
})();

// The phone's outbox (离线待发送): a form marked data-offline-queue that cannot reach the server
// (no signal) is kept on the phone, photos included (IndexedDB), and sent when the signal
// returns: on the "online" event, on every page load and every 30 s. The inspector's report
// carries a key made when the form opened (client_key), so a report sent twice is one case.
// Every page shows how many wait ("2 条待发送") with a button to send them now.
(function () {
  "use strict";
  if (!window.indexedDB || !window.fetch) { return; }
  var DB = "cityops-offline", STORE = "outbox";
  var box = document.getElementById("outbox");
  var user = box ? box.dataset.user : "";  // items wait for the person who made them

  function db() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function store(mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(STORE, mode);
        var result = work(t.objectStore(STORE));
        t.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function all() { return store("readonly", function (s) { return s.getAll(); }); }
  function put(item) { return store("readwrite", function (s) { return s.put(item); }); }
  function remove(id) { return store("readwrite", function (s) { return s.delete(id); }); }

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) { return input.value; }
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function toItem(url, data, label) {
    var fields = [], files = [];
    data.forEach(function (value, name) {
      if (value instanceof Blob) { if (value.size) { files.push([name, value, value.name || "photo.jpg"]); } }
      else { fields.push([name, value]); }
    });
    return { url: url, user: user, fields: fields, files: files, label: label, created: new Date().toISOString(), error: "" };
  }
  function toForm(item) {
    var data = new FormData();
    item.fields.forEach(function (f) { data.append(f[0], f[0] === "csrfmiddlewaretoken" ? csrf() || f[1] : f[1]); });
    item.files.forEach(function (f) { data.append(f[0], f[1], f[2]); });
    return data;
  }
  function post(url, data) {
    return fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { "X-Requested-With": "offline-queue" } });
  }
  // Accepted only on the server's explicit yes (201 JSON); a redirect may be to the login
  // page. Worth retrying later: no answer, a server error, a refused session (403: CSRF after
  // a new login) or the login page. Anything else (the form again, 4xx): refused, shown.
  function outcome(resp) {
    if (resp.status === 201) { return "accepted"; }
    if (resp.status >= 500 || resp.status === 403 || resp.status === 429) { return "retry"; }
    if (resp.redirected && resp.url.indexOf("/login/") !== -1) { return "retry"; }
    return "refused";
  }
  // The server's JSON answer to the outbox ({ok, message, url}), or null for an HTML page.
  function answerOf(resp) {
    var json = (resp.headers.get("Content-Type") || "").indexOf("application/json") === 0;
    return json ? resp.clone().json().catch(function () { return null; }) : Promise.resolve(null);
  }
  function mine(items) { return items.filter(function (i) { return (i.user || "") === user; }); }

  function show() {
    if (!box) { return Promise.resolve(); }
    return all().then(function (items) {
      items = mine(items);
      var waiting = items.filter(function (i) { return !i.error; }).length;
      var refused = items.filter(function (i) { return i.error; });
      box.hidden = items.length === 0;
      box.dataset.count = String(waiting);
      box.querySelector(".count").textContent = box.dataset.pending.replace("{n}", waiting);
      var list = box.querySelector(".refused");
      list.innerHTML = "";
      refused.forEach(function (i) {
        var li = document.createElement("li");
        li.textContent = (i.label || i.url) + " — " + i.error + " ";
        var drop = document.createElement("button");
        drop.type = "button"; drop.className = "link"; drop.textContent = box.dataset.discard;
        drop.addEventListener("click", function () { remove(i.id).then(show); });
        li.appendChild(drop);
        list.appendChild(li);
      });
    }).catch(function () {});
  }

  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine) { return Promise.resolve(); }
    flushing = true;
    return all().then(function (items) {
      var chain = Promise.resolve();
      mine(items).filter(function (i) { return !i.error; }).forEach(function (item) {
        chain = chain.then(function () {
          return post(item.url, toForm(item)).then(function (resp) {
            var result = outcome(resp);
            if (result === "accepted") { return remove(item.id); }
            if (result === "retry") { throw new Error("later"); }  // keep it and the rest
            return answerOf(resp).then(function (answer) {
              item.error = (answer && answer.message) || (box ? box.dataset.refused.replace("{status}", resp.status) : String(resp.status));
              return put(item);
            });
          });
        });
      });
      return chain;
    }).catch(function () { /* still no signal: the rest stays queued */ })
      .then(function () { flushing = false; return show(); });
  }

  // Forms that may be queued.
  document.querySelectorAll("form[data-offline-queue]").forEach(function (form) {
    var key = form.querySelector("input[name=client_key]");
    function newKey() {
      if (key) { key.value = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + "-" + Math.random().toString(16).slice(2)); }
    }
    if (key && !key.value) { newKey(); }
    form.addEventListener("submit", function (ev) {
      if (!form.checkValidity()) { return; }
      ev.preventDefault();
      var url = form.getAttribute("action") || location.href;
      var data = new FormData(form);
      var label = form.dataset.offlineLabel || document.title;
      var saved = function () {
        return put(toItem(url, data, label)).then(function () {
          var note = document.getElementById("offline-saved");
          if (note) { note.hidden = false; }
          form.reset(); newKey();
          return show();
        });
      };
      if (!navigator.onLine) { saved(); return; }
      post(url, data).then(function (resp) {
        var result = outcome(resp);
        if (result === "retry" && resp.status !== 403 && !resp.redirected) { return saved(); }
        return answerOf(resp).then(function (answer) {
          // Done or refused, the page it names shows the message (the server kept it).
          if (answer && answer.url) { location.href = answer.url; return; }
          return resp.text().then(function (html) { document.open(); document.write(html); document.close(); });
        });
      }, saved);
    });
  });

  if (box) {
    box.querySelector(".send").addEventListener("click", flush);
  }
  // Logging out: the pages the service worker kept were this person's; nobody else reads them
  // offline. (Queued items stay, waiting for the same person to log in again.)
  document.querySelectorAll("form[action$='/logout/']").forEach(function (form) {
    form.addEventListener("submit", function () {
      if (window.caches) { caches.keys().then(function (keys) { keys.forEach(function (k) { caches.delete(k); }); }); }
    });
  });
  window.addEventListener("online", flush);
  setInterval(flush, 30000);
  window.cityopsOutbox = { flush: flush, all: all };
  show().then(flush);
})();

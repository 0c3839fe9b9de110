// The cockpit (决策舱): polls /api/v1/cockpit every POLL_MS with If-None-Match; a 304 costs no
// body and no redraw. A lost server is retried with a growing pause (never more than 15 s),
// and the screen recovers by itself when it answers again. Nothing accumulates: every tile is
// redrawn in place and the map's layers are cleared before they are filled.
(function () {
  "use strict";
  var POLL_MS = 2000;
  var TEXT = JSON.parse(document.getElementById("cockpit-text").textContent);
  var live = document.getElementById("live");
  var etag = null;
  var failures = 0;
  var seen = {};  // case numbers already shown, to flash the new ones
  var first = true;

  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function num(v, digits) { return v === null || v === undefined ? "—" : Number(v).toFixed(digits === undefined ? 1 : digits); }
  function pct(v) { return v === null || v === undefined ? "—" : Number(v).toFixed(1) + "%"; }  // rates come in per cent
  function late(hours) { return hours === null ? "—" : hours >= 48 ? (hours / 24).toFixed(1) + TEXT.days : hours.toFixed(1) + TEXT.hours; }
  function body(id) { return document.querySelector("#" + id + " .body"); }
  function link(url, html, cls) { return '<a href="' + esc(url) + '"' + (cls ? ' class="' + cls + '"' : "") + ">" + html + "</a>"; }

  // --- clock ---------------------------------------------------------------------------------
  // The city's time (settings.TIME_ZONE), as every time on the screen, wherever the wall is.
  var clock = document.getElementById("clock");
  var clockOptions = { hour12: false };
  if (clock.dataset.timeZone) { clockOptions.timeZone = clock.dataset.timeZone; }
  function tick() {
    var d = new Date();
    try { clock.textContent = d.toLocaleString(document.documentElement.lang || "zh-CN", clockOptions); }
    catch (e) { clock.textContent = d.toLocaleString(); }  // an unknown zone name
  }
  tick(); setInterval(tick, 1000);

  // --- map -----------------------------------------------------------------------------------
  var mapEl = document.getElementById("cockpit-map");
  var crs = mapEl.dataset.crs || "wgs84";
  var map = L.map(mapEl, { zoomControl: false, attributionControl: false, preferCanvas: true, zoomSnap: 0.25 });
  map.setView([29.87, 121.55], 11);
  if (mapEl.dataset.tileUrl) { L.tileLayer(mapEl.dataset.tileUrl, { attribution: mapEl.dataset.tileAttribution || "" }).addTo(map); }
  window.cockpitMap = map;
  var BAND = { blue: "#3b82f6", green: "#22c55e", yellow: "#eab308", orange: "#f97316", red: "#ef4444" };
  var areas = L.layerGroup().addTo(map), labels = L.layerGroup().addTo(map);
  var clusters = L.layerGroup().addTo(map), pulses = L.layerGroup().addTo(map);
  fetch("/api/v1/map/areas?level=district&crs=" + crs, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (fc) {
    var layer = L.geoJSON(fc, {
      style: function (f) { var i = f.properties.index; return { color: "#5fa8ff", weight: 1.6, fillColor: (i && BAND[i.band]) || "#1e3a5f", fillOpacity: 0.25 }; },
      onEachFeature: function (f, lyr) {
        L.marker(lyr.getBounds().getCenter(), { interactive: false, icon: L.divIcon({ className: "area-label", html: esc(f.properties.name), iconSize: null }) }).addTo(labels);
      }
    }).addTo(areas);
    if (fc.features.length) { map.fitBounds(layer.getBounds(), { padding: [10, 10], animate: false }); }
    drawClusters();
  }).catch(function () {});
  function drawClusters() {
    var b = map.getBounds();
    var q = "bbox=" + [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(",") + "&zoom=" + Math.round(map.getZoom()) + "&crs=" + crs;
    fetch("/api/v1/map/cases?" + q, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      clusters.clearLayers();
      data.cells.forEach(function (c) {
        var colour = c.red ? "#ef4444" : c.yellow ? "#eab308" : c.green ? "#22c55e" : "#64748b";
        L.circleMarker([c.lat, c.lon], { radius: 4 + Math.min(14, Math.sqrt(c.n) * 2), stroke: false, fillColor: colour, fillOpacity: 0.75 }).addTo(clusters);
      });
      data.points.forEach(function (p) {
        L.circleMarker([p.lat, p.lon], { radius: 4, stroke: false, fillColor: p.light === "red" ? "#ef4444" : p.light === "yellow" ? "#eab308" : "#22c55e", fillOpacity: 0.9 }).addTo(clusters);
      });
    }).catch(function () {});
  }

  // --- chart ---------------------------------------------------------------------------------
  var chart = null;
  function drawTrend(t) {
    var el = document.getElementById("trend-chart");
    if (!window.echarts || !t) { return; }
    if (!chart) { chart = echarts.init(el, null, { renderer: "canvas" }); window.addEventListener("resize", function () { chart.resize(); }); }
    var font = parseFloat(getComputedStyle(document.documentElement).fontSize) * 0.75;
    chart.setOption({
      animation: false,
      grid: { left: font * 3, right: font, top: font * 2.2, bottom: font * 1.8 },
      legend: { top: 0, textStyle: { color: "#9fb7d6", fontSize: font }, data: [t.label_reported, t.label_closed] },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: t.days, axisLabel: { color: "#7f9bbd", fontSize: font * 0.9 }, axisLine: { lineStyle: { color: "#1e4b80" } } },
      yAxis: { type: "value", axisLabel: { color: "#7f9bbd", fontSize: font * 0.9 }, splitLine: { lineStyle: { color: "#12304f" } } },
      series: [
        { name: t.label_reported, type: "line", data: t.reported, smooth: true, symbol: "none", lineStyle: { color: "#38bdf8", width: 2 }, areaStyle: { color: "#38bdf822" } },
        { name: t.label_closed, type: "line", data: t.closed, smooth: true, symbol: "none", lineStyle: { color: "#4ade80", width: 2 } }
      ]
    }, true);
  }

  // --- tiles ---------------------------------------------------------------------------------
  function drawIndex(i) {
    var el = body("tile-index");
    if (!i) { el.innerHTML = '<p class="empty">' + esc(TEXT.no_index) + "</p>"; return; }
    var goals = i.goals.map(function (g) {
      return link(g.url, "<b class=\"t-" + esc(g.band) + '">' + num(g.score) + "</b><span>" + esc(g.name) + "</span>", "goal b-" + esc(g.band));
    }).join("");
    el.innerHTML = '<div class="index-head">' + link(i.url, '<span class="big t-' + esc(i.band) + '">' + num(i.score) + "</span>") +
      '<span class="band c-' + esc(i.band) + '">' + esc(TEXT.bands[i.band] || "") + "</span><small>" + esc(i.area) + " · " + esc(i.day) + "</small></div>" +
      '<div class="goals">' + goals + "</div>";
  }
  function drawIntake(d) {
    var rows = d.sources.map(function (s) { return link(s.url, "<span>" + esc(s.label) + "</span><b>" + s.n + "</b>", s.n ? "" : "zero"); }).join("");
    body("tile-intake").innerHTML = '<div class="intake-total">' + link(d.url, '<span class="big" id="intake-total">' + d.total + "</span>") +
      "<span>" + esc(TEXT.cases_today) + "</span></div><div class=\"sources\">" + rows + "</div>";
  }
  function drawLights(d) {
    var cell = function (key, label, url) { return link(url || d.urls.total, "<b>" + d[key] + "</b>" + esc(label), key); };
    body("tile-lights").innerHTML = '<div class="lights">' + cell("red", TEXT.red, d.urls.red) + cell("yellow", TEXT.yellow, d.urls.yellow) +
      cell("green", TEXT.green, d.urls.green) + cell("waiting", TEXT.waiting) + "</div>" +
      '<p class="open-total">' + link(d.urls.total, esc(TEXT.open_total) + " <b>" + d.total + "</b>") + "</p>";
  }
  // 处置指挥一键通: 督办 on a red case in two clicks (the button, then send with the note
  // written for it, which the operator may change).
  var token = document.querySelector("#supervise-token input[name=csrfmiddlewaretoken]");
  var supervised = {};
  function drawRed(rows) {
    var el = body("tile-red");
    if (el.querySelector(".supervise-form")) { return; }  // not while someone is writing a note
    el.innerHTML = rows.length ? '<ol class="rows">' + rows.map(function (r) {
      var act = !token ? "" : supervised[r.number] ? '<span class="done">' + esc(TEXT.supervised) + "</span>"
        : '<button type="button" class="supervise" data-number="' + esc(r.number) + '" data-url="' + esc(r.supervise_url) + '">' + esc(TEXT.supervise) + "</button>";
      return '<li data-number="' + esc(r.number) + '">' + link(r.url, esc(r.number) + " " + esc(r.category), "main") + '<span class="hot">' + esc(late(r.overdue_hours)) + "</span>" +
        '<span class="sub">' + esc(r.departments.join("、")) + " · " + esc(r.address) + " " + act + "</span></li>";
    }).join("") + "</ol>" : '<p class="empty">' + esc(TEXT.no_red) + "</p>";
  }
  function post(url, data) {
    data.append("csrfmiddlewaretoken", token.value);
    return fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); });
  }
  // One inline form under a row (a note to send, or a question to confirm), sent as the
  // row's button says; the answer replaces it. One at a time per row.
  function inlineForm(row, fields, url, within, onOk) {
    var form = document.createElement("form");
    form.className = "supervise-form";
    form.innerHTML = fields + '<button type="button" class="cancel">' + esc(TEXT.cancel) + "</button>";
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var data = new FormData(form);
      if (within) { data.append("within", within); }
      post(url, data).then(function (answer) {
        if (answer.ok && onOk) { onOk(); }
        var text = answer.ok && answer.url ? link(answer.url, esc(answer.message)) : esc(answer.message);
        form.outerHTML = '<span class="' + (answer.ok ? "done" : "failed") + '">' + text + "</span>";
      }).catch(function () { form.remove(); });
    });
    form.querySelector(".cancel").addEventListener("click", function () { form.remove(); });
    row.appendChild(form);
    (form.querySelector("input") || form.querySelector("button[type=submit]")).focus();
  }
  function onAct(ev) {
    var button = ev.target.closest("button.to-case, button.supervise");
    var row = button && button.closest("li");
    if (!row || row.querySelector("form")) { return; }
    if (button.classList.contains("to-case")) {
      // 转立案: the button, then "open it" (two clicks); the row then links to the case.
      inlineForm(row, "<span>" + esc(TEXT.to_case_ask) + '</span><button type="submit">' + esc(TEXT.to_case_send) + "</button>",
        button.dataset.url, "", null);
      return;
    }
    inlineForm(row, '<input name="note" maxlength="300" required value="' + esc(TEXT.supervise_note) + '"><button type="submit">' + esc(TEXT.send) + "</button>",
      button.dataset.url, "24", function () { supervised[button.dataset.number] = true; });
  }
  body("tile-red").addEventListener("click", onAct);
  body("tile-alarms").addEventListener("click", onAct);
  // An alarm row: 督办 its case, or 转立案 when it has none (and the user may).
  function alarmAct(r) {
    if (!token) { return ""; }
    if (r.case) {
      var pressed = supervised[r.case] ? '<span class="done">' + esc(TEXT.supervised) + "</span>"
        : '<button type="button" class="supervise" data-number="' + esc(r.case) + '" data-url="' + esc(r.supervise_url) + '">' + esc(TEXT.supervise) + "</button>";
      return " " + link(r.case_url, esc(r.case)) + " " + pressed;
    }
    return r.to_case_url ? ' <button type="button" class="to-case" data-url="' + esc(r.to_case_url) + '">' + esc(TEXT.to_case) + "</button>" : "";
  }
  function drawAlarms(a) {
    var el = body("tile-alarms");
    if (el.querySelector(".supervise-form")) { return; }  // not while someone is deciding
    el.innerHTML = '<p class="open-total">' + link(a.url, esc(TEXT.open_alarms) + " <b>" + a.open + "</b>") + "</p>" +
      (a.rows.length ? '<ul class="rows">' + a.rows.map(function (r) {
        return '<li data-alarm="' + esc(r.id) + '">' + link(r.url, esc(r.device) + " · " + esc(r.rule || r.type), "main") + '<span class="sev-' + esc(r.severity) + '">' + esc(r.severity_label) + "</span>" +
          '<span class="sub">' + esc(r.type) + " · " + esc(r.started_at) + alarmAct(r) + "</span></li>";
      }).join("") + "</ul>" : "");
  }
  function drawNew(rows) {
    var el = body("tile-new");
    el.innerHTML = rows.length ? '<ul class="rows" id="new-cases">' + rows.map(function (r) {
      var fresh = !first && !seen[r.number];
      return '<li data-number="' + esc(r.number) + '"' + (fresh ? ' class="fresh"' : "") + ">" + link(r.url, esc(r.number) + " " + esc(r.category), "main") +
        "<span>" + esc(r.reported_at) + '</span><span class="sub">' + esc(r.source) + " · " + esc(r.address) + "</span></li>";
    }).join("") + "</ul>" : '<p class="empty">' + esc(TEXT.no_new) + "</p>";
    pulses.clearLayers();
    var shown = {};
    rows.forEach(function (r) {
      if (r.lat !== null && r.lon !== null && (!first && !seen[r.number])) {
        L.marker([r.lat, r.lon], { interactive: false, icon: L.divIcon({ className: "", html: '<div class="pulse"></div>', iconSize: null }) }).addTo(pulses);
      }
      shown[r.number] = true;
    });
    seen = shown;  // only what is on the list: a screen open for days keeps no history
  }
  function drawFleet(f) {
    body("tile-fleet").innerHTML = '<div class="fleet">' + link(f.url, "<b>" + f.vehicles_online + "<small>/" + f.vehicles + "</small></b>" + esc(TEXT.vehicles)) +
      link(f.url, "<b>" + f.badges_online + "<small>/" + f.badges + "</small></b>" + esc(TEXT.workers)) + "</div>";
  }
  function drawRanking(r) {
    var el = body("tile-ranking");
    if (!r || !r.top.length) { el.innerHTML = '<p class="empty">' + esc(TEXT.no_ranking) + "</p>"; return; }
    var list = function (rows, cls) { return "<ol>" + rows.map(function (x) { return "<li><span>" + esc(x.name) + '</span><b class="' + cls + '">' + pct(x.on_time_rate) + "</b></li>"; }).join("") + "</ol>"; };
    el.innerHTML = '<div class="ranking"><div><h3>' + link(r.url, esc(TEXT.best) + " · " + esc(r.month)) + "</h3>" + list(r.top, "good") + "</div>" +
      "<div><h3>" + link(r.url, esc(TEXT.worst)) + "</h3>" + list(r.bottom, "bad") + "</div></div>";
  }

  function render(d) {
    drawIndex(d.index); drawIntake(d.intake); drawLights(d.lights); drawRed(d.red_cases);
    drawAlarms(d.alarms); drawNew(d.new_cases); drawFleet(d.fleet); drawRanking(d.ranking); drawTrend(d.trend);
    // Remember a 督办 only while its case is on a list (memory stays flat over days).
    var listed = {};
    d.red_cases.forEach(function (r) { listed[r.number] = true; });
    d.alarms.rows.forEach(function (r) { if (r.case) { listed[r.case] = true; } });
    Object.keys(supervised).forEach(function (n) { if (!listed[n]) { delete supervised[n]; } });
    document.body.dataset.generated = d.generated_at;
    first = false;
  }

  // --- polling -------------------------------------------------------------------------------
  var lastDraw = 0;
  function poll() {
    var headers = { Accept: "application/json" };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch("/api/v1/cockpit", { credentials: "same-origin", headers: headers, cache: "no-store" }).then(function (r) {
      if (r.status === 304) { return null; }
      if (r.status === 401 || r.status === 403) { window.location.reload(); return null; }
      if (!r.ok) { throw new Error(String(r.status)); }
      etag = r.headers.get("ETag");
      return r.json();
    }).then(function (d) {
      failures = 0;
      live.dataset.state = "live";
      live.textContent = TEXT.live;
      if (d) {
        render(d);
        if (Date.now() - lastDraw > 30000) { drawClusters(); lastDraw = Date.now(); }
      }
      var polls = Number(document.body.dataset.polls || 0) + 1;
      document.body.dataset.polls = String(polls);
      // Each poll leaves a resource-timing entry; a wall open for days does not keep them.
      if (polls % 100 === 0 && window.performance && performance.clearResourceTimings) { performance.clearResourceTimings(); }
      setTimeout(poll, POLL_MS);
    }).catch(function () {
      failures += 1;
      live.dataset.state = "lost";
      live.textContent = TEXT.lost;
      setTimeout(poll, Math.min(15000, POLL_MS * Math.pow(2, Math.min(failures, 3))));
    });
  }
  poll();
})();

// Vehicle track playback: a day's positions on Leaflet with a time slider and play/pause.
// Works offline: the base layer is the unit grids from the database; tiles only if configured.
(function () {
  "use strict";
  var el = document.getElementById("track-map");
  if (!el || !window.L) { return; }
  var status = document.getElementById("map-status");
  var play = document.getElementById("play");
  var scrub = document.getElementById("scrub");
  var clock = document.getElementById("clock");
  var speedOut = document.getElementById("speed");
  var rate = document.getElementById("rate");
  var TICK_MS = 100;

  var map = L.map(el, { preferCanvas: true, zoomSnap: 0.25, fadeAnimation: false });
  map.setView([29.87, 121.55], 12);
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(url + " -> " + r.status); } return r.json(); });
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function timeText(ms) {
    // Shown in the browser's local time; the server's day is Asia/Shanghai.
    var d = new Date(ms);
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }

  var grids = fetchJson(el.dataset.gridsUrl).then(function (fc) {
    L.geoJSON(fc, { style: { color: "#64748b", weight: 0.6, fillColor: "#cbd5e1", fillOpacity: 0.25 }, interactive: false }).addTo(map);
    return fc;
  });

  var track = fetchJson(el.dataset.trackUrl).then(function (data) {
    L.geoJSON(data.fences, {
      style: function (f) {
        return f.properties.kind === "approved_route"
          ? { color: "#2563eb", weight: 6, opacity: 0.35, dashArray: "8 6" }
          : { color: "#b91c1c", weight: 2, fillColor: "#ef4444", fillOpacity: 0.2 };
      },
      onEachFeature: function (f, lyr) {
        var label = f.properties.kind === "approved_route" ? el.dataset.labelRoute : el.dataset.labelZone;
        lyr.bindTooltip(label + ": " + f.properties.name + (f.properties.hours ? " (" + f.properties.hours + ")" : ""));
      }
    }).addTo(map);
    var pts = data.points;
    el.dataset.points = String(pts.length);
    if (!pts.length) { status.textContent = el.dataset.labelEmpty; return; }
    var latlngs = pts.map(function (p) { return [p[2], p[1]]; });
    L.polyline(latlngs, { color: "#94a3b8", weight: 3 }).addTo(map);
    var done = L.polyline([], { color: "#0f5fa8", weight: 4 }).addTo(map);
    var marker = L.circleMarker(latlngs[0], { radius: 8, color: "#0f172a", weight: 2, fillColor: "#f59e0b", fillOpacity: 1 }).addTo(map);
    map.fitBounds(L.latLngBounds(latlngs), { padding: [24, 24], animate: false });

    scrub.max = String(pts.length - 1);
    scrub.disabled = false;
    play.disabled = false;
    var index = 0, simTime = pts[0][0], timer = null;

    function show(i) {
      index = Math.max(0, Math.min(pts.length - 1, i));
      var p = pts[index];
      marker.setLatLng(latlngs[index]);
      done.setLatLngs(latlngs.slice(0, index + 1));
      scrub.value = String(index);
      clock.textContent = timeText(p[0]);
      speedOut.textContent = p[3] === null ? "" : Math.round(p[3]) + " km/h";
      el.dataset.index = String(index);
      el.dataset.marker = latlngs[index][0].toFixed(6) + "," + latlngs[index][1].toFixed(6);
    }
    function stop() {
      if (timer) { clearInterval(timer); timer = null; }
      play.textContent = play.dataset.labelPlay;
      el.dataset.playing = "0";
    }
    function tick() {
      simTime += TICK_MS * Number(rate.value);
      var i = index;
      while (i + 1 < pts.length && pts[i + 1][0] <= simTime) { i += 1; }
      show(i);
      if (i >= pts.length - 1) { stop(); }
    }
    play.addEventListener("click", function () {
      if (timer) { stop(); return; }
      if (index >= pts.length - 1) { show(0); }
      simTime = pts[index][0];
      timer = setInterval(tick, TICK_MS);
      play.textContent = play.dataset.labelPause;
      el.dataset.playing = "1";
    });
    scrub.addEventListener("input", function () {
      show(Number(scrub.value));
      simTime = pts[index][0];
    });
    show(0);
  });

  Promise.all([grids, track]).then(function () { el.dataset.ready = "1"; })
    .catch(function (err) { status.textContent = String(err); el.dataset.ready = "error"; });
})();

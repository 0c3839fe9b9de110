// The one map (一张图): layers of the user's slice of the city, fetched per viewport from
// /api/v1/map/* (aggregated into cells on the server when zoomed out). Works without tiles:
// the area outlines with their names are the base.
(function () {
  "use strict";
  var el = document.getElementById("city-map");
  if (!el || !window.L) { return; }
  var TEXT = JSON.parse(document.getElementById("map-text").textContent);
  var status = document.getElementById("map-status");
  // On a phone the map comes first: the layer panel starts folded under its title.
  if (window.matchMedia("(max-width: 760px)").matches) { document.getElementById("map-panel").open = false; }
  var crs = el.dataset.crs || "wgs84";
  var map = L.map(el, { preferCanvas: true, zoomSnap: 1, fadeAnimation: false, minZoom: 5, maxZoom: 19 });
  map.setView([29.87, 121.55], 11);
  window.cityMap = map;  // for the browser tests and the console
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
  } else {
    el.classList.add("offline-base");
  }
  var BAND_COLOURS = { blue: "#2563eb", green: "#16a34a", yellow: "#eab308", orange: "#f97316", red: "#dc2626" };
  var LIGHT_COLOURS = { red: "#dc2626", yellow: "#eab308", green: "#16a34a", "": "#64748b" };
  var DEVICE_COLOURS = { alarm: "#dc2626", offline: "#94a3b8", online: "#2563eb" };

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, k) { return values[k] === undefined ? "" : values[k]; });
  }
  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function localTime(iso) { return iso ? iso.slice(0, 16).replace("T", " ") : ""; }

  var pending = {};
  function fetchJson(name, url) {
    if (pending[name]) { pending[name].abort(); }
    var ctrl = new AbortController();
    pending[name] = ctrl;
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, signal: ctrl.signal })
      .then(function (r) {
        if (!r.ok) { return r.json().then(function (b) { throw new Error(b.message || r.status); }, function () { throw new Error(String(r.status)); }); }
        return r.json();
      });
  }
  function query(extra) {
    var p = new URLSearchParams(extra || {});
    p.set("crs", crs);
    return p.toString();
  }
  function viewQuery(extra) {
    var b = map.getBounds();
    var w = Math.max(b.getWest(), -180), e = Math.min(b.getEast(), 180);
    var s = Math.max(b.getSouth(), -90), n = Math.min(b.getNorth(), 90);
    var p = Object.assign({ bbox: [w, s, e, n].map(function (v) { return v.toFixed(6); }).join(","), zoom: String(map.getZoom()) }, extra || {});
    return query(p);
  }
  function filters() {
    var range = document.querySelector("input[name=range]:checked").value;
    var cat = document.getElementById("category");
    var opt = cat.options[cat.selectedIndex];
    var f = { range: range };
    if (cat.value) { f.category = cat.value; f.kind = opt.dataset.kind; }
    return f;
  }
  function on(name) {
    var box = document.querySelector("input[name=layer][value=" + name + "]");
    return box && box.checked;
  }
  function clusterIcon(n, colour, kind) {
    var size = Math.round(26 + Math.min(30, Math.sqrt(n) * 2.2));
    return L.divIcon({
      className: "map-cluster " + (kind || ""),
      html: '<span style="background:' + colour + ';width:' + size + "px;height:" + size + "px;line-height:" + size + 'px">' + n + "</span>",
      iconSize: [size, size]
    });
  }

  // --- areas (the base when offline) ---------------------------------------------------------
  var areaLayer = L.layerGroup().addTo(map);
  var labelLayer = L.layerGroup().addTo(map);
  var fitted = false;
  var labels = [];
  // A name is shown only where its area is wide and tall enough on screen to hold it, so the
  // small streets of the old town do not pile their names on each other when zoomed out.
  function fitLabels() {
    var shown = 0;
    labels.forEach(function (item) {
      var node = item.marker.getElement();
      if (!node) { return; }
      var sw = map.latLngToContainerPoint(item.bounds.getSouthWest());
      var ne = map.latLngToContainerPoint(item.bounds.getNorthEast());
      node.style.visibility = "visible";
      var fits = Math.abs(ne.x - sw.x) >= node.offsetWidth && Math.abs(sw.y - ne.y) >= node.offsetHeight * 1.5;
      node.style.visibility = fits ? "visible" : "hidden";
      if (fits) { shown += 1; }
    });
    el.dataset.labelsShown = String(shown);
  }
  map.on("zoomend", fitLabels);
  function loadAreas() {
    areaLayer.clearLayers(); labelLayer.clearLayers(); labels = [];
    if (!on("areas")) { return Promise.resolve(); }
    var tier = document.getElementById("area-tier").value;
    return fetchJson("areas", "/api/v1/map/areas?" + query({ level: tier })).then(function (fc) {
      var layer = L.geoJSON(fc, {
        style: function (f) {
          var idx = f.properties.index;
          var colour = idx && BAND_COLOURS[idx.band];
          return { color: "#334155", weight: tier === "district" ? 2.2 : 1.4, fillColor: colour || "#e2e8f0", fillOpacity: colour ? 0.28 : 0.35 };
        },
        onEachFeature: function (f, lyr) {
          var idx = f.properties.index;
          var line = idx && idx.score !== null ? TEXT.index + " " + idx.score.toFixed(1) : TEXT.no_index;
          if (idx && fc.until) { line += " (" + fmt(TEXT.index_until, { at: localTime(fc.until) }) + ")"; }
          lyr.bindTooltip("<b>" + esc(f.properties.name) + "</b><br>" + esc(line), { sticky: true });
          var at = f.properties.label_at;
          var centre = at ? L.latLng(at[1], at[0]) : lyr.getBounds().getCenter();
          var label = L.marker(centre, { interactive: false, icon: L.divIcon({ className: "area-label", html: esc(f.properties.name), iconSize: null }) }).addTo(labelLayer);
          labels.push({ marker: label, bounds: lyr.getBounds() });
        }
      }).addTo(areaLayer);
      layer.bringToBack();
      fitLabels();
      el.dataset.areaFeatures = String(fc.features.length);
      el.dataset.areaColours = fc.features.filter(function (f) { return f.properties.index; }).length;
      if (!fitted && fc.features.length) { map.fitBounds(layer.getBounds(), { padding: [8, 8], animate: false }); fitted = true; }
    });
  }

  // --- grids ---------------------------------------------------------------------------------
  var gridLayer = L.layerGroup().addTo(map);
  var gridsLoaded = null;
  function loadGrids() {
    if (!on("grids")) { gridLayer.clearLayers(); gridsLoaded = null; return Promise.resolve(); }
    if (gridsLoaded) { return gridsLoaded; }
    gridsLoaded = fetchJson("grids", "/api/v1/grids/geojson?" + query()).then(function (fc) {
      L.geoJSON(fc, {
        style: { color: "#475569", weight: 0.6, fillOpacity: 0, dashArray: "2 3" },
        onEachFeature: function (f, lyr) { lyr.bindTooltip(esc(f.properties.code + " " + (f.properties.name || "")), { sticky: true }); }
      }).addTo(gridLayer);
      el.dataset.gridFeatures = String(fc.features.length);
    });
    return gridsLoaded;
  }

  // --- cases ---------------------------------------------------------------------------------
  var caseLayer = L.layerGroup().addTo(map);
  function worstLight(c) { return c.red ? "red" : c.yellow ? "yellow" : c.green ? "green" : ""; }
  function zoomTo(lat, lon) { map.setView([lat, lon], Math.min(map.getZoom() + 2, 19)); }
  function loadCases() {
    if (!on("cases")) { caseLayer.clearLayers(); el.dataset.cases = "0"; return Promise.resolve(0); }
    var f = filters();
    if (document.getElementById("open-all").checked) { f.range = "all"; }
    return fetchJson("cases", "/api/v1/map/cases?" + viewQuery(f)).then(function (data) {
      caseLayer.clearLayers();
      var total = 0;
      data.cells.forEach(function (c) {
        total += c.n;
        var m = L.marker([c.lat, c.lon], { icon: clusterIcon(c.n, LIGHT_COLOURS[worstLight(c)]) });
        m.bindTooltip(c.n + " " + TEXT.cases + ": " + c.red + " " + TEXT.red + " · " + c.yellow + " " + TEXT.yellow + " · " + c.green + " " + TEXT.green + " · " + (c.n - c.red - c.yellow - c.green) + " " + TEXT.undispatched);
        m.on("click", function () { zoomTo(c.lat, c.lon); });
        m.addTo(caseLayer);
      });
      data.points.forEach(function (p) {
        total += 1;
        var m = L.circleMarker([p.lat, p.lon], { radius: p.urgent ? 8 : 6, color: p.urgent ? "#7f1d1d" : "#fff", weight: p.urgent ? 3 : 1.5, fillColor: LIGHT_COLOURS[p.light], fillOpacity: 0.95 });
        var url = el.dataset.caseUrl.replace("NUMBER", encodeURIComponent(p.number));
        var lines = ['<b><a href="' + url + '">' + esc(p.number) + "</a></b> " + esc(p.status_label)];
        if (p.category) { lines.push(esc(p.category + " " + p.category_name)); }
        if (p.address) { lines.push(esc(p.address)); }
        lines.push("<small>" + esc(TEXT.reported) + " " + esc(localTime(p.reported_at)) + "</small>");
        lines.push('<a class="button" href="' + url + '">' + esc(TEXT.open_case) + "</a>");
        m.bindPopup('<div class="map-popup">' + lines.join("<br>") + "</div>");
        m.addTo(caseLayer);
      });
      el.dataset.caseMode = data.mode;
      el.dataset.cases = String(total);
      return total;
    });
  }

  // --- heat ----------------------------------------------------------------------------------
  var heatLayer = L.layerGroup().addTo(map);
  function heatColour(share) {
    // yellow -> orange -> red as the cell holds more of the view's cases
    var stops = [[255, 237, 160], [254, 178, 76], [240, 59, 32], [189, 0, 38]];
    var x = Math.min(0.999, Math.max(0, share)) * (stops.length - 1);
    var i = Math.floor(x), t = x - i;
    var a = stops[i], b = stops[i + 1];
    return "rgb(" + [0, 1, 2].map(function (k) { return Math.round(a[k] + (b[k] - a[k]) * t); }).join(",") + ")";
  }
  function loadHeat() {
    if (!on("heat")) { heatLayer.clearLayers(); return Promise.resolve(); }
    return fetchJson("heat", "/api/v1/map/heat?" + viewQuery(filters())).then(function (data) {
      heatLayer.clearLayers();
      var half = data.cell / 2;
      data.cells.forEach(function (c) {
        var share = data.max ? Math.sqrt(c.n / data.max) : 0;
        L.rectangle([[c.lat - half, c.lon - half], [c.lat + half, c.lon + half]], { stroke: false, fillColor: heatColour(share), fillOpacity: 0.25 + 0.5 * share, interactive: true })
          .bindTooltip(c.n + " " + TEXT.cases).addTo(heatLayer);
      });
      el.dataset.heatCells = String(data.cells.length);
    });
  }

  // --- devices -------------------------------------------------------------------------------
  var deviceLayer = L.layerGroup().addTo(map);
  function loadDevices() {
    if (!on("devices")) { deviceLayer.clearLayers(); return Promise.resolve(0); }
    return fetchJson("devices", "/api/v1/map/devices?" + viewQuery()).then(function (data) {
      deviceLayer.clearLayers();
      var total = 0;
      data.cells.forEach(function (c) {
        total += c.n;
        var colour = c.alarm ? DEVICE_COLOURS.alarm : c.online ? DEVICE_COLOURS.online : DEVICE_COLOURS.offline;
        var m = L.marker([c.lat, c.lon], { icon: clusterIcon(c.n, colour, "devices") });
        m.bindTooltip(c.n + " " + TEXT.sensors + ": " + c.alarm + " " + TEXT.alarm + " · " + c.offline + " " + TEXT.offline + " · " + c.online + " " + TEXT.online);
        m.on("click", function () { zoomTo(c.lat, c.lon); });
        m.addTo(deviceLayer);
      });
      data.points.forEach(function (p) {
        total += 1;
        var url = el.dataset.deviceUrl.replace("CODE", encodeURIComponent(p.code));
        L.circleMarker([p.lat, p.lon], { radius: 6, color: "#0f172a", weight: 1, fillColor: DEVICE_COLOURS[p.state], fillOpacity: 0.95, className: "device-" + p.state })
          .bindPopup('<div class="map-popup"><b>' + esc(p.type) + "</b> " + esc(p.name) + "<br>" + esc(p.code) + " · " + esc(TEXT[p.state]) +
            (p.battery !== null ? " · " + Math.round(p.battery) + "%" : "") + '<br><a class="button" href="' + url + '">' + esc(TEXT.open_device) + "</a></div>")
          .addTo(deviceLayer);
      });
      el.dataset.devices = String(total);
      return total;
    });
  }

  // --- components (部件台账) -------------------------------------------------------------------
  var COMPONENT_COLOURS = { faulty: "#ea580c", intact: "#0d9488" };
  var componentLayer = L.layerGroup().addTo(map);
  function componentCategory() {
    // A 部件 category chosen in the category box narrows the layer to that kind.
    var select = document.getElementById("category");
    var option = select.options[select.selectedIndex];
    return option && option.dataset.kind === "component" ? select.value : "";
  }
  function loadComponents() {
    if (!on("components")) { componentLayer.clearLayers(); return Promise.resolve(0); }
    var url = "/api/v1/map/components?" + viewQuery() + "&category=" + encodeURIComponent(componentCategory());
    return fetchJson("components", url).then(function (data) {
      componentLayer.clearLayers();
      var total = 0;
      data.cells.forEach(function (c) {
        total += c.n;
        var m = L.marker([c.lat, c.lon], { icon: clusterIcon(c.n, c.faulty ? COMPONENT_COLOURS.faulty : COMPONENT_COLOURS.intact, "components") });
        m.bindTooltip(c.n + " " + TEXT.components + ": " + c.faulty + " " + TEXT.faulty + " · " + c.intact + " " + TEXT.intact);
        m.on("click", function () { zoomTo(c.lat, c.lon); });
        m.addTo(componentLayer);
      });
      data.points.forEach(function (p) {
        total += 1;
        var url = el.dataset.componentUrl.replace("CODE", encodeURIComponent(p.code));
        var report = el.dataset.reportUrl ? el.dataset.reportUrl.replace("CODE", encodeURIComponent(p.code)) : "";
        L.circleMarker([p.lat, p.lon], { radius: 5, color: "#0f172a", weight: 1, fillColor: p.faulty ? COMPONENT_COLOURS.faulty : COMPONENT_COLOURS.intact, fillOpacity: 0.9, className: "component-" + p.state })
          .bindPopup('<div class="map-popup"><b>' + esc(p.category) + "</b><br>" + esc(p.code) + " · " + esc(p.state_label) +
            '<br><a class="button" href="' + url + '">' + esc(TEXT.open_component) + "</a>" +
            (report ? ' <a class="button" href="' + report + '">' + esc(TEXT.report_component) + "</a>" : "") + "</div>")
          .addTo(componentLayer);
      });
      el.dataset.components = String(total);
      return total;
    });
  }

  // --- vehicles and badges -------------------------------------------------------------------
  var trackerLayer = L.layerGroup().addTo(map);
  var trailLayer = L.layerGroup().addTo(map);
  function showTrail(p) {
    fetchJson("trail", "/api/v1/map/trackers/" + p.device + "/trail?" + query()).then(function (data) {
      trailLayer.clearLayers();
      if (data.line.length > 1) {
        L.polyline(data.line.map(function (c) { return [c[1], c[0]]; }), { color: "#7c3aed", weight: 3, opacity: 0.8 }).addTo(trailLayer);
      }
      el.dataset.trailPoints = String(data.line.length);
    }).catch(function () {});
  }
  function loadTrackers() {
    if (!on("trackers")) { trackerLayer.clearLayers(); trailLayer.clearLayers(); return Promise.resolve(0); }
    return fetchJson("trackers", "/api/v1/map/trackers?" + viewQuery()).then(function (data) {
      trackerLayer.clearLayers();
      data.points.forEach(function (p) {
        var cls = "tracker " + p.kind + (p.online ? "" : " stale") + (p.alarm ? " alarm" : "");
        var icon = L.divIcon({ className: cls, html: "<span>" + esc(p.label) + "</span>", iconSize: null });
        var extra = p.kind === "vehicle" ? '<br><a class="button" href="' + el.dataset.vehicleUrl.replace("/0/", "/" + p.id + "/") + '">' + esc(TEXT.open_track) + "</a>" : "";
        L.marker([p.lat, p.lon], { icon: icon })
          .bindPopup('<div class="map-popup"><b>' + esc(p.label) + "</b> " + esc(p.detail) + "<br>" + esc(TEXT.seen) + " " + esc(localTime(p.seen_at)) +
            (p.speed !== null ? " · " + Math.round(p.speed) + " " + esc(TEXT.speed) : "") + extra + "</div>")
          .on("click", function () { showTrail(p); })
          .addTo(trackerLayer);
      });
      el.dataset.trackers = String(data.points.length);
      return data.points.length;
    });
  }

  // --- geofences and sweeping coverage (city-wide, fetched once when switched on) ---------------
  var fenceLayer = L.layerGroup().addTo(map);
  var coverageLayer = L.layerGroup().addTo(map);
  function loadFences() {
    fenceLayer.clearLayers();
    if (!on("fences")) { return Promise.resolve(); }
    return fetchJson("fences", "/api/v1/map/fences?" + query()).then(function (fc) {
      L.geoJSON(fc, {
        style: { color: "#be185d", weight: 2, dashArray: "6 4", fillOpacity: 0.08 },
        onEachFeature: function (f, lyr) { lyr.bindTooltip(esc(f.properties.name + (f.properties.hours ? " " + f.properties.hours : "")), { sticky: true }); }
      }).addTo(fenceLayer);
      el.dataset.fences = String(fc.features.length);
    });
  }
  function loadCoverage() {
    coverageLayer.clearLayers();
    if (!on("coverage")) { return Promise.resolve(); }
    return fetchJson("coverage", "/api/v1/map/coverage?" + query()).then(function (fc) {
      L.geoJSON(fc, {
        style: function (f) { var s = f.properties.share; return { color: s >= 0.9 ? "#16a34a" : s >= 0.6 ? "#eab308" : "#dc2626", weight: 5, opacity: 0.85 }; },
        onEachFeature: function (f, lyr) { lyr.bindTooltip(esc(f.properties.name) + " " + Math.round(f.properties.share * 100) + "%", { sticky: true }); }
      }).addTo(coverageLayer);
      document.getElementById("coverage-day").textContent = fc.day || "";
      el.dataset.segments = String(fc.features.length);
    });
  }

  // --- refresh -------------------------------------------------------------------------------
  var timer = null;
  function refresh() {
    status.textContent = TEXT.loading;
    el.dataset.ready = "0";
    Promise.all([loadCases(), loadHeat(), loadDevices(), loadTrackers(), loadComponents()]).then(function (n) {
      status.textContent = fmt(TEXT.shown, { cases: n[0] || 0, devices: n[2] || 0, trackers: n[3] || 0 });
      el.dataset.ready = "1";
    }).catch(function (err) {
      if (err.name === "AbortError") { return; }
      status.textContent = fmt(TEXT.failed, { layer: "", error: err.message });
      el.dataset.ready = "error";
    });
  }
  function soon() { clearTimeout(timer); timer = setTimeout(refresh, 150); }
  map.on("moveend", soon);
  document.getElementById("layer-switches").addEventListener("change", function (ev) {
    if (ev.target.value === "areas" || ev.target.id === "area-tier") { loadAreas(); }
    if (ev.target.value === "grids") { loadGrids(); }
    if (ev.target.value === "fences") { loadFences(); }
    if (ev.target.value === "coverage") { loadCoverage(); }
    document.querySelectorAll("#legend li[data-for]").forEach(function (li) { li.hidden = !on(li.dataset.for); });
    soon();
  });
  ["range", "category", "open-all"].forEach(function (id) { document.getElementById(id).addEventListener("change", soon); });
  document.querySelectorAll("#legend li[data-for]").forEach(function (li) { li.hidden = !on(li.dataset.for); });
  loadAreas().then(refresh, function (err) { status.textContent = fmt(TEXT.failed, { layer: "areas", error: err.message }); refresh(); });
  // Live layers move: cases and vehicles are fetched again every 30 s while the page is shown.
  setInterval(function () { if (!document.hidden) { refresh(); } }, 30000);
})();

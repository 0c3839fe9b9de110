// Home map: the user's streets and unit grids drawn from the database polygons.
// Works offline: no tile server unless MAP_TILE_URL is configured.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var status = document.getElementById("map-status");
  var map = L.map(el, { preferCanvas: true, zoomSnap: 0.25, fadeAnimation: false });
  map.setView([29.87, 121.55], 12);
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
  var CLASS_COLOURS = { A: "#d97706", B: "#2563eb", C: "#059669" };

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(url + " -> " + r.status); } return r.json(); });
  }

  var grids = fetchJson(el.dataset.gridsUrl).then(function (fc) {
    var layer = L.geoJSON(fc, {
      style: function (f) {
        return { color: "#475569", weight: 0.6, fillColor: CLASS_COLOURS[f.properties.area_class] || "#64748b", fillOpacity: 0.25 };
      },
      onEachFeature: function (f, lyr) {
        lyr.bindTooltip(el.dataset.labelGrid + " " + f.properties.code + " · " + el.dataset.labelClass + " " + f.properties.area_class);
      }
    }).addTo(map);
    el.dataset.gridFeatures = String(fc.features.length);
    if (fc.features.length) { map.fitBounds(layer.getBounds(), { padding: [12, 12], animate: false }); }
    return fc;
  });
  var streets = fetchJson(el.dataset.areasUrl + "?level=street").then(function (fc) {
    L.geoJSON(fc, {
      style: { color: "#0f172a", weight: 2, fill: false },
      onEachFeature: function (f, lyr) { lyr.bindTooltip(f.properties.name, { sticky: true }); }
    }).addTo(map);
    el.dataset.streetNames = fc.features.map(function (f) { return f.properties.name; }).join("|");
    return fc;
  });
  Promise.all([grids, streets]).then(function () {
    el.dataset.ready = "1";
  }).catch(function (err) {
    status.textContent = String(err);
    el.dataset.ready = "error";
  });
})();

// Case maps, offline (no tiles unless MAP_TILE_URL is set):
// - #case-map: the case's pin and its unit grid, read-only (data from #case-map-data);
// - .card-map: the same, small, on each phone task card (data from the id in data-source);
// - #report-map: the inspector's grids; the phone's location or a tap sets the pin and fills
//   the hidden lon/lat fields of the report form (pin-picker.js, loaded before this file).
(function () {
  "use strict";
  if (!window.L) { return; }
  var PIN = { radius: 8, color: "#b91c1c", weight: 3, fillColor: "#ef4444", fillOpacity: 0.9 };

  function baseMap(el, tileUrl, attribution) {
    var map = L.map(el, { zoomSnap: 0.25 });
    map.setView([29.87, 121.55], 12);
    if (tileUrl) { L.tileLayer(tileUrl, { attribution: attribution || "" }).addTo(map); }
    return map;
  }

  function caseMap(el, sourceId) {
    var source = document.getElementById(sourceId);
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var map = baseMap(el, data.tileUrl, data.tileAttribution);
    var bounds = null;
    if (data.grid) {
      var grid = L.geoJSON(data.grid, { style: { color: "#475569", weight: 1, fillOpacity: 0.15 } }).addTo(map);
      bounds = grid.getBounds();
    }
    if (data.lon !== null && data.lat !== null) {
      var pin = L.circleMarker([data.lat, data.lon], PIN).addTo(map);
      bounds = bounds ? bounds.extend(pin.getLatLng()) : L.latLngBounds([pin.getLatLng()]);
    }
    if (bounds) { map.fitBounds(bounds, { padding: [16, 16], maxZoom: 17 }); }
    el.dataset.ready = "1";
  }

  // The inspector's report: the pin picker (pin-picker.js) over the unit grids.
  function reportMap(el) {
    window.CityOpsPinPicker.attach(el, { areasUrl: el.dataset.gridsUrl, pinStyle: PIN });
  }

  var caseEl = document.getElementById("case-map");
  if (caseEl) { caseMap(caseEl, "case-map-data"); }
  // Phone task cards: one small read-only map per card, data in the element its data-source names.
  Array.prototype.forEach.call(document.querySelectorAll(".card-map"), function (el) {
    caseMap(el, el.dataset.source);
  });
  var reportEl = document.getElementById("report-map");
  if (reportEl) { reportMap(reportEl); }
})();

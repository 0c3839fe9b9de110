// Case maps, offline (no tiles unless MAP_TILE_URL is set):
// - #case-map: the case's pin and its unit grid, read-only (data from #case-map-data);
// - #report-map: the inspector's grids; the phone's location or a tap sets the pin and fills
//   the hidden lon/lat fields of the report form.
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

  function caseMap(el) {
    var source = document.getElementById("case-map-data");
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

  function reportMap(el) {
    var form = el.closest("form");
    var lon = form.querySelector("input[name=lon]");
    var lat = form.querySelector("input[name=lat]");
    var status = document.getElementById("location-status");
    var map = baseMap(el, el.dataset.tileUrl, el.dataset.tileAttribution);
    var pin = null;

    function place(latlng, message) {
      lon.value = latlng.lng.toFixed(7);
      lat.value = latlng.lat.toFixed(7);
      if (pin) { pin.setLatLng(latlng); } else { pin = L.circleMarker(latlng, PIN).addTo(map); }
      if (message) { status.textContent = message; }
      el.dataset.pin = lon.value + "," + lat.value;
    }
    if (lon.value && lat.value) {
      place(L.latLng(parseFloat(lat.value), parseFloat(lon.value)), el.dataset.located);
      map.setView(pin.getLatLng(), 16);
    }
    map.on("click", function (e) { place(e.latlng, el.dataset.located); });

    fetch(el.dataset.gridsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (fc) {
        var layer = L.geoJSON(fc, { style: { color: "#475569", weight: 0.6, fillOpacity: 0.08 } }).addTo(map);
        // A tap on a grid polygon is a tap on the map: let it through to place the pin.
        layer.on("click", function (e) { place(e.latlng, el.dataset.located); });
        if (fc.features.length && !pin) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
      })
      .catch(function () { /* the map still takes a pin without the grid layer */ })
      .then(function () { el.dataset.ready = "1"; });

    function locate() {
      if (!navigator.geolocation) { status.textContent = el.dataset.noLocation; return; }
      status.textContent = el.dataset.locating;
      navigator.geolocation.getCurrentPosition(function (pos) {
        var here = L.latLng(pos.coords.latitude, pos.coords.longitude);
        place(here, el.dataset.located);
        map.setView(here, 16);
      }, function () {
        status.textContent = el.dataset.noLocation;
      }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    }
    var button = document.getElementById("locate-me");
    if (button) { button.addEventListener("click", locate); }
    if (!lon.value) { locate(); }
  }

  var caseEl = document.getElementById("case-map");
  if (caseEl) { caseMap(caseEl); }
  var reportEl = document.getElementById("report-map");
  if (reportEl) { reportMap(reportEl); }
})();

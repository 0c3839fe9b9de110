// One pin on a Leaflet map, shared by the inspector's report (case-map.js) and the citizen's
// (portal-report.js); no build step. The phone's location (WGS-84, as browsers give it) or a tap
// sets the pin and fills the form's hidden lon/lat; offline, no tiles unless MAP_TILE_URL is set.
//
//   var picker = CityOpsPinPicker.attach(el, { areasUrl: "...", ... });  // -> { map, place } or null
//   CityOpsPinPicker.placeSearch(picker, input, resultsList, url, onChoose);  // a place box
//
// The element carries the page's words and tiles as data-tile-url, data-tile-attribution,
// data-locating, data-located and data-no-location. It gets data-pin="lon,lat" whenever the pin
// moves and data-ready once the area layer has loaded or failed (the browser tests wait on both).
(function () {
  "use strict";
  var DEFAULTS = {
    form: null, // default: the form around the map
    areasUrl: "", // GeoJSON drawn under the pin; a tap on it is a tap on the map
    areaStyle: { color: "#475569", weight: 0.6, fillOpacity: 0.08 },
    pinStyle: { radius: 8, color: "#b91c1c", weight: 3, fillColor: "#ef4444", fillOpacity: 0.9 },
    center: [29.87, 121.55],
    zoom: 12, // before anything is known
    pinZoom: 16, // on a pin the form came back with
    locatedZoom: 16, // on the phone's location
    autoLocate: true, // ask the device for its location when no pin is set (phones, not desks)
    onPlace: null, // called with the pin's latlng whenever it moves
  };
  var GEOLOCATION = { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 };

  function attach(el, options) {
    if (!window.L) { return null; }
    var opts = Object.assign({}, DEFAULTS, options);
    var form = opts.form || el.closest("form");
    var lon = form.querySelector("input[name=lon]");
    var lat = form.querySelector("input[name=lat]");
    var status = document.getElementById("location-status");
    var map = L.map(el, { zoomSnap: 0.25 });
    map.setView(opts.center, opts.zoom);
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "" }).addTo(map);
    }
    var pin = null;

    function place(latlng, message) {
      lon.value = latlng.lng.toFixed(7);
      lat.value = latlng.lat.toFixed(7);
      if (pin) { pin.setLatLng(latlng); } else { pin = L.circleMarker(latlng, opts.pinStyle).addTo(map); }
      if (message) { status.textContent = message; }
      el.dataset.pin = lon.value + "," + lat.value;
      if (opts.onPlace) { opts.onPlace(latlng); }
    }
    // The form came back with errors: keep the pin the person already set.
    if (lon.value && lat.value) {
      place(L.latLng(parseFloat(lat.value), parseFloat(lon.value)), el.dataset.located);
      map.setView(pin.getLatLng(), opts.pinZoom);
    }
    map.on("click", function (e) { place(e.latlng, el.dataset.located); });

    fetch(opts.areasUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (fc) {
        var layer = L.geoJSON(fc, { style: opts.areaStyle }).addTo(map);
        // A tap on a polygon is a tap on the map: let it through to place the pin.
        layer.on("click", function (e) { place(e.latlng, el.dataset.located); });
        if (fc.features.length && !pin) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
      })
      .catch(function () { /* the map still takes a pin without the area layer */ })
      .then(function () { el.dataset.ready = "1"; });

    function locate() {
      if (!navigator.geolocation) { status.textContent = el.dataset.noLocation; return; }
      status.textContent = el.dataset.locating;
      navigator.geolocation.getCurrentPosition(function (pos) {
        var here = L.latLng(pos.coords.latitude, pos.coords.longitude);
        place(here, el.dataset.located);
        map.setView(here, opts.locatedZoom);
      }, function () {
        // Denied or no fix: the pin (if any) stays where it was; a tap still sets it.
        status.textContent = el.dataset.noLocation;
      }, GEOLOCATION);
    }
    var button = document.getElementById("locate-me");
    if (button) { button.addEventListener("click", locate); }
    if (!lon.value && opts.autoLocate) { locate(); }
    return { map: map, place: place };
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  // A place box beside the map: the words in ``input`` are looked up at ``url`` (?q=, answers
  // {places: [{label, kind, lon, lat}]}); the matches are buttons in ``results``; choosing one
  // moves the pin there and calls ``onChoose(place)``. Enter picks the first match.
  function placeSearch(picker, input, results, url, onChoose) {
    function choose(place) {
      var here = L.latLng(place.lat, place.lon);
      picker.place(here, picker.map.getContainer().dataset.located);
      picker.map.setView(here, 17);
      results.innerHTML = "";
      if (onChoose) { onChoose(place); }
    }
    input.addEventListener("input", debounce(function () {
      var q = input.value.trim();
      if (q.length < 2) { results.innerHTML = ""; return; }
      fetch(url + "?" + new URLSearchParams({ q: q }), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (body) {
          results.innerHTML = "";
          body.places.forEach(function (place) {
            var li = document.createElement("li");
            var button = document.createElement("button");
            button.type = "button";
            button.className = "link place";
            button.dataset.kind = place.kind;
            button.textContent = place.label;
            button.addEventListener("click", function () { choose(place); });
            li.appendChild(button);
            results.appendChild(li);
          });
        })
        .catch(function () { results.innerHTML = ""; });
    }, 250));
    input.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") { return; }
      e.preventDefault();
      var first = results.querySelector("button.place");
      if (first) { first.click(); }
    });
  }

  window.CityOpsPinPicker = { attach: attach, placeSearch: placeSearch, debounce: debounce };
})();

// The call desk (/intake/call/): find a place or tap the map; the side panel then lists the open
// cases near the pin (a warning when one has the same category: saving attaches the call to it)
// and suggests the category from the words. No build step; the page works without it (the
// acceptor can still type the address and pick the area and category).
(function () {
  "use strict";
  var form = document.getElementById("call-form");
  var mapEl = document.getElementById("call-map");
  if (!form || !mapEl || !window.CityOpsPinPicker) { return; }
  var nearbyEl = document.getElementById("nearby");
  var results = document.getElementById("place-results");
  var placeInput = form.querySelector("input[name=place]");
  var address = form.querySelector("input[name=address]");
  var category = form.querySelector("select[name=category]");
  var description = form.querySelector("textarea[name=description]");
  var lon = form.querySelector("input[name=lon]");
  var lat = form.querySelector("input[name=lat]");

  var debounce = window.CityOpsPinPicker.debounce;

  function refresh() {
    var query = new URLSearchParams({
      lon: lon.value, lat: lat.value, category: category.value, text: description.value.slice(0, 200),
    });
    fetch(form.dataset.nearbyUrl + "?" + query, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { nearbyEl.innerHTML = html; nearbyEl.dataset.ready = "1"; })
      .catch(function () { /* the panel keeps what it showed */ });
  }

  var picker = window.CityOpsPinPicker.attach(mapEl, {
    areasUrl: mapEl.dataset.gridsUrl, autoLocate: false, onPlace: debounce(refresh, 150),
  });

  nearbyEl.addEventListener("click", function (e) {
    var button = e.target.closest("button[data-category]");
    if (!button) { return; }
    category.value = button.dataset.category;
    refresh();
  });
  category.addEventListener("change", refresh);
  description.addEventListener("input", debounce(refresh, 400));

  window.CityOpsPinPicker.placeSearch(picker, placeInput, results, form.dataset.placesUrl, function (place) {
    if (!address.value && place.kind === "address") { address.value = place.label; }
  });
})();

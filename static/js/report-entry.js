// The operator's entry page (/intake/new/: 领导交办, 媒体曝光, 网络舆情): the place named in the
// order or the article is found by name (grids, streets, addresses of earlier cases) or tapped
// on the map; the pin fills the form's hidden lon/lat (WGS-84). Without script the operator picks
// the area instead. Uses pin-picker.js.
(function () {
  "use strict";
  var form = document.getElementById("operator-report-form");
  var mapEl = document.getElementById("report-map");
  if (!form || !mapEl || !window.CityOpsPinPicker) { return; }
  var picker = window.CityOpsPinPicker.attach(mapEl, {
    areasUrl: mapEl.dataset.gridsUrl, autoLocate: false,
  });
  if (!picker) { return; }
  var address = form.querySelector("input[name=address]");
  window.CityOpsPinPicker.placeSearch(
    picker,
    form.querySelector("input[name=place]"),
    document.getElementById("place-results"),
    form.dataset.placesUrl,
    function (place) { if (!address.value && place.kind === "address") { address.value = place.label; } }
  );
})();

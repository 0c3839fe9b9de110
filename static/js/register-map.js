// The component register page: the listed components on a small map, damaged or lost ones in
// orange, each opening its page (the points come from #register-points).
(function () {
  "use strict";
  var el = document.getElementById("register-map");
  var data = document.getElementById("register-points");
  if (!el || !data || !window.L) { return; }
  var points = JSON.parse(data.textContent);
  var map = L.map(el, { zoomSnap: 0.25 });
  if (el.dataset.tileUrl) { L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "" }).addTo(map); }
  var faulty = { damaged: true, lost: true };
  // Names come from survey files: shown as text, never as HTML (Leaflet sets innerHTML).
  function text(value) { var span = document.createElement("span"); span.textContent = value; return span; }
  var markers = points.map(function (p) {
    var url = el.dataset.componentUrl.replace("CODE", encodeURIComponent(p.code));
    return L.circleMarker([p.lat, p.lon], { radius: 6, color: "#0f172a", weight: 1, fillOpacity: 0.9, fillColor: faulty[p.state] ? "#ea580c" : "#0d9488" })
      .bindTooltip(text(p.label)).on("click", function () { location.href = url; }).addTo(map);
  });
  map.fitBounds(L.featureGroup(markers).getBounds(), { padding: [16, 16], maxZoom: 17 });
  el.dataset.ready = String(markers.length);
})();

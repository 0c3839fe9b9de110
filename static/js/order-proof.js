// A work order on the phone: the position proves the crew was at the place (while the order
// is theirs to complete, the phone's GPS fills every form's lon/lat), and a checklist item answered "problem" starts a report of it
// (作业发现) with the item already written in.
(function () {
  "use strict";
  var status = document.getElementById("position-status");
  function say(text) { if (status) { status.textContent = text; } }
  function fill(lon, lat) {
    document.querySelectorAll("#order form input[name=lon]").forEach(function (i) { i.value = lon.toFixed(6); });
    document.querySelectorAll("#order form input[name=lat]").forEach(function (i) { i.value = lat.toFixed(6); });
  }
  if (status && navigator.geolocation && document.querySelector("#complete-form")) {
    say(status.dataset.asking);
    navigator.geolocation.watchPosition(function (pos) {
      fill(pos.coords.longitude, pos.coords.latitude);
      say(status.dataset.found.replace("{m}", Math.round(pos.coords.accuracy || 0)));
    }, function () { say(status.dataset.none); }, { enableHighAccuracy: true, maximumAge: 30000, timeout: 20000 });
  }
  var problem = document.getElementById("problem");
  document.querySelectorAll(".checklist-item input[value=problem]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      if (!radio.checked || !problem) { return; }
      var text = problem.querySelector("textarea[name=description]");
      var item = radio.closest(".checklist-item").dataset.item;
      if (text && text.value.indexOf(item) === -1) { text.value = (text.value ? text.value + "；" : "") + item + (problem.dataset.suffix || ""); }
      problem.open = true;
    });
  });
})();

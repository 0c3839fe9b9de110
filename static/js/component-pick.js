// The inspector's report: for a 部件 category, the registered components of that category
// nearest the pin are offered (GET /api/v1/components/nearby); the one picked goes with the
// report (hidden input "component"), so routing follows its owner (部件先属主) and its state
// follows the case. A report opened from a component's QR page arrives with it chosen.
(function () {
  "use strict";
  var box = document.getElementById("component-pick");
  var codes = document.getElementById("component-categories");
  if (!box || !codes || !window.fetch) { return; }
  codes = JSON.parse(codes.textContent);
  var form = box.closest("form");
  var input = form.querySelector("input[name=component]");
  var category = form.querySelector("select[name=category]");
  var lon = form.querySelector("input[name=lon]");
  var lat = form.querySelector("input[name=lat]");
  var choices = box.querySelector(".choices");
  var asked = "";

  function option(value, text, checked) {
    var label = document.createElement("label");
    label.className = "choice component-choice";
    var radio = document.createElement("input");
    radio.type = "radio"; radio.name = "component_pick"; radio.value = value; radio.checked = checked;
    radio.addEventListener("change", function () { input.value = value; });
    label.appendChild(radio);
    label.appendChild(document.createTextNode(" " + text));
    choices.appendChild(label);
  }

  function look() {
    var code = codes[category.value];
    var key = code && lon.value && lat.value ? [code, lon.value, lat.value].join(",") : "";
    if (key === asked) { return; }
    asked = key;
    if (!key) { box.hidden = true; choices.innerHTML = ""; input.value = ""; return; }
    var url = box.dataset.url + "?" + new URLSearchParams({ lon: lon.value, lat: lat.value, category: code, radius: 50 });
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : []; }).then(function (found) {
      if (key !== asked) { return; }  // the pin moved meanwhile
      choices.innerHTML = "";
      var kept = found.some(function (c) { return c.code === input.value; });
      if (!kept) { input.value = ""; }
      found.forEach(function (c) {
        var metres = box.dataset.metres.replace("{m}", Math.round(c.metres));
        option(c.code, c.name + " " + c.code + " · " + metres, c.code === input.value);
      });
      if (found.length) { option("", box.dataset.none, !input.value); }
      else {
        var none = document.createElement("p"); none.className = "muted"; none.textContent = box.dataset.empty;
        choices.appendChild(none);
      }
      box.hidden = false;
    }).catch(function () { box.hidden = true; });
  }
  setInterval(look, 700);
  look();
})();

// Citizen report form (/citizen/report/), no build step:
// - the map: the served area's outline (offline, no tiles unless MAP_TILE_URL is set); the
//   phone's location or a tap sets the pin and the hidden lon/lat (pin-picker.js, loaded first);
// - photos: big phone photos are shrunk in the browser (longest edge MAX_EDGE, JPEG) before the
//   upload, which saves the citizen's data plan; the server still checks and cleans every file;
// - the "is it one of these?" chips (htmx partial) pick the category in the select;
// - one tap sends once: the button is disabled while sending or while a photo is prepared.
(function () {
  "use strict";
  var MAX_EDGE = 1600;
  var KEEP_BYTES = 1500000; // smaller files within MAX_EDGE go up as they are
  var JPEG_QUALITY = 0.85;
  var PIN = { radius: 9, color: "#b91c1c", weight: 3, fillColor: "#ef4444", fillOpacity: 0.9 };

  var form = document.getElementById("portal-report");
  if (!form) { return; }
  var sendButton = document.getElementById("send-report");
  var sendLabel = sendButton ? sendButton.textContent : "";
  var pending = 0;

  function setBusy(delta) {
    pending += delta;
    form.dataset.busy = pending > 0 ? "1" : "";
    if (sendButton) {
      sendButton.disabled = pending > 0;
      sendButton.textContent = pending > 0 ? form.dataset.busyText : sendLabel;
    }
  }

  // --- map: the pin picker (pin-picker.js) over the served area's outline -----------------
  function setupMap(el) {
    var picker = window.CityOpsPinPicker.attach(el, {
      form: form,
      areasUrl: el.dataset.areasUrl,
      areaStyle: { color: "#0f5fa8", weight: 2, fillOpacity: 0.06 },
      pinStyle: PIN,
      zoom: 11,
      locatedZoom: 17,
    });
    if (picker) { el.leafletMap = picker.map; } // for the browser test (and a curious developer's console)
  }

  // --- photos ----------------------------------------------------------------------------
  function loadImage(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("decode")); };
      img.src = url; // browsers apply the EXIF orientation when drawing an <img>
    });
  }

  function shrink(file) {
    if (!/^image\//.test(file.type)) { return Promise.resolve(file); }
    return loadImage(file).then(function (img) {
      var w = img.naturalWidth, h = img.naturalHeight;
      var scale = Math.min(1, MAX_EDGE / Math.max(w, h));
      if (scale === 1 && file.size <= KEEP_BYTES) { return file; }
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: Date.now() }));
        }, "image/jpeg", JPEG_QUALITY);
      });
    }).catch(function () {
      return file; // a format this browser cannot draw (HEIC...): the server decides
    });
  }

  function showPreviews(files) {
    var box = document.getElementById("photo-previews");
    if (!box) { return; }
    box.textContent = "";
    Array.prototype.forEach.call(files, function (file) {
      if (!/^image\//.test(file.type)) { return; }
      var img = document.createElement("img");
      img.alt = file.name;
      img.src = URL.createObjectURL(file);
      img.onload = function () { URL.revokeObjectURL(img.src); };
      box.appendChild(img);
    });
  }

  var photos = form.querySelector("input[name=photos]");
  if (photos) {
    photos.addEventListener("change", function () {
      var files = Array.prototype.slice.call(photos.files || []);
      showPreviews(files);
      if (!files.length || typeof DataTransfer === "undefined") { return; }
      setBusy(1);
      Promise.all(files.map(shrink)).then(function (ready) {
        var shrunk = ready.filter(function (f, i) { return f !== files[i]; }).length;
        if (shrunk) {
          var dt = new DataTransfer();
          ready.forEach(function (f) { dt.items.add(f); });
          photos.files = dt.files; // no change event: no loop
          showPreviews(ready);
        }
        photos.dataset.shrunk = String(shrunk);
      }).catch(function () { /* keep the originals */ }).then(function () { setBusy(-1); });
    });
  }

  // --- category chips --------------------------------------------------------------------
  var select = form.querySelector("select[name=category]");
  var chips = document.getElementById("suggestions");
  if (select && chips) {
    chips.addEventListener("click", function (e) {
      var chip = e.target.closest(".p-chip");
      if (!chip) { return; }
      var value = chip.dataset.category;
      if (!select.querySelector("option[value='" + value + "']")) {
        select.add(new Option(chip.textContent, value));
      }
      select.value = value;
      chips.querySelectorAll(".p-chip").forEach(function (c) { c.classList.toggle("is-chosen", c === chip); });
    });
  }

  // --- send once -------------------------------------------------------------------------
  form.addEventListener("submit", function (e) {
    if (pending > 0) { e.preventDefault(); return; }
    if (form.dataset.sent) { e.preventDefault(); return; }
    form.dataset.sent = "1";
    if (sendButton) { sendButton.disabled = true; }
  });

  // Back from the next page (bfcache): the form may be sent again.
  window.addEventListener("pageshow", function () {
    form.dataset.sent = "";
    if (sendButton) { sendButton.disabled = pending > 0; }
  });

  var mapEl = document.getElementById("portal-map");
  if (mapEl) { setupMap(mapEl); }
})();

/* Behaviour every page shares, kept out of the markup so the Content-Security-Policy can forbid
   inline scripts: a <select data-auto-submit> sends its form when changed (the language switch,
   month and period pickers), a [data-print] button prints, and the service worker is registered
   from the script tag's data-service-worker (phone pages work without signal). */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-auto-submit]") && target.form) {
      target.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      window.print();
    }
  });
  var script = document.currentScript;
  var worker = script && script.dataset.serviceWorker;
  if (worker && "serviceWorker" in navigator) {
    navigator.serviceWorker.register(worker).catch(function () {});
  }
})();

// The inspector's category choice (/intake/m/report/): a search box over ~400 categories instead
// of one long select. Words or pinyin initials (jg -> 井盖) search; with nothing typed the list
// shows what the description suggests, then the inspector's recent and the area's common
// categories (intake.channels.inspector.categories). The select stays in the form (and is what
// is posted); without script it is the plain select.
(function () {
  "use strict";
  var box = document.getElementById("category-picker");
  var form = box && box.closest("form");
  if (!box || !form || !window.fetch) { return; }
  var select = form.querySelector("select[name=category]");
  var description = form.querySelector("textarea[name=description]");
  var d = box.dataset;

  var search = document.createElement("input");
  search.type = "search";
  search.id = "category-search";
  search.placeholder = d.placeholder;
  search.setAttribute("aria-label", d.placeholder);
  search.autocomplete = "off";
  var chosen = document.createElement("p");
  chosen.className = "category-chosen";
  chosen.id = "category-chosen";
  var list = document.createElement("ul");
  list.className = "category-picks";
  list.id = "category-picks";
  list.setAttribute("aria-live", "polite");
  box.appendChild(chosen);
  box.appendChild(search);
  box.appendChild(list);
  select.hidden = true;
  box.hidden = false;

  function debounce(fn, ms) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  function showChosen() {
    var option = select.options[select.selectedIndex];
    chosen.innerHTML = "";
    if (!select.value) { chosen.hidden = true; search.hidden = false; return; }
    chosen.hidden = false;
    chosen.appendChild(document.createTextNode(d.chosen + " "));
    var name = document.createElement("strong");
    name.textContent = option ? option.textContent : "";
    chosen.appendChild(name);
    var change = document.createElement("button");
    change.type = "button";
    change.className = "btn btn-secondary change-category";
    change.textContent = d.clear;
    change.addEventListener("click", function () {
      select.value = "";
      showChosen();
      search.focus();
      load();
    });
    chosen.appendChild(document.createTextNode(" "));
    chosen.appendChild(change);
    search.hidden = true;
    list.innerHTML = "";
  }

  function render(categories) {
    list.innerHTML = "";
    if (!categories.length && search.value.trim()) {
      var none = document.createElement("li");
      none.className = "muted";
      none.textContent = d.none;
      list.appendChild(none);
    }
    categories.forEach(function (c) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "category-pick";
      button.dataset.category = c.id;
      button.dataset.why = c.why;
      var name = document.createElement("span");
      name.textContent = c.name;
      button.appendChild(name);
      var meta = document.createElement("small");
      var why = d["why" + c.why.charAt(0).toUpperCase() + c.why.slice(1)] || "";
      meta.textContent = c.kind + " " + c.code + (why ? " · " + why : "");
      button.appendChild(meta);
      button.addEventListener("click", function () {
        select.value = String(c.id);
        search.value = "";
        showChosen();
      });
      li.appendChild(button);
      list.appendChild(li);
    });
    box.dataset.ready = "1";
  }

  function load() {
    if (select.value) { return; }
    var query = new URLSearchParams({ q: search.value.trim(), text: (description.value || "").slice(0, 500) });
    fetch(d.url + "?" + query, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (body) { render(body.categories); })
      .catch(function () { select.hidden = false; box.hidden = true; });  // the plain select
  }

  search.addEventListener("input", debounce(load, 200));
  search.addEventListener("keydown", function (e) {
    if (e.key !== "Enter") { return; }
    e.preventDefault();  // Enter picks the first match instead of sending the report
    var first = list.querySelector("button.category-pick");
    if (first) { first.click(); }
  });
  description.addEventListener("input", debounce(function () { if (!search.value) { load(); } }, 500));
  showChosen();
  load();
})();

/* sdmx-tools release site: the script loader, the site search and the language switch.
   Data files are scripts that call sdmxTools.data/names/shapes/search: unlike fetch(),
   a script element also loads from file://, and no request leaves the site. */
(function () {
  "use strict";
  var T = window.sdmxTools = window.sdmxTools || {};
  var store = {}, waiting = {};

  function deliver(key, value) {
    store[key] = value;
    (waiting[key] || []).forEach(function (resolve) { resolve(value); });
    delete waiting[key];
  }
  T.data = function (id, part, value) { deliver("data:" + id + ":" + part, value); };
  T.names = function (value) { deliver("names", value); };
  T.shapes = function (kind, value) { deliver("shapes:" + kind, value); };
  T.search = function (value) { deliver("search", value); };

  /* Resolve with what the script at src delivers under key (loading it once). */
  T.need = function (key, src) {
    return new Promise(function (resolve, reject) {
      if (Object.prototype.hasOwnProperty.call(store, key)) { resolve(store[key]); return; }
      (waiting[key] = waiting[key] || []).push(resolve);
      if (document.querySelector('script[data-key="' + key + '"]')) { return; }
      var s = document.createElement("script");
      s.src = src;
      s.dataset.key = key;
      s.onerror = function () { reject(new Error("cannot load " + src)); };
      document.head.appendChild(s);
    });
  };

  /* The language links keep the reader's selection (the page's #fragment). */
  T.syncLanguageLinks = function () {
    document.querySelectorAll("a[data-lang-switch]").forEach(function (a) {
      a.href = a.href.split("#")[0] + location.hash;
    });
  };

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  T.fold = fold;

  function setupSearch() {
    var box = document.querySelector(".site-search");
    if (!box) { return; }
    var input = box.querySelector("input"), list = box.querySelector("ul");
    var status = box.querySelector("[role=status]");
    box.hidden = false;
    var index = null;
    function show() {
      var q = fold(input.value.trim());
      list.textContent = "";
      if (!index || q.length < 1) { status.textContent = ""; return; }
      var hits = index.filter(function (e) {
        return e[0].indexOf(q) === 0 || fold(e[1]).indexOf(q) >= 0 || fold(e[3]).indexOf(q) >= 0;
      }).slice(0, 12);
      hits.forEach(function (e) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = box.dataset.base + e[0] + ".html";
        a.textContent = e[0] + " " + e[1];
        li.appendChild(a);
        list.appendChild(li);
      });
      status.textContent = hits.length === 0 ? status.dataset.none :
        hits.length === 1 ? status.dataset.one : status.dataset.many.replace("0", String(hits.length));
    }
    input.addEventListener("focus", function () {
      T.need("search", box.dataset.search).then(function (idx) { index = idx; show(); });
    });
    input.addEventListener("input", show);
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        var first = list.querySelector("a");
        if (first) { location.href = first.href; }
        ev.preventDefault();
      }
      if (ev.key === "Escape") { input.value = ""; show(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupSearch();
    T.syncLanguageLinks();
  });
})();

/* sdmx-tools release site: an indicator's explorer (selectors, Chart / Table / Map tabs).
   The page works without it (static tables and charts); with it the reader picks the area,
   the disaggregation and the period. Every text comes from the page (its language); data
   text is only ever set with textContent, never as HTML. */
(function () {
  "use strict";
  var T = window.sdmxTools;
  var SVG = "http://www.w3.org/2000/svg";
  var PALETTE = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
  var MISSING = "#f2f2f2", LINE = "#00689d", REF = "#6b6b6b", NATION = "00";
  var section, cfg, root, main, mun = null, names = null, state, nf;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function say(key, fields) {
    var text = cfg.ui[key] || cfg.notes[key] || key;
    Object.keys(fields || {}).forEach(function (f) { text = text.split("{" + f + "}").join(fields[f]); });
    return text;
  }
  function fmt(v) { return v === null || v === undefined ? cfg.dash : nf.format(v); }

  /* ---- the data ---- */

  function seriesKey() {
    return main.dims.length ? main.dims.map(function (d) { return state.dims[d.id]; }).join(".") : "_T";
  }
  function partOf(code) {
    if (main.areas.indexOf(code) >= 0) { return main; }
    return mun && mun.areas.indexOf(code) >= 0 ? mun : null;
  }
  function areaName(code) {
    if (main.names[code]) { return main.names[code]; }
    return names && names[code] ? names[code][0] : code;
  }
  function flagsOf(part, key) {
    part._flags = part._flags || {};
    if (!part._flags[key]) {
      var map = {};
      (part.flags[key] || []).forEach(function (f) { map[f[0] + ":" + f[1]] = f; });
      part._flags[key] = map;
    }
    return part._flags[key];
  }
  /* {value, status, note} of one area and period in the selected series. */
  function obs(code, period) {
    var part = partOf(code);
    if (!part) { return null; }
    var a = part.areas.indexOf(code), p = part.periods.indexOf(period), key = seriesKey();
    var row = (part.values[key] || [])[a];
    if (!row || p < 0) { return null; }
    var f = flagsOf(part, key)[a + ":" + p];
    var note = "";
    if (f) {
      note = f[3] ? say(f[3], {reported: f[5], expected: f[6]}) : f[4];
    }
    return {value: row[p], status: f ? f[2] : "A", note: note};
  }
  function statusName(code) { return cfg.statuses[code] || code || ""; }

  /* ---- the selectors and the fragment ---- */

  function readHash() {
    var out = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i > 0) { out[decodeURIComponent(kv.slice(0, i))] = decodeURIComponent(kv.slice(i + 1)); }
    });
    return out;
  }
  function writeHash() {
    var parts = ["area=" + state.area, "period=" + state.period, "tab=" + state.tab, "level=" + state.level];
    main.dims.forEach(function (d) { parts.push(encodeURIComponent(d.id) + "=" + encodeURIComponent(state.dims[d.id])); });
    history.replaceState(null, "", "#" + parts.join("&"));
    T.syncLanguageLinks();
  }
  function periodsWithValues() {
    var key = seriesKey(), seen = {};
    [main, mun].forEach(function (part) {
      if (!part) { return; }
      (part.values[key] || []).forEach(function (row) {
        row.forEach(function (v, i) { if (v !== null) { seen[part.periods[i]] = true; } });
      });
    });
    var list = main.periods.filter(function (p) { return seen[p]; });
    return list.length ? list : main.periods.slice();
  }
  function fillSelectors() {
    var area = document.getElementById("sel-area");
    area.textContent = "";
    main.areas.forEach(function (code) {
      area.appendChild(el("option", {value: code}, areaName(code)));
    });
    if (partOf(state.area) === mun && mun) {
      area.appendChild(el("option", {value: state.area}, areaName(state.area)));
    }
    area.value = state.area;
    var period = document.getElementById("sel-period");
    period.textContent = "";
    periodsWithValues().forEach(function (p) { period.appendChild(el("option", {value: p}, p)); });
    if (periodsWithValues().indexOf(state.period) < 0) { state.period = period.options[period.options.length - 1].value; }
    period.value = state.period;
  }

  /* ---- the chart of the selected area over time ---- */

  function niceTicks(lo, hi, count) {
    if (hi <= lo) { hi = lo + 1; }
    var raw = (hi - lo) / count, power = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (m) { return m * power; }).filter(function (s) { return s >= raw; })[0];
    var ticks = [];
    for (var k = Math.floor(lo / step); k <= Math.ceil(hi / step - 1e-9); k++) { ticks.push(+(k * step).toFixed(10)); }
    return ticks;
  }
  function tooltip(box, node, text) {
    var tip = box.querySelector(".tooltip") || box.appendChild(el("div", {"class": "tooltip", role: "tooltip", hidden: ""}));
    function show(ev) {
      tip.textContent = text;
      tip.hidden = false;
      var r = box.getBoundingClientRect(), n = node.getBoundingClientRect();
      var x = (ev && ev.clientX ? ev.clientX : n.left + n.width / 2) - r.left;
      var y = (ev && ev.clientY ? ev.clientY : n.top) - r.top;
      tip.style.left = Math.max(0, Math.min(x + 12, r.width - tip.offsetWidth)) + "px";
      tip.style.top = Math.max(0, y - tip.offsetHeight - 8) + "px";
    }
    function hide() { tip.hidden = true; }
    node.addEventListener("pointerenter", show);
    node.addEventListener("pointermove", show);
    node.addEventListener("pointerleave", hide);
    node.addEventListener("focus", function () { show(null); });
    node.addEventListener("blur", hide);
  }
  function label() {
    var parts = [areaName(state.area)];
    main.dims.forEach(function (d) {
      var code = state.dims[d.id];
      if (code !== "_T" || main.dims.length === 1) { parts.push(cfg.dims[d.id].codes[code] || code); }
    });
    return parts.join(" · ");
  }
  function drawTime() {
    var box = document.getElementById("chart-time");
    box.textContent = "";
    var title = el("h3", {}, say("chart_over_time", {area: label()}) + " (" + cfg.unit + ")");
    box.appendChild(title);
    var lines = [{name: label(), code: state.area, colour: LINE, dash: ""}];
    if (state.area !== NATION && main.areas.indexOf(NATION) >= 0) {
      lines.push({name: say("chart_reference") + ": " + areaName(NATION), code: NATION, colour: REF, dash: "6 4"});
    }
    var periods = main.periods, values = [], present = 0;
    lines.forEach(function (line) {
      line.points = periods.map(function (p) { var o = obs(line.code, p); return o ? o.value : null; });
      line.points.forEach(function (v) { if (v !== null) { values.push(v); } });
    });
    lines[0].points.forEach(function (v) { if (v !== null) { present++; } });
    if (present === 0) { box.appendChild(el("p", {"class": "empty", "data-testid": "chart-empty"}, say("chart_empty"))); return; }
    if (present === 1) { box.appendChild(el("p", {"class": "hint"}, say("chart_single"))); }
    var width = Math.max(300, Math.min(box.clientWidth || 640, 760)), height = 280;
    var left = 56, right = 16, top = 16, bottom = 40, plotW = width - left - right, plotH = height - top - bottom;
    var ticks = niceTicks(Math.min(0, Math.min.apply(null, values)), Math.max.apply(null, values) || 1, 4);
    var lo = ticks[0], hi = ticks[ticks.length - 1];
    var step = periods.length > 1 ? plotW / (periods.length - 1) : 0;
    function x(i) { return left + (periods.length > 1 ? i * step : plotW / 2); }
    function y(v) { return top + plotH - (v - lo) / (hi - lo) * plotH; }
    var chart = svg("svg", {viewBox: "0 0 " + width + " " + height, role: "group", "aria-label": title.textContent, "class": "time-chart"});
    ticks.forEach(function (t) {
      chart.appendChild(svg("line", {x1: left, x2: left + plotW, y1: y(t), y2: y(t), stroke: "#d0d0d0"}));
      chart.appendChild(svg("text", {x: left - 6, y: y(t) + 4, "text-anchor": "end", "font-size": 12, fill: "#1a1a1a"}, nf.format(t)));
    });
    var every = Math.max(1, Math.ceil(periods.length * 56 / plotW));
    periods.forEach(function (p, i) {
      if (i % every === 0 || i === periods.length - 1) {
        chart.appendChild(svg("text", {x: x(i), y: top + plotH + 18, "text-anchor": "middle", "font-size": 12, fill: "#1a1a1a"}, p));
      }
    });
    chart.appendChild(svg("text", {x: 12, y: top + plotH / 2, transform: "rotate(-90 12 " + (top + plotH / 2) + ")", "text-anchor": "middle", "font-size": 12, fill: "#1a1a1a"}, cfg.unit));
    lines.slice().reverse().forEach(function (line) {
      var d = "", pen = false;
      line.points.forEach(function (v, i) {
        if (v === null) { pen = false; return; }
        d += (pen ? "L" : "M") + x(i).toFixed(1) + " " + y(v).toFixed(1);
        pen = true;
      });
      chart.appendChild(svg("path", {d: d, fill: "none", stroke: line.colour, "stroke-width": 2.5, "stroke-dasharray": line.dash}));
      line.points.forEach(function (v, i) {
        if (v === null) { return; }
        var text = line.name + " — " + say("chart_point", {period: periods[i], value: fmt(v) + " " + cfg.unit});
        var dot = svg("circle", {cx: x(i), cy: y(v), r: line.dash ? 3.5 : 5, fill: line.colour, tabindex: line.dash ? -1 : 0, "aria-label": text, "class": "point"});
        dot.appendChild(svg("title", {}, text));
        chart.appendChild(dot);
        tooltip(box, dot, text);
      });
    });
    box.appendChild(chart);
    var legend = el("ul", {"class": "legend"});
    lines.forEach(function (line) {
      var item = el("li", {});
      item.appendChild(el("span", {"class": "swatch" + (line.dash ? " dashed" : ""), style: "border-color:" + line.colour, "aria-hidden": "true"}));
      item.appendChild(document.createTextNode(line.name));
      legend.appendChild(item);
    });
    box.appendChild(legend);
  }

  /* ---- the bars of every state in the selected period ---- */

  function drawAreas() {
    var box = document.getElementById("chart-areas");
    box.textContent = "";
    var states = main.areas.filter(function (c) { return c.length === 2 && c !== NATION; });
    var items = states.map(function (c) { var o = obs(c, state.period); return {code: c, name: areaName(c), value: o ? o.value : null}; });
    var title = say("chart_areas", {period: state.period}) + " (" + cfg.unit + ")";
    box.appendChild(el("h3", {}, title));
    if (!items.some(function (i) { return i.value !== null; })) { box.appendChild(el("p", {"class": "empty"}, say("chart_empty"))); return; }
    items.sort(function (a, b) { return a.value === null ? 1 : b.value === null ? -1 : b.value - a.value || a.name.localeCompare(b.name); });
    var width = Math.max(300, Math.min(box.clientWidth || 640, 760)), labelW = width < 480 ? 110 : 180, valueW = 64, barH = 20;
    var max = Math.max.apply(null, items.map(function (i) { return i.value === null ? 0 : Math.max(i.value, 0); })) || 1;
    var chart = svg("svg", {viewBox: "0 0 " + width + " " + (items.length * barH + 8), role: "group", "aria-label": title, "class": "bar-chart-js"});
    var highlight = state.area.slice(0, 2);
    items.forEach(function (item, i) {
      var yy = 4 + i * barH, w = item.value === null ? 0 : Math.max(0.5, Math.max(item.value, 0) / max * (width - labelW - valueW));
      var text = item.name + ": " + fmt(item.value) + (item.value === null ? "" : " " + cfg.unit);
      var shown = item.name.length > (labelW / 7) ? item.name.slice(0, Math.floor(labelW / 7) - 1) + "…" : item.name;
      chart.appendChild(svg("text", {x: labelW - 6, y: yy + 14, "text-anchor": "end", "font-size": 12, fill: "#1a1a1a", "font-weight": item.code === highlight ? 700 : 400}, shown));
      var bar = svg("rect", {x: labelW, y: yy + 3, width: w, height: barH - 6, fill: item.code === highlight ? "#08519c" : "#6baed6", "class": "bar"});
      bar.appendChild(svg("title", {}, text));
      chart.appendChild(bar);
      tooltip(box, bar, text);
      chart.appendChild(svg("text", {x: labelW + w + 4, y: yy + 14, "font-size": 12, fill: "#1a1a1a"}, fmt(item.value)));
    });
    box.appendChild(chart);
  }

  /* ---- the tables ---- */

  function table(caption, first, rows, testid) {
    var wrap = el("div", {"class": "table-scroll"});
    var t = el("table", {"data-testid": testid});
    t.appendChild(el("caption", {}, caption));
    var head = el("tr", {});
    [first, say("value"), say("status"), say("note")].forEach(function (h, i) {
      head.appendChild(el("th", {scope: "col", "class": i === 1 ? "num" : ""}, h));
    });
    t.appendChild(el("thead", {})).appendChild(head);
    var body = t.appendChild(el("tbody", {}));
    rows.forEach(function (r) {
      var tr = el("tr", {"data-code": r.code || "", "data-period": r.period || ""});
      tr.appendChild(el("th", {scope: "row"}, r.label));
      var td = el("td", {"class": "num"}, fmt(r.o ? r.o.value : null));
      if (r.o && r.o.value !== null) { td.setAttribute("data-value", String(r.o.value)); }
      tr.appendChild(td);
      tr.appendChild(el("td", {}, r.o ? statusName(r.o.status) : ""));
      tr.appendChild(el("td", {"class": "note"}, r.o ? r.o.note : ""));
      body.appendChild(tr);
    });
    wrap.appendChild(t);
    return wrap;
  }
  function drawTables() {
    var time = document.getElementById("table-time");
    time.textContent = "";
    time.appendChild(table(say("table_over_time", {area: label()}), say("period"), main.periods.map(function (p) {
      return {label: p, period: p, code: state.area, o: obs(state.area, p)};
    }), "table-time-rows"));
    var areas = document.getElementById("table-areas");
    areas.textContent = "";
    areas.appendChild(table(say("table_areas", {period: state.period}), say("area_name"), main.areas.map(function (c) {
      return {label: areaName(c), code: c, period: state.period, o: obs(c, state.period)};
    }), "table-areas-rows"));
    var st = state.area !== NATION ? state.area.slice(0, 2) : null;
    if (st && mun && names) {
      var codes = mun.areas.filter(function (c) { return c.slice(0, 2) === st; });
      var filter = el("input", {type: "search", id: "muni-filter", "aria-label": say("area_name")});
      var block = table(say("table_municipalities", {state: areaName(st), period: state.period}), say("area_name"), codes.map(function (c) {
        return {label: areaName(c) + " (" + c + ")", code: c, period: state.period, o: obs(c, state.period)};
      }), "table-municipalities");
      filter.addEventListener("input", function () {
        var q = T.fold(filter.value);
        block.querySelectorAll("tbody tr").forEach(function (tr) { tr.hidden = q && T.fold(tr.firstChild.textContent).indexOf(q) < 0; });
      });
      areas.appendChild(filter);
      areas.appendChild(block);
    }
  }

  /* ---- the map ---- */

  function breaks(values) {
    var v = values.slice().sort(function (a, b) { return a - b; }), out = [];
    if (!v.length) { return out; }
    for (var k = 1; k <= 5; k++) {
      var pos = (v.length - 1) * k / 5, lo = Math.floor(pos), hi = Math.min(lo + 1, v.length - 1);
      var b = v[lo] + (v[hi] - v[lo]) * (pos - lo);
      if (!out.length || b > out[out.length - 1]) { out.push(b); }
    }
    return out;
  }
  function colours(count) {
    var out = [];
    for (var i = 0; i < count; i++) { out.push(PALETTE[Math.round(i * (PALETTE.length - 1) / Math.max(count - 1, 1))]); }
    return out;
  }
  function drawMap() {
    var box = document.getElementById("map-box"), legendBox = document.getElementById("map-legend");
    var level = state.level === "municipality" && cfg.municipal && cfg.municipal_map ? "municipality" : "state";
    var kind = level === "municipality" ? "municipalities" : "states";
    box.textContent = say("loading");
    var needs = [T.need("shapes:" + kind, root + "static/geo/" + kind + ".js")];
    if (level === "municipality") { needs.push(loadMunicipal()); }
    Promise.all(needs).then(function (got) {
      var shapes = got[0];
      box.textContent = "";
      legendBox.textContent = "";
      var codes = Object.keys(shapes.paths).sort();
      var vals = {}, present = [];
      codes.forEach(function (c) { var o = obs(c, state.period); vals[c] = o ? o.value : null; if (vals[c] !== null) { present.push(vals[c]); } });
      var br = breaks(present), col = colours(br.length);
      var title = say(level === "municipality" ? "map_title_municipalities" : "map_title", {period: state.period}) + " (" + cfg.unit + ")";
      box.appendChild(el("h3", {}, title));
      var map = svg("svg", {viewBox: "0 0 " + shapes.width + " " + shapes.height, role: "group", "aria-label": title, "class": "choropleth", "data-level": level});
      codes.forEach(function (c) {
        var v = vals[c], cls = v === null ? -1 : br.findIndex(function (b) { return v <= b; });
        var text = areaName(c) + ": " + fmt(v) + (v === null ? "" : " " + cfg.unit);
        var path = svg("path", {d: shapes.paths[c], fill: cls < 0 ? MISSING : col[cls === -1 ? br.length - 1 : cls], stroke: c === state.area ? "#1a1a1a" : "#ffffff", "stroke-width": c === state.area ? 2 : level === "municipality" ? 0.3 : 0.8, "data-code": c, "class": "area-shape"});
        if (level === "state") { path.setAttribute("tabindex", "0"); path.setAttribute("aria-label", text); }
        path.appendChild(svg("title", {}, text));
        path.addEventListener("click", function () { select(c); });
        path.addEventListener("keydown", function (ev) { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); select(c); } });
        tooltip(box, path, text);
        map.appendChild(path);
      });
      box.appendChild(map);
      var list = el("ul", {"class": "legend"});
      legendBox.appendChild(el("p", {"class": "legend-title"}, say("map_legend")));
      var lower = present.length ? Math.min.apply(null, present) : null;
      br.forEach(function (b, i) {
        var item = el("li", {});
        item.appendChild(el("span", {"class": "swatch block", style: "background:" + col[i], "aria-hidden": "true"}));
        var a = fmt(lower), z = fmt(b);
        item.appendChild(document.createTextNode(a === z ? a : a + " – " + z));
        list.appendChild(item);
        lower = b;
      });
      var none = el("li", {});
      none.appendChild(el("span", {"class": "swatch block missing", "aria-hidden": "true"}));
      none.appendChild(document.createTextNode(say("map_missing")));
      list.appendChild(none);
      legendBox.appendChild(list);
    }, function () { box.textContent = say("chart_empty"); });
  }

  /* ---- municipalities: loaded when first needed ---- */

  function loadMunicipal() {
    if (!cfg.municipal) { return Promise.resolve(null); }
    return Promise.all([
      T.need("data:" + cfg.id + ":mun", root + "data/" + cfg.id + ".mun.js"),
      T.need("names", root + "data/municipalities.js"),
    ]).then(function (got) { mun = got[0]; names = got[1]; return mun; });
  }
  function setupSearch() {
    var input = document.getElementById("sel-muni");
    if (!input) { return; }
    var list = document.getElementById("muni-options");
    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); }
    function show() {
      var q = T.fold(input.value.trim());
      list.textContent = "";
      if (q.length < 2 || !names) { close(); return; }
      var hits = Object.keys(names).filter(function (c) {
        return c.indexOf(q) === 0 || T.fold(names[c][0]).indexOf(q) >= 0;
      }).slice(0, 20);
      if (!hits.length) { list.appendChild(el("li", {role: "option", "aria-disabled": "true"}, say("municipality_none"))); }
      hits.forEach(function (c, i) {
        var li = el("li", {role: "option", id: "muni-opt-" + c, tabindex: "-1", "data-code": c},
          names[c][0] + " — " + areaName(names[c][1]) + " (" + c + ")");
        li.addEventListener("click", function () { input.value = names[c][0]; close(); select(c); });
        li.addEventListener("keydown", function (ev) {
          if (ev.key === "Enter") { ev.preventDefault(); li.click(); }
          if (ev.key === "ArrowDown" && li.nextSibling) { ev.preventDefault(); li.nextSibling.focus(); }
          if (ev.key === "ArrowUp") { ev.preventDefault(); (li.previousSibling || input).focus(); }
          if (ev.key === "Escape") { close(); input.focus(); }
        });
        if (i === 0) { li.setAttribute("aria-selected", "true"); }
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
    input.addEventListener("focus", function () { loadMunicipal().then(show); });
    input.addEventListener("input", show);
    input.addEventListener("keydown", function (ev) {
      var first = list.querySelector("li[data-code]");
      if (ev.key === "ArrowDown" && first) { ev.preventDefault(); first.focus(); }
      if (ev.key === "Enter" && first) { ev.preventDefault(); first.click(); }
      if (ev.key === "Escape") { close(); }
    });
  }

  /* ---- one update of every view ---- */

  function select(code) {
    state.area = code;
    if (code.length === 5) { loadMunicipal().then(render); } else { render(); }
  }
  function render() {
    fillSelectors();
    var text = label() + " · " + state.period;
    document.getElementById("selection").textContent = text;
    drawTime();
    drawAreas();
    drawTables();
    if (state.tab === "map") { drawMap(); }
    writeHash();
  }
  function showTab(name, focus) {
    state.tab = name;
    section.querySelectorAll("[role=tab]").forEach(function (tab) {
      var on = tab.dataset.tab === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      if (on && focus) { tab.focus(); }
      document.getElementById(tab.getAttribute("aria-controls")).hidden = !on;
    });
    if (name === "map") { drawMap(); }
    writeHash();
  }
  function setupTabs() {
    var tabs = Array.prototype.slice.call(section.querySelectorAll("[role=tab]"));
    tabs.forEach(function (tab, i) {
      tab.addEventListener("click", function () { showTab(tab.dataset.tab, false); });
      tab.addEventListener("keydown", function (ev) {
        var to = ev.key === "ArrowRight" ? i + 1 : ev.key === "ArrowLeft" ? i - 1 : ev.key === "Home" ? 0 : ev.key === "End" ? tabs.length - 1 : null;
        if (to === null) { return; }
        ev.preventDefault();
        showTab(tabs[(to + tabs.length) % tabs.length].dataset.tab, true);
      });
    });
  }

  function start() {
    section = document.getElementById("explorer");
    if (!section || !T) { return; }
    cfg = JSON.parse(document.getElementById("explorer-config").textContent);
    root = section.dataset.root;
    nf = new Intl.NumberFormat(cfg.lang === "es" ? "es-MX" : "en", {minimumFractionDigits: cfg.decimals, maximumFractionDigits: cfg.decimals});
    T.need("data:" + cfg.id + ":main", root + "data/" + cfg.id + ".js").then(function (data) {
      main = data;
      var hash = readHash();
      state = {area: main.areas.indexOf(hash.area) >= 0 || /^\d{5}$/.test(hash.area || "") ? hash.area : main.areas[0],
               period: hash.period || "", tab: ["chart", "table", "map"].indexOf(hash.tab) >= 0 ? hash.tab : "chart",
               level: hash.level === "municipality" ? "municipality" : "state", dims: {}};
      main.dims.forEach(function (d) {
        state.dims[d.id] = d.codes.indexOf(hash[d.id]) >= 0 ? hash[d.id] : d.codes[0];
        var sel = document.getElementById("sel-dim-" + d.id);
        if (sel) {
          sel.value = state.dims[d.id];
          sel.addEventListener("change", function () { state.dims[d.id] = sel.value; render(); });
        }
      });
      document.getElementById("sel-area").addEventListener("change", function (ev) { select(ev.target.value); });
      document.getElementById("sel-period").addEventListener("change", function (ev) { state.period = ev.target.value; render(); });
      document.getElementById("controls").addEventListener("submit", function (ev) { ev.preventDefault(); });
      section.querySelectorAll("input[name=map-level]").forEach(function (radio) {
        radio.checked = radio.value === state.level;
        radio.addEventListener("change", function () { state.level = radio.value; drawMap(); writeHash(); });
      });
      setupTabs();
      setupSearch();
      section.hidden = false;
      document.getElementById("static-view").hidden = true;
      var go = state.area.length === 5 ? loadMunicipal() : Promise.resolve(null);
      go.then(function () {
        if (partOf(state.area) === null) { state.area = main.areas[0]; }
        render();
        showTab(state.tab, false);
        section.setAttribute("data-ready", "true");
      });
    });
  }
  document.addEventListener("DOMContentLoaded", start);
})();

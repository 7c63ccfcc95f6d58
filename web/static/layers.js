// The lineage picture in columns: upstream on the left, downstream on the right, one column per
// step. Records are buttons (keyboard reaches them), edges an SVG drawn over the columns. The
// server lays the columns out and groups large ones (catalog/services/lineage.py picture): this
// script only draws, shows a record in the side panel, and asks again when a group is opened or
// a record expanded. Every name is set as text (textContent, SVG <title>), never as markup.
(function () {
  "use strict";
  var box = document.getElementById("layers");
  var source = document.getElementById("lineage-data");
  var panel = document.getElementById("lineage-panel");
  var message = document.getElementById("graph-message");
  if (!box || !source) { return; }
  var SVG = "http://www.w3.org/2000/svg";
  var data = JSON.parse(source.textContent);
  var selected = null;
  var EDGE_COLOURS = ["#2e8b57", "#0b5cab", "#d9822b", "#6b4f9e", "#c1467a", "#3a9bb5", "#b8860b", "#777777",
                      "#5fa777", "#8b4513", "#4682b4", "#9acd32", "#cd5c5c", "#708090", "#20b2aa", "#9370db",
                      "#daa520", "#556b2f", "#a0522d", "#2f4f4f", "#bc8f8f"];

  function el(name, className, text) {
    var node = document.createElement(name);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function say(text) {
    message.textContent = text || "";
    message.hidden = !text;
  }

  function columnTitle(level) {
    if (level === 0) { return "Запись"; }
    var steps = Math.abs(level);
    return (level < 0 ? "Откуда" : "Куда") + ", шаг " + steps;
  }

  function node(uid) {
    for (var i = 0; i < data.nodes.length; i += 1) { if (data.nodes[i].uid === uid) { return data.nodes[i]; } }
    return null;
  }

  function edgeColour(type) {
    var types = Object.keys(data.edgeTypes || {});
    var index = types.indexOf(type);
    return EDGE_COLOURS[(index < 0 ? 0 : index) % EDGE_COLOURS.length];
  }

  function card(n) {
    var item = el("div", "lnode");
    item.dataset.uid = n.uid;
    if (n.count) { item.classList.add("cluster"); }
    if (n.uid === data.root) { item.classList.add("root"); }
    if (n.deleted) { item.classList.add("deleted"); }
    item.style.borderLeftColor = n.colour;  // CSSOM: the policy allows it
    var main = el("button", "lnode-main");
    main.type = "button";
    main.title = n.title + (n.agency ? " — " + n.agency : "");
    var kind = n.count ? "группа" : n.kind_label;
    main.appendChild(el("span", "lnode-kind", kind + (n.agency ? " · " + n.agency : "")));
    main.appendChild(el("span", "lnode-title", n.title));
    if (n.status) { main.appendChild(el("span", "lnode-status", n.status)); }
    main.addEventListener("click", function () { select(n.uid); });
    item.appendChild(main);
    if (n.uid !== data.root) {
      var toggle = el("button", "lnode-toggle");
      toggle.type = "button";
      if (n.count) {
        toggle.textContent = "+";
        toggle.setAttribute("aria-label", "Раскрыть группу: " + n.title);
        toggle.title = "Раскрыть группу";
      } else if (n.expanded) {
        toggle.textContent = "−";
        toggle.setAttribute("aria-label", "Свернуть связи: " + n.title);
        toggle.title = "Свернуть связи";
      } else {
        toggle.textContent = "+";
        toggle.setAttribute("aria-label", "Раскрыть связи: " + n.title);
        toggle.title = "Раскрыть связи";
      }
      toggle.addEventListener("click", function () { toggleNode(n); });
      item.appendChild(toggle);
    }
    return item;
  }

  function draw() {
    box.textContent = "";
    var columns = el("div", "lcols");
    var byLevel = {};
    data.levels.forEach(function (level) {
      var column = el("section", "lcol");
      column.dataset.level = level;
      column.appendChild(el("h3", "lcol-head", columnTitle(level)));
      var body = el("div", "lcol-body");  // centred beside taller columns
      column.appendChild(body);
      byLevel[level] = body;
      columns.appendChild(column);
    });
    data.nodes.forEach(function (n) { byLevel[n.level].appendChild(card(n)); });
    box.appendChild(columns);
    drawEdges(columns);
    legend();
    if (selected && !node(selected)) { selected = null; }
    mark();
  }

  function drawEdges(columns) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "ledges");
    var width = columns.scrollWidth, height = columns.scrollHeight;
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    svg.setAttribute("aria-hidden", "true");
    var origin = columns.getBoundingClientRect();
    var boxes = {};
    columns.querySelectorAll(".lnode").forEach(function (item) {
      var r = item.getBoundingClientRect();
      boxes[item.dataset.uid] = { left: r.left - origin.left, right: r.right - origin.left,
                                  mid: r.top - origin.top + r.height / 2 };
    });
    var defs = document.createElementNS(SVG, "defs");
    var marker = document.createElementNS(SVG, "marker");
    marker.setAttribute("id", "larrow");
    marker.setAttribute("viewBox", "0 0 10 10");
    marker.setAttribute("refX", "9");
    marker.setAttribute("refY", "5");
    marker.setAttribute("markerUnits", "userSpaceOnUse");  // the same small tip on thick group edges
    marker.setAttribute("markerWidth", "9");
    marker.setAttribute("markerHeight", "9");
    marker.setAttribute("orient", "auto");
    var tip = document.createElementNS(SVG, "path");
    tip.setAttribute("d", "M0,0 L10,5 L0,10 z");
    tip.setAttribute("fill", "#7b8794");
    marker.appendChild(tip);
    defs.appendChild(marker);
    svg.appendChild(defs);
    data.edges.forEach(function (e) {
      var a = boxes[e.source], b = boxes[e.target];
      if (!a || !b) { return; }
      var from = node(e.source), to = node(e.target);
      var x1, x2, d;
      if (from.level < to.level) {
        x1 = a.right; x2 = b.left;
        d = "M" + x1 + "," + a.mid + " C" + (x1 + x2) / 2 + "," + a.mid + " " + (x1 + x2) / 2 + "," + b.mid + " " + x2 + "," + b.mid;
      } else if (from.level > to.level) {
        x1 = a.left; x2 = b.right;
        d = "M" + x1 + "," + a.mid + " C" + (x1 + x2) / 2 + "," + a.mid + " " + (x1 + x2) / 2 + "," + b.mid + " " + x2 + "," + b.mid;
      } else {  // the same column: a bow on its right side
        x1 = a.right; x2 = b.right;
        var bow = Math.max(x1, x2) + 18 + Math.min(40, Math.abs(a.mid - b.mid) / 6);
        d = "M" + x1 + "," + a.mid + " C" + bow + "," + a.mid + " " + bow + "," + b.mid + " " + x2 + "," + b.mid;
      }
      var g = document.createElementNS(SVG, "g");
      g.setAttribute("class", "ledge");
      g.dataset.source = e.source;
      g.dataset.target = e.target;
      g.dataset.type = e.type;
      var title = document.createElementNS(SVG, "title");
      title.textContent = e.text;
      var hit = document.createElementNS(SVG, "path");
      hit.setAttribute("d", d);
      hit.setAttribute("class", "ledge-hit");
      var line = document.createElementNS(SVG, "path");
      line.setAttribute("d", d);
      line.setAttribute("class", "ledge-line");
      line.setAttribute("stroke", edgeColour(e.type));
      line.setAttribute("stroke-width", e.count > 1 ? Math.min(6, 1.5 + Math.log(e.count)) : 1.5);
      line.setAttribute("marker-end", "url(#larrow)");
      if (e.dashed) { line.setAttribute("stroke-dasharray", "5 4"); }
      g.appendChild(title);
      g.appendChild(hit);
      g.appendChild(line);
      svg.appendChild(g);
    });
    columns.insertBefore(svg, columns.firstChild);
  }

  function legend() {
    var place = document.getElementById("lineage-edge-legend");
    if (!place) {
      place = el("p", "legend");
      place.id = "lineage-edge-legend";
      box.parentNode.parentNode.insertBefore(place, box.parentNode.nextSibling);
    }
    place.textContent = "";
    var seen = {};
    data.edges.forEach(function (e) { seen[e.type] = e.label; });
    var types = Object.keys(seen).sort(function (x, y) { return seen[x].localeCompare(seen[y], "ru"); });
    if (!types.length) { return; }
    place.appendChild(el("span", "", "Связи: "));
    types.forEach(function (type, i) {
      var swatch = el("span", "swatch line");  // no text: a colour, not a character to read
      swatch.setAttribute("aria-hidden", "true");
      swatch.style.color = edgeColour(type);
      place.appendChild(swatch);
      place.appendChild(document.createTextNode(" " + seen[type] + (i < types.length - 1 ? " · " : "")));
    });
  }

  function highlight(uid) {
    box.querySelectorAll(".lnode.selected").forEach(function (item) { item.classList.remove("selected"); });
    box.querySelectorAll(".ledge.near").forEach(function (g) { g.classList.remove("near"); });
    if (!uid) { return; }
    var item = box.querySelector('.lnode[data-uid="' + CSS.escape(uid) + '"]');
    if (item) { item.classList.add("selected"); }
    box.querySelectorAll(".ledge").forEach(function (g) {
      if (g.dataset.source === uid || g.dataset.target === uid) { g.classList.add("near"); }
    });
  }

  function select(uid) {
    selected = uid;
    highlight(uid);
    var n = node(uid);
    panel.textContent = "";
    if (!n) { return; }
    panel.appendChild(el("p", "panel-kind", n.count ? "Группа: " + n.kind_label : n.kind_label));
    panel.appendChild(el("h2", "panel-title", n.title));
    var facts = el("dl", "panel-facts");
    function fact(name, value) {
      if (!value) { return; }
      facts.appendChild(el("dt", "", name));
      facts.appendChild(el("dd", "", value));
    }
    fact("Орган", n.agency);
    fact("Статус", n.status);
    fact("Столбец", columnTitle(n.level));
    if (n.deleted) { fact("Состояние", "запись удалена"); }
    panel.appendChild(facts);
    var actions = el("p", "panel-actions");
    if (n.url) {
      var open = el("a", "button", "Открыть карточку");
      open.href = n.url;
      actions.appendChild(open);
      if (n.uid !== data.root) {
        var from = el("a", "", "Схема от этой записи");
        var parts = n.uid.split(":");
        from.href = box.dataset.lineageBase + "/" + parts[0] + "/" + parts[1];
        actions.appendChild(document.createTextNode(" "));
        actions.appendChild(from);
      }
    }
    if (n.uid !== data.root || n.kind === "datasets") {  // a dataset asked about still opens into its attributes
      var toggle = el("button", "", n.count ? "Раскрыть группу" : (n.expanded ? "Свернуть связи" : (n.kind === "datasets" ? "Раскрыть атрибуты и связи" : "Раскрыть связи")));
      toggle.type = "button";
      toggle.addEventListener("click", function () { toggleNode(n); });
      actions.appendChild(document.createTextNode(" "));
      actions.appendChild(toggle);
    }
    if (n.group) {
      var close = el("button", "", "Свернуть в группу");
      close.type = "button";
      close.addEventListener("click", function () { refresh(without(data.opened, n.group), data.expanded); });
      actions.appendChild(document.createTextNode(" "));
      actions.appendChild(close);
    }
    panel.appendChild(actions);
    if (n.count) {
      panel.appendChild(el("p", "muted", "Записей в группе: " + n.count + ". Раскройте группу, чтобы увидеть их на схеме."));
      return;
    }
    var heading = el("h3", "", "Связи");
    var list = el("ul", "panel-links");
    list.appendChild(el("li", "muted", "Загружаем…"));
    panel.appendChild(heading);
    panel.appendChild(list);
    var parts2 = n.uid.split(":");
    fetch(box.dataset.linksApi + "/" + parts2[0] + "/" + parts2[1] + "/picture?direction=both&depth=1",
          { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        if (selected !== uid) { return; }
        list.textContent = "";
        if (!answer.edges) { list.appendChild(el("li", "warning", answer.message || "Не удалось получить связи.")); return; }
        var mine = answer.edges.filter(function (e) { return e.source === answer.root || e.target === answer.root; });
        if (!mine.length) { list.appendChild(el("li", "muted", "Связей нет.")); }
        mine.forEach(function (e) {
          var other = null;
          answer.nodes.forEach(function (o) { if (o.uid === (e.source === answer.root ? e.target : e.source)) { other = o; } });
          var text = e.text + (e.count > 1 && other ? " (" + other.title + ")" : "");
          list.appendChild(el("li", "", text));
        });
      })
      .catch(function () { list.textContent = ""; list.appendChild(el("li", "warning", "Не удалось получить связи: сервер не ответил.")); });
  }

  function without(list, item) { return (list || []).filter(function (x) { return x !== item; }); }

  function toggleNode(n) {
    if (n.count) { refresh((data.opened || []).concat([n.uid]), data.expanded, n.uid); return; }
    if (n.expanded) { refresh(data.opened, without(data.expanded, n.uid), n.uid); return; }
    refresh(data.opened, (data.expanded || []).concat([n.uid]), n.uid);
  }

  function query(opened, expanded) {
    var params = new URLSearchParams(window.location.search);
    ["open", "expand", "page", "links_page"].forEach(function (name) { params.delete(name); });
    if (!params.get("direction")) { params.set("direction", data.direction); }
    if (!params.get("depth")) { params.set("depth", String(data.depth)); }
    (opened || []).forEach(function (key) { params.append("open", key); });
    (expanded || []).forEach(function (uid) { params.append("expand", uid); });
    return params;
  }

  function refresh(opened, expanded, focus) {
    var params = query(opened, expanded);
    var expanding = (expanded || []).length > (data.expanded || []).length;
    box.setAttribute("aria-busy", "true");
    fetch(box.dataset.api + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        box.removeAttribute("aria-busy");
        if (!answer.nodes) { say(answer.message || "Не удалось перестроить схему."); return; }
        var before = data.nodes.length;
        data = answer;
        data.edgeTypes = edgeTypes;
        say(answer.truncated ? "Схема достигла предела записей: часть связей не показана." : "");
        draw();
        if (history.replaceState) { history.replaceState(null, "", box.dataset.page + "?" + params.toString()); }
        var keep = focus && node(focus) ? focus : (selected && node(selected) ? selected : null);
        if (keep) {
          select(keep);
          var button = box.querySelector('.lnode[data-uid="' + CSS.escape(keep) + '"] .lnode-toggle');
          if (button) { button.focus(); }
        }
        if (expanding && data.nodes.length <= before) { say("Все связи этой записи уже на схеме."); }
      })
      .catch(function () { box.removeAttribute("aria-busy"); say("Не удалось перестроить схему: сервер не ответил."); });
  }

  function mark() {
    box.dataset.ready = "1";
    if (window.performance && performance.mark) { performance.mark("lineage-ready"); }
  }

  // The colour of each edge type stays the same across redraws: fixed by the first answer's order of types.
  var edgeTypes = {};
  (data.allEdgeTypes || []).forEach(function (t) { edgeTypes[t] = true; });
  data.edgeTypes = edgeTypes;
  draw();
  window.addEventListener("resize", function () { draw(); if (selected) { highlight(selected); } });
}());

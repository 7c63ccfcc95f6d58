// The small picture of a system request's processes: vis-network (served by the app) over the JSON
// the page embeds. The lineage page itself draws columns (static/layers.js).
// Labels and tooltips are plain text: vis-network 9 draws labels on a canvas and shows string
// titles as text, so a record named "<script>" is shown, never run.
(function () {
  "use strict";
  var box = document.getElementById("graph");
  var source = document.getElementById("graph-data");
  if (!box || !source || typeof vis === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var styles = data.styles;
  var maxNodes = parseInt(box.dataset.maxNodes, 10) || 400;
  var message = document.getElementById("graph-message");
  var nodes = new vis.DataSet(data.picture.nodes);
  var edges = new vis.DataSet(data.picture.edges);
  var network = new vis.Network(box, { nodes: nodes, edges: edges }, {
    layout: { hierarchical: { enabled: false } },
    physics: { stabilization: { iterations: 150 }, barnesHut: { springLength: 140 } },
    edges: { arrows: "to", font: { size: 10 }, color: { color: "#9aa5b1" } },
    nodes: { font: { size: 12 } },
    interaction: { hover: true }
  });
  network.once("stabilizationIterationsDone", function () { network.setOptions({ physics: false }); });

  function recordUrl(uid) {
    var parts = uid.split(":");
    return "/" + parts[0] + "/" + parts[1];
  }

  function say(text) {
    message.textContent = text;
    message.hidden = !text;
  }

  // A click opens the record in this tab, unless a second click follows (a double click expands
  // the node): a double click used to open the record in two new tabs as well.
  var pending = null;
  network.on("click", function (params) {
    if (params.nodes.length !== 1) { return; }
    var target = recordUrl(params.nodes[0]);
    clearTimeout(pending);
    pending = setTimeout(function () { window.location.href = target; }, 350);
  });

  network.on("doubleClick", function (params) {
    clearTimeout(pending);
    if (params.nodes.length !== 1) { return; }
    var uid = params.nodes[0];
    var parts = uid.split(":");
    fetch(box.dataset.api + "/" + parts[0] + "/" + parts[1] + "?depth=1&direction=both", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        if (!answer.nodes) { say(answer.error || "Не удалось раскрыть узел."); return; }
        var added = 0;
        answer.nodes.forEach(function (n) {
          if (nodes.get(n.uid)) { return; }
          if (nodes.length >= maxNodes) { return; }
          var style = styles[n.kind] || ["#999999", "dot"];
          var title = n.title || n.uid;
          nodes.add({ id: n.uid, label: title.length > 40 ? title.slice(0, 38) + "…" : title,
                      title: title, color: style[0], shape: style[1], size: 12 });
          added += 1;
        });
        answer.edges.forEach(function (e) {
          if (!edges.get(e.uid) && nodes.get(e.source) && nodes.get(e.target)) {
            edges.add({ id: e.uid, from: e.source, to: e.target, title: (data.picture.labels || {})[e.type] || "связь",
                        dashes: e.transport === "paper" || e.transport === "manual" });
          }
        });
        if (nodes.length >= maxNodes) {
          say("На схеме уже " + nodes.length + " записей — больше не добавляем. Откройте запись, чтобы смотреть от неё.");
        } else {
          say(added ? "" : "У этой записи нет других связей.");
        }
      })
      .catch(function () { say("Не удалось получить связи: сервер не ответил."); });
  });
})();

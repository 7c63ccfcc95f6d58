// Pick records for a form by searching the catalogue (/api/v1/search with a kind filter).
(function () {
  "use strict";
  function add(picker, item) {
    var target = document.getElementById(picker.dataset.target);
    if (picker.dataset.target === "processes") {
      if (target.querySelector('input[value="' + item.id + '"]')) { return; }
      var li = document.createElement("li");
      var input = document.createElement("input");
      input.type = "hidden"; input.name = "processes"; input.value = item.id;
      var remove = document.createElement("button");
      remove.type = "button"; remove.className = "link"; remove.textContent = "убрать";
      remove.setAttribute("data-remove", "");
      li.append(input, document.createTextNode(item.title + " "), remove);
      target.append(li);
      return;
    }
    var body = target.querySelector("tbody");
    var index = body.rows.length + Date.now() % 100000;
    var row = document.getElementById("dataset-row").content.firstElementChild.cloneNode(true);
    row.querySelectorAll("[data-field]").forEach(function (field) {
      field.name = "ds-" + index + "-" + field.dataset.field;
    });
    row.querySelector('[data-field="dataset_id"]').value = item.id;
    row.querySelector("[data-title]").textContent = item.title;
    body.append(row);
  }
  document.addEventListener("click", function (event) {
    if (event.target.hasAttribute("data-remove")) { event.target.closest("li").remove(); }
  });
  document.querySelectorAll(".picker").forEach(function (picker) {
    var input = picker.querySelector("input");
    var list = picker.querySelector(".suggestions");
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(async function () {
        var q = input.value.trim();
        if (!q) { list.hidden = true; return; }
        var response = await fetch(picker.dataset.search + "?per_page=10&kind=" + picker.dataset.kind + "&q=" + encodeURIComponent(q));
        if (!response.ok) { return; }
        var items = (await response.json()).items;
        list.replaceChildren.apply(list, items.map(function (item) {
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = "#"; a.textContent = item.title;
          a.addEventListener("click", function (e) { e.preventDefault(); add(picker, item); list.hidden = true; input.value = ""; });
          li.append(a);
          return li;
        }));
        list.hidden = items.length === 0;
      }, 150);
    });
  });
})();

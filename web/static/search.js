// Suggestions under every search box (the header's, the home page's, the search page's) as one types:
// names from /api/v1/search/suggest with their kind and agency, in an ARIA combobox: arrow keys move
// through them, Enter opens the highlighted one (or searches when none is), Escape closes the list.
(function () {
  "use strict";
  var counter = 0;

  function setUp(input) {
    var form = input.form;
    var list = form.querySelector(".suggestions");
    if (!list) {
      list = document.createElement("ul");
      list.className = "suggestions";
      list.hidden = true;
      form.append(list);
    }
    counter += 1;
    list.id = list.id || "suggestions-" + counter;
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Подсказки");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");

    var timer = null, last = "", active = -1;

    function options() { return list.querySelectorAll("[role=option]"); }

    function settled() { list.setAttribute("aria-busy", "false"); }

    function close() {
      settled();
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var all = options();
      if (!all.length) { return; }
      active = (index + all.length) % all.length;
      all.forEach(function (option, i) { option.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({block: "nearest"});
    }

    function render(items) {
      list.replaceChildren.apply(list, items.map(function (item, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.href = "/" + item.kind + "/" + item.id;
        // A real link inside the option: a click (or a middle click, Ctrl+click) opens the record as links do.
        var title = document.createElement("a");
        title.className = "title";
        title.href = li.dataset.href;
        title.tabIndex = -1;
        title.textContent = item.title;
        var meta = document.createElement("span");
        meta.className = "meta";
        meta.textContent = item.kind_label + (item.agency ? " · " + item.agency : "");
        li.append(title, meta);
        return li;
      }));
      active = -1;
      input.removeAttribute("aria-activedescendant");
      settled();
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      // Suggestions for what is typed now are on their way: the list shown may still be for fewer letters.
      list.setAttribute("aria-busy", "true");
      timer = setTimeout(function () {
        var q = input.value;
        if (q === last) { settled(); return; }
        last = q;
        if (!q.trim()) { close(); return; }
        fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q), {headers: {Accept: "application/json"}})
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (body) {
            if (q !== input.value) { return; }  // a later request answers for the newer text
            if (body) { render(body.items); } else { settled(); }
          })
          .catch(function () { settled(); /* no suggestions: the search itself still works */ });
      }, 120);
    });

    input.addEventListener("keydown", function (event) {
      var open = !list.hidden;
      if (event.key === "ArrowDown") {
        if (open) { event.preventDefault(); highlight(active + 1); }
      } else if (event.key === "ArrowUp") {
        if (open) { event.preventDefault(); highlight(active - 1); }
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          event.preventDefault();
          window.location.assign(options()[active].dataset.href);
        }
      } else if (event.key === "Escape") {
        if (open) { event.preventDefault(); close(); }
      }
    });

    // The input keeps the focus while an option is pressed, so its blur does not close the list first.
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option && !event.target.closest("a")) { window.location.assign(option.dataset.href); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function start() { document.querySelectorAll("input[data-suggest]").forEach(setUp); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());

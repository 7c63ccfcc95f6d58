// Suggestions under the search box as one types: names from /api/v1/search/suggest.
(function () {
  for (const input of document.querySelectorAll("input[data-suggest]")) {
    const list = input.form.querySelector(".suggestions");
    let timer = null, last = "";
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const q = input.value;
        if (q === last) return;
        last = q;
        if (!q.trim()) { list.hidden = true; return; }
        const response = await fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q));
        if (!response.ok || q !== input.value) return;
        const items = (await response.json()).items;
        list.replaceChildren(...items.map((item) => {
          const li = document.createElement("li");
          const a = document.createElement("a");
          a.href = "/" + item.kind + "/" + item.id;
          a.textContent = item.title;
          li.append(a);
          return li;
        }));
        list.hidden = items.length === 0;
      }, 120);
    });
    input.addEventListener("keydown", (event) => { if (event.key === "Escape") list.hidden = true; });
  }
})();

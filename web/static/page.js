// Small behaviours of every page, kept out of the markup: the Content-Security-Policy allows
// no inline script or style (web/security.py).
(function () {
  "use strict";
  // <select data-autosubmit>: choosing a value submits its form (the link form's type and target kind).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) { target.form.submit(); }
  });
  // <form data-confirm="…">: asks before a destructive post.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  // data-color: a colour chosen by the server (the lineage legend), set through the CSSOM, which the CSP allows.
  function paint() {
    document.querySelectorAll("[data-color]").forEach(function (el) { el.style.color = el.getAttribute("data-color"); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", paint); } else { paint(); }
}());
// The header's «Меню» button: on narrow screens the menu folds away until asked for.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".nav-toggle");
    if (!button) { return; }
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    document.body.classList.toggle("nav-open", open);
  });
}());

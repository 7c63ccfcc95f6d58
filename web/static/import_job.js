// The page of a background import reloads itself while the job is queued or running
// (a file, not an inline script, so the Content-Security-Policy needs no 'unsafe-inline').
(function () {
  var status = document.querySelector(".job-status[data-refresh]");
  if (!status) return;
  var seconds = parseFloat(status.getAttribute("data-refresh")) || 2;
  setTimeout(function () { window.location.reload(); }, seconds * 1000);
})();

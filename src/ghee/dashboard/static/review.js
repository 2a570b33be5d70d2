// Review buttons answer in place (fetch); the queue also has keyboard shortcuts (j k a r n ?).
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var live = document.getElementById("review-live");
  var problem = document.getElementById("review-error");
  var review = function (form) {
    var holder = form.closest("[data-asset]");
    var body = new URLSearchParams(new FormData(form));
    problem.hidden = true;
    return window.ghee.fetch(form.action, { method: "POST", body: body, headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("The review was not saved (HTTP " + response.status + "). Reload the page and try again."); }
        return response.json();
      })
      .then(function (asset) {
        var badge = holder.querySelector("[data-status]");
        badge.textContent = asset.label;
        badge.className = "status status-" + asset.approval_status;
        holder.setAttribute("data-approval", asset.approval_status);
        live.textContent = asset.path + ": " + asset.label;
      })
      .catch(function (error) { problem.textContent = error.message; problem.hidden = false; });
  };
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-review]");
    if (!form || !window.ghee) { return; }
    event.preventDefault();
    review(form);
  });

  // Decisions made elsewhere (another reviewer, the API) show up as they happen.
  var labels = { needs_changes: "needs changes" };
  window.ghee.live(["asset.approval_changed"], function (event) {
    var holder = document.querySelector('[data-asset="' + event.resource_id + '"]');
    var status = event.payload.approval_status;
    if (!holder || holder.getAttribute("data-approval") === status) { return; }
    var badge = holder.querySelector("[data-status]");
    badge.textContent = labels[status] || status;
    badge.className = "status status-" + status;
    holder.setAttribute("data-approval", status);
    live.textContent = event.payload.path + ": " + (labels[status] || status);
  });

  var queue = document.querySelector("[data-review-queue]");
  var dialog = document.getElementById("shortcuts-dialog");
  if (!queue && !dialog) { return; }
  var rows = queue ? Array.prototype.slice.call(queue.querySelectorAll("tbody tr")) : [];
  var current = -1;
  var select = function (index) {
    if (!rows.length) { return; }
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (current >= 0) { rows[current].removeAttribute("data-selected"); }
    current = index;
    var row = rows[current];
    row.setAttribute("data-selected", "");
    row.scrollIntoView({ block: "nearest" });
    live.textContent = "Selected " + row.getAttribute("data-path");
  };
  var decide = function (status) {
    if (current < 0) { return; }
    var form = rows[current].querySelector('form[data-review] [data-status-value="' + status + '"]').form;
    review(form);
  };
  var keys = { a: "approved", r: "rejected", n: "needs_changes" };
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) { return; }
    var target = event.target;
    if (target.closest && target.closest("input, select, textarea, [contenteditable]")) { return; }
    if (dialog && dialog.open && event.key !== "?") { return; }
    if (event.key === "?") {
      event.preventDefault();
      if (dialog.open) { dialog.close(); } else { dialog.showModal(); }
    } else if (event.key === "j") {
      event.preventDefault(); select(current + 1);
    } else if (event.key === "k") {
      event.preventDefault(); select(current < 0 ? 0 : current - 1);
    } else if (keys[event.key]) {
      event.preventDefault(); decide(keys[event.key]);
    }
  });
});

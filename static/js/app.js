// Behaviour without inline scripts (the CSP forbids them).
document.addEventListener("change", function (event) {
  if (event.target.matches("[data-autosubmit]")) {
    event.target.form.submit();
  }
});
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// Signing out wipes the offline field app's data (the logout answer carries Clear-Site-Data),
// including records it has not synced yet: the app keeps their count in localStorage
// (static/offline/store.js), so say so before the logout form goes.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (event.defaultPrevented || !/\/accounts\/logout\/$/.test(form.getAttribute("action") || "")) return;
  var pending = 0;
  try {
    pending = parseInt(window.localStorage.getItem("xf-offline-pending") || "0", 10) || 0;
  } catch (error) {
    pending = 0; // storage disabled: nothing kept offline either
  }
  if (pending > 0 && !form.elements.keep_offline) {
    var template = form.getAttribute("data-offline-confirm") ||
      "本机有 %(n)s 条离线记录尚未同步，退出将清除它们。确定退出？";
    if (!window.confirm(template.replace("%(n)s", pending))) {
      event.preventDefault();
    }
  }
});

// List tables (table.table-cards) become cards on a phone: each cell shows its column's
// header, copied here from the thead (CSS in app.css prints it before the value).
function xfLabelCards(root) {
  root.querySelectorAll("table.table-cards").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    if (!heads.length) return;
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        var head = heads[column];
        if (!cell.hasAttribute("data-label") && head && cell.colSpan === 1) {
          cell.setAttribute("data-label", head.textContent.trim());
        }
        column += cell.colSpan || 1;
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", function () { xfLabelCards(document); });
document.addEventListener("htmx:load", function () { xfLabelCards(document); });

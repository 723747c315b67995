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

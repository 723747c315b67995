// The printable certificate: the 打印 button prints the page (print CSS hides the navigation).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});

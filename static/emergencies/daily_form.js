// 填报每日情况: under each cumulative count, the new-today difference from the last report
// (json_script "daily-previous": {code: cumulative}), and a warning when it would decrease.
// The server checks the same rule; this is only a help while typing.
(function () {
  "use strict";

  function setup() {
    var node = document.getElementById("daily-previous");
    if (!node) return;
    var previous;
    try {
      previous = JSON.parse(node.textContent) || {};
    } catch (err) {
      return;
    }
    var form = document.querySelector("[data-daily-form]");
    var textNew = (form && form.getAttribute("data-text-new")) || "+";
    var textLess = (form && form.getAttribute("data-text-less")) || "<";
    var inputs = document.querySelectorAll("[data-cumulative]");
    Array.prototype.forEach.call(inputs, function (input) {
      var code = input.getAttribute("data-cumulative");
      var hint = document.querySelector('[data-new-for="' + code + '"]');
      if (!hint || previous[code] === undefined || previous[code] === null) return;
      function update() {
        var value = parseInt(input.value, 10);
        if (isNaN(value)) {
          hint.textContent = "";
          return;
        }
        var diff = value - previous[code];
        hint.textContent = diff < 0 ? textLess + "（" + previous[code] + "）" : textNew + " " + diff;
        hint.classList.toggle("text-danger", diff < 0);
      }
      input.addEventListener("input", update);
      update();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();

// Person pickers: a search box above each select[data-autocomplete-url] asks the server
// (?q=) for at most 20 matches; picking one puts it into the select, which the form posts.
// The select only ever holds the chosen option(s), never the whole list.
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function setup(select) {
    if (select.dataset.autocompleteReady) return;
    select.dataset.autocompleteReady = "1";
    var multiple = select.multiple;
    var wrap = el("div", "autocomplete position-relative");
    var input = el("input", "form-control");
    input.type = "search";
    input.autocomplete = "off";
    input.placeholder = select.dataset.autocompletePlaceholder || "";
    input.setAttribute("aria-label", input.placeholder);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-expanded", "false");
    if (select.id) input.id = select.id + "_search";
    var list = el("ul", "list-group autocomplete-results shadow-sm");
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var chips = el("div", "autocomplete-chips d-flex flex-wrap gap-1 mt-1");
    select.parentNode.insertBefore(wrap, select);
    wrap.appendChild(input);
    wrap.appendChild(list);
    wrap.appendChild(select);
    if (multiple) {
      select.hidden = true;
      wrap.appendChild(chips);
      renderChips();
    } else {
      select.classList.add("mt-1");
    }

    var timer = null;
    var active = -1;
    var latest = 0;

    function renderChips() {
      chips.textContent = "";
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.selected) return;
        var chip = el("span", "badge text-bg-light border d-inline-flex align-items-center gap-1", option.textContent);
        var remove = el("button", "btn-close btn-close-sm");
        remove.type = "button";
        remove.setAttribute("aria-label", (select.dataset.autocompleteRemove || "") + " " + option.textContent);
        remove.addEventListener("click", function () {
          option.remove();
          renderChips();
        });
        chip.appendChild(remove);
        chips.appendChild(chip);
      });
    }

    function close() {
      list.hidden = true;
      list.textContent = "";
      active = -1;
      input.setAttribute("aria-expanded", "false");
    }

    function choose(item) {
      var value = String(item.id);
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === value; });
      if (!multiple) {
        Array.prototype.slice.call(select.options).forEach(function (o) {
          if (o.value !== "" && o.value !== value) o.remove();
        });
      }
      if (!option) {
        option = new Option(item.text, value, true, true);
        select.appendChild(option);
      }
      option.selected = true;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      input.value = "";
      close();
      if (multiple) renderChips();
    }

    function show(results) {
      list.textContent = "";
      active = -1;
      if (!results.length) {
        list.appendChild(el("li", "list-group-item text-body-secondary small", select.dataset.autocompleteEmpty || ""));
      }
      results.forEach(function (item) {
        var li = el("li", "list-group-item list-group-item-action autocomplete-option", item.text);
        li.setAttribute("role", "option");
        li.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep focus in the box until the click lands
          choose(item);
        });
        li._item = item;
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function search() {
      var q = input.value.trim();
      if (!q) {
        close();
        return;
      }
      var ticket = ++latest;
      var url = select.dataset.autocompleteUrl + "?q=" + encodeURIComponent(q);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          if (ticket === latest) show(data.results || []);
        })
        .catch(function () {});
    }

    function highlight(step) {
      var items = list.querySelectorAll(".autocomplete-option");
      if (!items.length) return;
      active = (active + step + items.length) % items.length;
      items.forEach(function (li, i) { li.classList.toggle("active", i === active); });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { highlight(1); event.preventDefault(); }
      else if (event.key === "ArrowUp") { highlight(-1); event.preventDefault(); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter" && !list.hidden) {
        var items = list.querySelectorAll(".autocomplete-option");
        var li = items[active >= 0 ? active : 0];
        if (li) { choose(li._item); event.preventDefault(); }
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function init(root) {
    (root || document).querySelectorAll("select[data-autocomplete-url]").forEach(setup);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();

// Service-record forms (quick entry and the desk form): show the typed-result fields of the
// chosen service type only, and its unit and default hours beside quantity and hours.
// Without this script every result group stays visible and the server still checks them.
(function () {
  "use strict";

  function typeInfo(form) {
    var info = {};
    form.querySelectorAll("[data-type-info] li").forEach(function (li) {
      info[li.dataset.type] = { unit: li.dataset.unit, hours: li.dataset.hours };
    });
    return info;
  }

  function chosenType(form) {
    var select = form.querySelector("select[name=service_type]");
    if (select) return select.value;
    var radio = form.querySelector("input[name=service_type]:checked");
    return radio ? radio.value : "";
  }

  function update(form, info) {
    var type = chosenType(form);
    form.querySelectorAll("[data-result-type]").forEach(function (group) {
      group.hidden = group.dataset.resultType !== type;
    });
    var data = info[type];
    form.querySelectorAll("[data-unit-label]").forEach(function (label) {
      if (data) label.textContent = data.unit;
    });
    var hours = form.querySelector("input[name=hours]");
    if (hours && data) hours.placeholder = data.hours;
    var summary = form.querySelector("[data-hours-summary]");
    if (summary && data && !(hours && hours.value)) {
      summary.textContent = summary.dataset.template
        ? summary.dataset.template.replace("%s", data.hours)
        : data.hours + " h";
    }
  }

  function setup(form) {
    var info = typeInfo(form);
    form.addEventListener("change", function (event) {
      if (event.target.name === "service_type" || event.target.name === "hours") update(form, info);
    });
    update(form, info);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-record-form]").forEach(setup);
  });
})();

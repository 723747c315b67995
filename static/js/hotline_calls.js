// The call form's high-risk notice (hotline/rules.py decides the level on the server; this
// mirrors its HIGH rule so the duty member sees, before saving, that the supervisor will be
// alerted): an attempt, a plan with access to means, a risk to others, or the outcome 危机升级.
(function () {
  function yes(form, name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input !== null && input.value === "1";
  }
  function update(form) {
    var notice = form.querySelector("[data-high-risk-notice]");
    if (!notice) return;
    var outcome = form.querySelector('input[name="outcome"]:checked');
    var high = yes(form, "suicide_attempt") || (yes(form, "suicide_plan") && yes(form, "means_access")) ||
      yes(form, "violence_risk") || (outcome !== null && outcome.value === "crisis");
    notice.classList.toggle("d-none", !high);
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-call-form]");
    if (form) update(form);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-call-form]").forEach(update);
  });
})();

// The meeting form and the roll (templates/partylife/meeting_form.html, meeting_roll.html,
// meeting_attendance.html): 全部出席 marks every member present; unticking 会议有效 shows the
// 无效说明 field (ticking it hides it again). Delegated from the document, so both keep working
// after htmx redraws the form.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-all-present]");
    if (!button) {
      return;
    }
    var roll = button.closest("[data-roll]");
    roll.querySelectorAll('input[type="radio"][value="present"]').forEach(function (radio) {
      radio.checked = true;
    });
  });
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches('input[type="checkbox"][name="is_valid"]')) {
      return;
    }
    var form = box.closest("form");
    var note = form && form.querySelector("[data-invalid-note]");
    if (!note) {
      return;
    }
    note.hidden = box.checked;
    if (!box.checked) {
      var input = note.querySelector("input, textarea");
      if (input) {
        input.focus();
      }
    }
  });
})();

/* schoolsocial: small progressive enhancements. Every page works without it. */
(function () {
  "use strict";

  // Move focus to a form's error summary so screen readers announce it.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }

    // Disable a submit button after the first click so a form is sent once
    // (the server refuses a second send as well).
    document.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll("button[data-once]").forEach(function (button) {
          window.setTimeout(function () { button.disabled = true; }, 0);
        });
      });
    });
  });
})();

/* schoolsocial: small progressive enhancements. Every page works without it. */
(function () {
  "use strict";

  // The phone layout hides the main menu behind one button only when this
  // script runs to open it (CSS: .js .main-nav).
  document.documentElement.classList.add("js");

  // Each table cell carries its column's heading, so a narrow screen can
  // show a row as a card (CSS: table.stacked).
  function labelTable(table) {
    var head = table.tHead;
    if (!head || !head.rows.length || table.hasAttribute("data-no-stack")) { return; }
    var labels = [];
    Array.prototype.forEach.call(head.rows[head.rows.length - 1].cells, function (cell) {
      var span = cell.colSpan || 1;
      for (var i = 0; i < span; i++) { labels.push(cell.textContent.trim()); }
    });
    var bodies = Array.prototype.slice.call(table.tBodies);
    if (table.tFoot) { bodies.push(table.tFoot); }
    bodies.forEach(function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          var label = labels[column];
          if (label && !cell.hasAttribute("data-label") && cell.colSpan < labels.length) {
            cell.setAttribute("data-label", label);
          }
          column += cell.colSpan || 1;
        });
      });
    });
    table.classList.add("stacked");
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table").forEach(labelTable);

    var toggle = document.querySelector("[data-nav-toggle]");
    var nav = document.getElementById("main-nav");
    if (toggle && nav) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var open = nav.classList.toggle("main-nav--open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }

    // A Print button (the browser's own Print command does the same).
    document.querySelectorAll("[data-print-page]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });

    // Move focus to a form's error summary so screen readers announce it.
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

/* consent: a class's paper forms. Ticking "All granted" shows every purpose
   as granted and takes those answers out of the tab order, so the next Tab
   goes on to the date and the next pupil. Progressive: without it the
   server treats "All granted" as granted for every purpose all the same. */
(function () {
  "use strict";
  function apply(row) {
    var all = row.querySelector("input[type=checkbox][name$='-all_granted']");
    if (!all) { return; }
    row.querySelectorAll("select[name*='-purpose_']").forEach(function (select) {
      if (all.checked) {
        select.dataset.before = select.value;
        select.value = "granted";
        select.disabled = true;
      } else if (select.disabled) {
        select.disabled = false;
        select.value = select.dataset.before || "";
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-grid-row]").forEach(function (row) {
      var all = row.querySelector("input[type=checkbox][name$='-all_granted']");
      if (!all) { return; }
      all.addEventListener("change", function () { apply(row); });
      apply(row);
    });
  });
})();

/* consent: filter the publication check's pupil lists as you type.
   Progressive: without it, every class list is shown and the search form
   below the check filters on the server. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-pupil-search]");
    if (!box) { return; }
    box.hidden = false;
    var input = box.querySelector("input");
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
      document.querySelectorAll("[data-pupil-class]").forEach(function (group) {
        var shown = 0;
        group.querySelectorAll("[data-pupil-name]").forEach(function (item) {
          var name = item.getAttribute("data-pupil-name");
          var match = words.every(function (w) { return name.indexOf(w) !== -1; });
          item.hidden = !match;
          if (match) { shown += 1; }
        });
        group.hidden = shown === 0;
        if (words.length && shown) { group.open = true; }
      });
    });
  });
})();

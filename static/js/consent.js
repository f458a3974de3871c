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
    // Each row carries its search key, folded on the server by
    // schoolsocial.folding; this folds what is typed the same way for
    // everyday input (accents, case, apostrophes, hyphens). Whatever it
    // misses, the search form below finds with the server's folding.
    function words(text) {
      return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
        .split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    }
    input.addEventListener("input", function () {
      var typed = words(input.value);
      document.querySelectorAll("[data-pupil-class]").forEach(function (group) {
        var shown = 0;
        group.querySelectorAll("[data-pupil-name]").forEach(function (item) {
          var name = item.getAttribute("data-pupil-name");
          var match = typed.every(function (w) { return name.indexOf(w) !== -1; });
          item.hidden = !match;
          if (match) { shown += 1; }
        });
        group.hidden = shown === 0;
        if (typed.length && shown) { group.open = true; }
      });
    });
  });
})();

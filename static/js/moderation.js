/* Moderation: paste or drop screenshots onto the incident form.
 *
 * Progressive enhancement only: the plain <input type="file" multiple> works
 * without this script. With it, an image pasted from the clipboard or dropped
 * on the form is added to that same input through a DataTransfer, so the
 * server receives ordinary files and checks them as it always does.
 */
(function () {
  "use strict";

  var MAX_FILES = 10;
  var TYPES = ["image/png", "image/jpeg", "image/webp"];

  function supportsDataTransfer() {
    try { return typeof DataTransfer === "function" && !!new DataTransfer().items; }
    catch (e) { return false; }
  }

  function listFiles(input, list) {
    if (!list) { return; }
    while (list.firstChild) { list.removeChild(list.firstChild); }
    Array.prototype.forEach.call(input.files, function (file) {
      var li = document.createElement("li");
      li.textContent = file.name + " (" + Math.round(file.size / 1024) + " KB)";
      list.appendChild(li);
    });
  }

  function addFiles(input, files, list) {
    var transfer = new DataTransfer();
    Array.prototype.forEach.call(input.files, function (file) { transfer.items.add(file); });
    var stamp = new Date().toISOString().replace(/[:.]/g, "-");
    Array.prototype.forEach.call(files, function (file, n) {
      if (TYPES.indexOf(file.type) === -1 || transfer.files.length >= MAX_FILES) { return; }
      var name = file.name && file.name !== "image.png" ? file.name : "pasted-" + stamp + "-" + n + ".png";
      transfer.items.add(new File([file], name, { type: file.type }));
    });
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    listFiles(input, list);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-incident-form]");
    if (!form || !supportsDataTransfer()) { return; }
    var input = form.querySelector("[data-screenshot-input]");
    var zone = form.querySelector("[data-dropzone]");
    if (!input || !zone) { return; }
    var list = zone.querySelector("[data-dropzone-list]");
    zone.hidden = false;

    input.addEventListener("change", function () { listFiles(input, list); });

    document.addEventListener("paste", function (event) {
      var items = (event.clipboardData && event.clipboardData.files) || [];
      if (items.length) {
        event.preventDefault();
        addFiles(input, items, list);
      }
    });

    ["dragenter", "dragover"].forEach(function (name) {
      form.addEventListener(name, function (event) {
        if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") !== -1) {
          event.preventDefault();
          zone.classList.add("dropzone--active");
        }
      });
    });
    ["dragleave", "dragend"].forEach(function (name) {
      form.addEventListener(name, function () { zone.classList.remove("dropzone--active"); });
    });
    form.addEventListener("drop", function (event) {
      if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
      event.preventDefault();
      zone.classList.remove("dropzone--active");
      addFiles(input, event.dataTransfer.files, list);
    });
  });
})();

// Small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  // "Copy" buttons next to read-only fields (e.g. invitation links).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button || !navigator.clipboard) return;
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) return;
    navigator.clipboard.writeText(field.value || field.textContent).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });
  // Ask before destructive actions marked with data-confirm.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();

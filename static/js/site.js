// Small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  // "Copy" buttons next to read-only fields (e.g. invitation links); the button says its
  // data-copied text (translated in the template) for a moment after copying.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button || !navigator.clipboard) return;
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) return;
    navigator.clipboard.writeText(field.value || field.textContent).then(function () {
      var done = button.getAttribute("data-copied");
      if (!done) return;
      var label = button.textContent;
      button.textContent = done;
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });
  // The feed's compose box is folded behind "Share something" so that a phone shows the first
  // post at once; a wide screen has room for it, open (the width of posts.css's two columns).
  if (window.matchMedia("(min-width: 40rem)").matches) {
    document.querySelectorAll("details[data-open-wide]").forEach(function (details) {
      details.open = true;
    });
  }
  // Ask before destructive actions marked with data-confirm.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();

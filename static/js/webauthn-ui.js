// Passkeys (allauth's mfa/js/webauthn.js does the WebAuthn ceremonies): buttons that need
// WebAuthn are shown only in a browser that has it, and a ceremony that fails or is cancelled
// is said next to the button that started it, instead of only in the console.
(function () {
  "use strict";
  var supported = typeof window.PublicKeyCredential !== "undefined";

  // The buttons allauth's forms wire up, named in their data-allauth-onload configuration.
  function webauthnButtons() {
    var buttons = [];
    document.querySelectorAll('script[data-allauth-onload^="allauth.webauthn."]').forEach(
      function (script) {
        var ids = {};
        try { ids = JSON.parse(script.textContent).ids || {}; } catch (error) { return; }
        ["login", "authenticate", "add", "signup"].forEach(function (name) {
          var button = ids[name] && document.getElementById(ids[name]);
          if (button) buttons.push(button);
        });
      }
    );
    return buttons;
  }

  function showNextTo(message, button) {
    if (!message) return;
    if (button) button.insertAdjacentElement("afterend", message);
    message.hidden = false;
  }

  var lastButton = null;
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (button && webauthnButtons().indexOf(button) !== -1) {
      lastButton = button;
      var message = document.getElementById("webauthn-error");
      if (message) message.hidden = true;
    }
  }, true);

  document.addEventListener("allauth.error", function (event) {
    var tags = (event.detail && event.detail.tags) || [];
    if (tags.indexOf("webauthn") === -1) return;
    event.preventDefault(); // allauth would log it to the console
    showNextTo(document.getElementById("webauthn-error"), lastButton);
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-needs-webauthn]").forEach(function (element) {
      element.hidden = !supported;
    });
    if (!supported) {
      var buttons = webauthnButtons().filter(function (button) { return !button.hidden; });
      buttons.forEach(function (button) { button.disabled = true; });
      if (buttons.length) showNextTo(document.getElementById("webauthn-unsupported"), buttons[0]);
    }
  });
})();

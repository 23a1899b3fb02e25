// KI-Match: small progressive enhancements on top of htmx. Pages work without this file.
(function () {
  "use strict";

  // After a form comes back with errors, put the keyboard focus on the first invalid field,
  // so screen-reader and keyboard users land where they need to act.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.querySelector) return;
    var invalid = target.querySelector('[aria-invalid="true"]');
    if (invalid) {
      invalid.focus();
      return;
    }
    var autofocus = target.querySelector("[data-focus-after-swap]");
    if (autofocus) autofocus.focus();
  });

  // A failed request must never fail silently.
  document.addEventListener("htmx:sendError", function () {
    var region = document.getElementById("flash");
    if (region) {
      var message = document.documentElement.lang === "en"
        ? "The server could not be reached. Please check your connection and try again."
        : "Der Server ist nicht erreichbar. Bitte prüfen Sie Ihre Verbindung und versuchen Sie es noch einmal.";
      region.textContent = "";
      var p = document.createElement("p");
      p.className = "flash flash-error";
      p.textContent = message;
      region.appendChild(p);
    }
  });
})();

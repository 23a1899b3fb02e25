// KI-Match: small progressive enhancements on top of htmx. Pages work without this file.
(function () {
  "use strict";

  // After a form comes back with errors, put the keyboard focus on the first invalid field,
  // so screen-reader and keyboard users land where they need to act.
  // htmx fires afterSwap on each new element; after an outerHTML swap detail.target is the old,
  // detached element, so look in the new content, and only once per swap.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.focusHandled) return;
    // An element that only closes something (the inline form's "Abbrechen") names where the
    // keyboard goes back to once its answer is in: the link that opened it.
    var from = event.detail.requestConfig && event.detail.requestConfig.elt;
    var back = from && from.getAttribute && document.getElementById(from.getAttribute("data-focus-after-swap-id") || "");
    if (back) {
      event.detail.focusHandled = true;
      back.focus();
      return;
    }
    var root = event.target;
    if (!root || !root.isConnected || !root.querySelector) root = event.detail.target;
    if (!root || !root.isConnected || !root.querySelector) return;
    var wanted = root.matches('[aria-invalid="true"]') ? root : root.querySelector('[aria-invalid="true"]');
    if (!wanted) {
      wanted = root.matches("[data-focus-after-swap]") ? root : root.querySelector("[data-focus-after-swap]");
      // The message of an action that moves the work on elsewhere (a request opened for matching:
      // its candidates) names where the focus goes instead; the message stays in its live region.
      var onward = wanted && document.getElementById(wanted.getAttribute("data-focus-target") || "");
      if (onward) wanted = onward;
    }
    if (wanted) {
      event.detail.focusHandled = true;
      wanted.focus();
    }
  });

  // A page opened at one of its parts (#candidates-heading after a request was opened) starts with
  // the keyboard there too, when that part may take the focus (tabindex="-1"): scrolling alone
  // leaves a screen-reader or keyboard user at the top.
  document.addEventListener("DOMContentLoaded", function () {
    var id = window.location.hash ? decodeURIComponent(window.location.hash.slice(1)) : "";
    var part = id && document.getElementById(id);
    if (part && part.getAttribute("tabindex") === "-1") part.focus();
  });

  // The request page answers each action with every region that shows the request's state, out of
  // band. A region whose data-oob-key is the same as the one on the page shows nothing new: it is
  // left as it is, with the focus and whatever was typed into its forms.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var detail = event.detail;
    var current = detail.target;
    var fresh = detail.fragment && detail.fragment.firstElementChild;
    if (!current || !fresh || !current.hasAttribute || !current.hasAttribute("data-oob-key")) return;
    if (fresh.getAttribute("data-oob-key") === current.getAttribute("data-oob-key")) detail.shouldSwap = false;
  });

  // A list that refreshes itself (the helper's inbox) must not throw away what someone is typing:
  // skip a poll while a field in it has focus or holds text, or a disclosure in it is open.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var list = event.detail.elt;
    if (!list || !list.hasAttribute || !list.hasAttribute("data-poll-pause-while-editing")) return;
    if (event.detail.requestConfig && event.detail.requestConfig.verb !== "get") return;
    var active = document.activeElement;
    var editing = active && list.contains(active) && active.matches("input:not([type=hidden]), textarea, select");
    var typed = Array.prototype.some.call(list.querySelectorAll("textarea, input[type=text]"), function (field) {
      return field.value.trim() !== "";
    });
    if (editing || typed || list.querySelector("details[open]")) event.preventDefault();
  });

  // A block that refreshes itself with buttons in it (the offers of a request page) waits while
  // the keyboard is on one of them: swapping it would throw the focus back to the top of the page.
  // It also waits while a form opened inside it (data-pauses-poll: a phone answer being noted) is
  // there, wherever the focus is: the swap would throw the form and what was typed away.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var block = event.detail.elt;
    if (!block || !block.hasAttribute || !block.hasAttribute("data-poll-pause-while-focused")) return;
    if (event.detail.requestConfig && event.detail.requestConfig.verb !== "get") return;
    var active = document.activeElement;
    var focused = active && block.contains(active) && active.matches("a[href], button, input, select, textarea");
    if (focused || block.querySelector("[data-pauses-poll]")) event.preventDefault();
  });

  // A block's own refresh (htmx's poll) must not take away the message of an action that has the
  // keyboard focus (data-keep-while-focused, put there after the action): the message would go,
  // and the focus with it to the top of the page. It is carried into the fresh block, after the
  // element its data-keep-after names, unless the fresh block brings a message of its own.
  var keptMessage = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    keptMessage = null;
    var active = document.activeElement;
    var config = event.detail.requestConfig;
    if (!active || !active.hasAttribute || !active.hasAttribute("data-keep-while-focused")) return;
    if (!config || config.verb !== "get" || !event.detail.target || !event.detail.target.contains(active)) return;
    keptMessage = active;
  });
  document.addEventListener("htmx:afterSwap", function () {
    var message = keptMessage;
    keptMessage = null;
    if (!message || !message.id || document.getElementById(message.id)) return;
    var home = document.getElementById(message.getAttribute("data-keep-after") || "");
    if (!home) return;
    home.after(message);
    message.focus();
  });

  // A search field asks for its results itself while it is typed in. Leaving it fires "change",
  // which bubbles to the filter form (hx-trigger "change"): pressing on a result would ask for the
  // same results again, and their answer, swapped in between press and release, would take the
  // link from under the pointer and the browser would drop the click. Keep that "change" to itself.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field && field.matches && field.matches("input[type=search][hx-get]")) event.stopPropagation();
  }, true);

  // The newest action wins. A live feature sends its request a moment after the event behind it
  // (hx-trigger "delay:", e.g. search as you type); if meanwhile a newer event sent a request into
  // the same place (a tab or page link, another filter), the older one must not overtake it and
  // push its own URL: drop it before it is sent. Requests already in flight are aborted by the
  // templates' hx-sync "replace"; this catches the ones still waiting out their delay.
  // Events are numbered as they are dispatched: event.timeStamp will not do, a click carries the
  // time the input arrived, which on a busy machine can be earlier than the "change" its mousedown
  // caused (leaving the search field) was dispatched.
  var dispatched = 0;
  var eventNumber = new WeakMap();
  ["click", "change", "input", "keyup", "search", "submit"].forEach(function (type) {
    window.addEventListener(type, function (event) { eventNumber.set(event, ++dispatched); }, true);
  });
  var newestCause = new WeakMap(); // swap target -> number of the event behind its latest request
  document.addEventListener("htmx:confirm", function (event) {
    var cause = eventNumber.get(event.detail.triggeringEvent || {});
    var target = event.detail.target;
    if (cause === undefined || !target || !newestCause.has(target)) return;
    if (cause < newestCause.get(target)) event.preventDefault();
  });
  document.addEventListener("htmx:beforeSend", function (event) {
    var config = event.detail.requestConfig;
    var cause = eventNumber.get((config && config.triggeringEvent) || {});
    var target = event.detail.target;
    if (cause === undefined || !target) return;
    if (!newestCause.has(target) || newestCause.get(target) < cause) newestCause.set(target, cause);
  });

  // A failed request must never fail silently: say so in the live region, in the page's language
  // (the texts come translated from the server as data attributes on #flash).
  function announceFailure(key) {
    var region = document.getElementById("flash");
    if (!region) return;
    var message = region.getAttribute("data-message-" + key) || region.getAttribute("data-message-error");
    region.textContent = "";
    var p = document.createElement("p");
    p.className = "flash flash-error";
    p.textContent = message;
    region.appendChild(p);
  }

  // An aborted request (htmx:sendAbort, from hx-sync "replace" or leaving the page) was superseded
  // on purpose; it is no failure and is not announced.
  document.addEventListener("htmx:sendError", function () {
    announceFailure("offline");
  });

  // Responses htmx does not swap (see responseHandling in base.html: 2xx, 409 and 422 are swapped).
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    announceFailure(status === 403 || status === 404 || status === 429 ? String(status) : "error");
  });

  // Inline validation swaps in only the message next to a field (hx-swap-oob), never the input
  // someone may be typing in; keep the field's aria-invalid and its red border in step with it.
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var message = event.target;
    if (!message || !message.classList || !message.classList.contains("field-error") || !message.id) return;
    var invalid = message.textContent.trim() !== "";
    document.querySelectorAll('[aria-describedby~="' + message.id + '"]').forEach(function (input) {
      if (invalid) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    });
    var field = message.closest(".field");
    if (field) field.classList.toggle("field-invalid", invalid);
  });

  // The header's disclosures (the phone menu, the languages) lie over the same place: opening one
  // closes the other. Escape closes an open one and gives the keyboard back to its button.
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!opened.matches || !opened.matches(".site-header details[open]")) return;
    document.querySelectorAll(".site-header details[open]").forEach(function (other) {
      if (other !== opened) other.open = false;
    });
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = event.target.closest && event.target.closest(".site-header details[open]");
    if (!open) return;
    open.open = false;
    open.querySelector("summary").focus();
  });

  // Parts of a form that matter only for some answers (a due date only for written translations)
  // are hidden for the others. Without JavaScript everything stays visible, and the server
  // ignores what does not apply.
  function showMatchingParts(root) {
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll("[data-shown-when]").forEach(function (part) {
      var form = part.closest("form");
      var control = form && form.elements.namedItem(part.getAttribute("data-shown-when"));
      if (!control || control.value === undefined) return;
      // A checkbox counts with its value only while it is ticked.
      var value = control.type === "checkbox" && !control.checked ? "" : control.value;
      part.hidden = (part.getAttribute("data-shown-for") || "").split(" ").indexOf(value) < 0;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target && event.target.form) showMatchingParts(event.target.form);
  });
  document.addEventListener("DOMContentLoaded", function () { showMatchingParts(document); });
  document.addEventListener("htmx:load", function (event) { showMatchingParts(event.target); });
})();

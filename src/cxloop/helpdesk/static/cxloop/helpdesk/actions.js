/* Store actions in the conversation sidebar: put a code or link into the reply, send a form once. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element && event.target.closest("[data-insert-reply]");
    if (!button) {
      return;
    }
    var reply = document.getElementById("reply-text");
    if (!reply) {
      return;
    }
    var text = button.getAttribute("data-insert-reply");
    var start = reply.selectionStart || 0;
    var end = reply.selectionEnd || 0;
    var before = reply.value.slice(0, start);
    var spacer = before && !/\s$/.test(before) ? " " : "";
    reply.value = before + spacer + text + reply.value.slice(end);
    reply.focus();
    var caret = start + spacer.length + text.length;
    reply.setSelectionRange(caret, caret);
  });

  // The server acts once per form anyway (its idempotency key); this only spares a second request.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = form.querySelector("[data-action-submit]");
    if (button) {
      window.setTimeout(function () { button.disabled = true; }, 0);
    }
  });

  function reveal() {
    document.querySelectorAll("[data-insert-reply][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", reveal);
  } else {
    reveal();
  }
})();

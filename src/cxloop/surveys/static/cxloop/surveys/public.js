/* The survey page without JavaScript works fully; this only helps:
 * - choosing a score swaps the follow-up question to that score's band;
 * - Send is disabled once pressed (the server stores one answer anyway);
 * - in the storefront widget, the page tells the snippet the store's
 *   survey window and whether the survey was answered or is closed. */
(function () {
  "use strict";

  var form = document.querySelector("[data-survey-form]");
  if (form) {
    var scale = form.querySelector("[data-follow-up-low]");
    var label = document.getElementById("comment-label");
    form.addEventListener("change", function (event) {
      var input = event.target;
      if (!scale || !label || !input || input.name !== "score") {
        return;
      }
      var text = scale.getAttribute("data-follow-up-" + input.getAttribute("data-band"));
      if (text) {
        label.textContent = text;
      }
    });
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) {
        window.setTimeout(function () {
          button.disabled = true;
        }, 0);
      }
    });
    // Coming back to the page (back button, bfcache) must find Send usable.
    window.addEventListener("pageshow", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) {
        button.disabled = false;
      }
    });
  }

  var body = document.body;
  if (body.hasAttribute("data-embed") && window.parent !== window) {
    window.parent.postMessage(
      {
        type: "cxloop:survey",
        survey: body.getAttribute("data-survey"),
        state: body.getAttribute("data-state"),
        windowDays: parseInt(body.getAttribute("data-window-days"), 10) || 0
      },
      "*"
    );
  }
})();

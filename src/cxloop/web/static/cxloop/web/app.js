/* cxloop staff pages: small progressive enhancements (the pages work without them). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // A <select data-autosubmit> submits its form when changed; without
  // JavaScript the form keeps its own submit button.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      if (target.form.requestSubmit) {
        target.form.requestSubmit();
      } else {
        target.form.submit();
      }
    }
  });

  // A form marked data-swap-errors shows the page's answer to a bad value (a 400 or 422 naming
  // the field) where its results go, as a full page load would show it: htmx leaves error
  // answers unshown, so a typed date at fault would otherwise change nothing on the screen.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var status = detail.xhr ? detail.xhr.status : 0;
    var source = (detail.requestConfig && detail.requestConfig.elt) || detail.elt;
    if ((status === 400 || status === 422) && source instanceof Element && source.closest("[data-swap-errors]")) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });

  // Copy buttons: <button data-copy-target="id"> copies that element's text (a key
  // shown once, a survey link, a snippet). The button says so for a moment
  // (data-copied-label); without the Clipboard API (a page on plain http) the
  // text is selected and copied the older way.
  function copyBySelecting(source) {
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function showCopied(button) {
    button.setAttribute("data-copied", "true");
    var label = button.getAttribute("data-copied-label");
    if (!label) {
      return;
    }
    if (!button.hasAttribute("data-label")) {
      button.setAttribute("data-label", button.textContent);
    }
    button.textContent = label;
    window.setTimeout(function () {
      button.textContent = button.getAttribute("data-label");
      button.removeAttribute("data-copied");
    }, 2000);
  }

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-copy-target]") : null;
    var source = button ? document.getElementById(button.getAttribute("data-copy-target")) : null;
    if (!source) {
      return;
    }
    var text = source.textContent.trim();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () {
        showCopied(button);
      }, function () {
        if (copyBySelecting(source)) {
          showCopied(button);
        }
      });
    } else if (copyBySelecting(source)) {
      showCopied(button);
    }
  });
})();

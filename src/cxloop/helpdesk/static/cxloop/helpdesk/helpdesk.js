/* Help desk keyboard shortcuts: j/k move through the inbox (Enter opens), r reply, n note, e resolve. */
(function () {
  "use strict";

  function typing(target) {
    return target instanceof HTMLElement &&
      (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  var current = -1;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-inbox-row]"));
  }

  function move(step) {
    var all = rows();
    if (!all.length) {
      return;
    }
    if (current >= 0 && all[current]) {
      all[current].removeAttribute("data-current");
    }
    current = Math.max(0, Math.min(all.length - 1, current + step));
    all[current].setAttribute("data-current", "");
    var link = all[current].querySelector("[data-inbox-link]");
    if (link) {
      link.focus();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    var key = event.key;
    if (key === "j" || key === "k") {
      move(key === "j" ? 1 : -1);
      event.preventDefault();
      return;
    }
    var target = document.querySelector('[data-shortcut="' + key + '"]');
    if (!target) {
      return;
    }
    event.preventDefault();
    if (target instanceof HTMLButtonElement) {
      target.click();
    } else {
      target.focus();
    }
  });
})();

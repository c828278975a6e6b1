/* Help desk tools: the canned-reply picker (inserts the filled-in text where the cursor is) and
   "select all" of the inbox's bulk actions. Loaded by the partials that use it, once per page. */
(function () {
  "use strict";
  if (window.cxloopDeskTools) {
    return;
  }
  window.cxloopDeskTools = true;

  function insert(box, text) {
    var start = box.selectionStart || 0;
    var end = box.selectionEnd || 0;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.focus();
    box.selectionStart = box.selectionEnd = start + text.length;
  }

  function pickCanned(select) {
    var url = select.value;
    var box = document.getElementById(select.getAttribute("data-canned-target"));
    var warning = select.parentNode.querySelector("[data-canned-warning]");
    if (!url || !box) {
      return;
    }
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        insert(box, data.text);
        if (warning) {
          warning.textContent = data.warning || "";
        }
        select.value = "";
      })
      .catch(function () {
        if (warning) {
          warning.textContent = select.getAttribute("data-error") || "!";
        }
      });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement)) {
      return;
    }
    if (target.hasAttribute("data-canned-picker")) {
      pickCanned(target);
    } else if (target.hasAttribute("data-bulk-all")) {
      document.querySelectorAll("[data-bulk-item]").forEach(function (box) {
        box.checked = target.checked;
      });
    }
  });
})();

/* Files attached to a reply or a note (_attach_files.html). The chosen files are listed with their
 * name and size, each with a button to remove it before sending; choosing again adds more. A file
 * over the limits is named at once (the server checks again, and reads each file's type).
 *
 * A form with files is posted from here, as htmx would, asking for the page's main column alone
 * (views_reply.py): when the server asks first (someone wrote meanwhile, 409) or refuses a file
 * (a 4xx naming it), the column shows why and the files stay chosen, in the new form. A sent one
 * answers with HX-Redirect, followed as the form's own redirect would be.
 *
 * Without this script (or a browser that cannot edit an input's files) the input is the browser's
 * own and the form posts as it always did. File names are set as text, never as HTML.
 */
(function () {
  "use strict";
  if (typeof DataTransfer !== "function" || !window.fetch || !window.CSS || !window.CSS.escape) {
    return;
  }
  var MAIN = "conversation-main";
  var RESHOWN = { 400: 1, 409: 1, 413: 1, 422: 1 }; // the statuses the view answers with the column

  function blocks(root) {
    return Array.prototype.slice.call((root || document).querySelectorAll("[data-attach]"));
  }

  function enhance(block) {
    if (block._files) {
      return;
    }
    block._files = [];
    block.classList.add("attach--enhanced");
  }

  // As the server writes a size (filesizeformat): one decimal, KB or MB of 1024; digits of the page's language.
  function size(bytes) {
    var big = bytes >= 1048576;
    var amount = big ? bytes / 1048576 : Math.ceil(bytes / 102.4) / 10; // a few bytes: 0.1 KB, not 0.0
    var text;
    try {
      text = new Intl.NumberFormat(document.documentElement.lang || undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 })
        .format(amount);
    } catch (e) {
      text = amount.toFixed(1);
    }
    return text + (big ? " MB" : " KB");
  }

  function input(block) {
    return block.querySelector("input[type=file]");
  }

  // The input holds exactly the files listed: the form (and FormData) send what it holds.
  function sync(block) {
    var transfer = new DataTransfer();
    block._files.forEach(function (file) { transfer.items.add(file); });
    input(block).files = transfer.files;
  }

  function same(a, b) {
    return a.name === b.name && a.size === b.size && a.lastModified === b.lastModified;
  }

  function add(block, chosen) {
    Array.prototype.forEach.call(chosen, function (file) {
      if (!block._files.some(function (kept) { return same(kept, file); })) {
        block._files.push(file);
      }
    });
    sync(block);
    render(block);
  }

  function remove(block, index) {
    block._files.splice(index, 1);
    sync(block);
    render(block);
    var buttons = block.querySelectorAll("[data-attach-list] button");
    var next = buttons[Math.min(index, buttons.length - 1)];
    (next || input(block)).focus();
  }

  function render(block) {
    var list = block.querySelector("[data-attach-list]");
    var error = block.querySelector("[data-attach-error]");
    var maxFile = Number(block.getAttribute("data-max-file"));
    var maxTotal = Number(block.getAttribute("data-max-total"));
    var problems = [];
    var total = 0;
    list.textContent = "";
    block._files.forEach(function (file, index) {
      total += file.size;
      var item = document.createElement("li");
      var name = document.createElement("bdi");
      name.className = "attach__name";
      name.textContent = file.name;
      var amount = document.createElement("span");
      amount.className = "muted";
      amount.textContent = size(file.size);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button--quiet";
      button.textContent = block.getAttribute("data-remove-text");
      button.setAttribute("aria-label", block.getAttribute("data-remove-label").replace("{name}", file.name));
      button.addEventListener("click", function () { remove(block, index); });
      if (file.size > maxFile) {
        item.setAttribute("data-invalid", "");
        problems.push(block.getAttribute("data-too-large").replace("{name}", file.name));
      }
      item.appendChild(name);
      item.appendChild(amount);
      item.appendChild(button);
      list.appendChild(item);
    });
    if (total > maxTotal) {
      problems.push(block.getAttribute("data-too-much").replace("{size}", size(total)));
    }
    list.hidden = !block._files.length;
    error.textContent = problems.join(" ");
    error.hidden = !problems.length;
    block._blocked = problems.length > 0;
    var form = block.closest("form");
    var text = form && form.querySelector("textarea[name=text]");
    if (text) { // a reply of files alone needs no words; the server agrees
      if (!text.hasAttribute("data-required")) {
        text.setAttribute("data-required", text.required ? "1" : "0");
      }
      text.required = text.getAttribute("data-required") === "1" && !block._files.length;
    }
  }

  function send(form, block) {
    var button = form.querySelector("[type=submit]");
    var error = block.querySelector("[data-attach-error]");
    form._sending = true;
    form.setAttribute("aria-busy", "true");
    if (button) { button.disabled = true; }
    function again(message) {
      form._sending = false;
      form.removeAttribute("aria-busy");
      if (button) { button.disabled = false; }
      error.textContent = message;
      error.hidden = false;
    }
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "HX-Request": "true", "HX-Target": MAIN }
    }).then(function (response) {
      var next = response.headers.get("HX-Redirect");
      if (next) {
        window.location.assign(next);
        return null;
      }
      if (response.redirected) { // signed out meanwhile: the sign-in page
        window.location.assign(response.url);
        return null;
      }
      if (!RESHOWN[response.status]) {
        return again(block.getAttribute("data-failed") + " (" + response.status + ")");
      }
      return response.text().then(function (html) { reshow(html, block); });
    }).catch(function () {
      again(block.getAttribute("data-failed"));
    });
  }

  // The column as the server answered it, with this block's input (and its files) in the new form.
  function reshow(html, block) {
    var main = document.getElementById(MAIN);
    var template = document.createElement("template");
    template.innerHTML = html;
    var kept = input(block);
    var place = template.content.querySelector("#" + CSS.escape(kept.id));
    if (place) {
      place.replaceWith(kept);
    }
    main.replaceChildren(template.content);
    blocks(main).forEach(enhance);
    var fresh = kept.closest("[data-attach]");
    if (fresh) {
      fresh._files = block._files;
      render(fresh);
    }
    var first = main.querySelector("[data-focus-first]");
    if (first) {
      first.focus();
    }
    if (window.htmx) {
      window.htmx.process(main);
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    var block = target instanceof HTMLInputElement && target.type === "file" ? target.closest("[data-attach]") : null;
    if (block && block._files) {
      add(block, target.files);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var block = form instanceof HTMLFormElement ? form.querySelector("[data-attach]") : null;
    if (!block || !block._files || !block._files.length) {
      return; // no files: the form posts as it always did
    }
    event.preventDefault();
    if (form._sending) {
      return;
    }
    if (block._blocked) { // over the limits: named under the list already
      block.querySelector("[data-attach-error]").focus();
      return;
    }
    send(form, block);
  });

  blocks().forEach(enhance);
})();

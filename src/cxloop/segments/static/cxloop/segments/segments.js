// The segment editor: suggestions while typing (field names, then their operators, then their values,
// then AND / OR), and the field list's buttons, which add a field's example to the query.
// Everything shown is built with textContent: no typed text ever becomes markup.
(function () {
  "use strict";

  function fieldsFrom(list) {
    var fields = {};
    list.querySelectorAll("li[data-field]").forEach(function (item) {
      var split = function (name) { return item.dataset[name] ? item.dataset[name].split("|") : []; };
      fields[item.dataset.field] = {
        kind: item.dataset.kind, operators: split("operators"), choices: split("choices"), args: split("arguments"),
      };
    });
    return fields;
  }

  // What can come at the caret: [replace-from index, candidates].
  function suggest(text, fields) {
    var value = /([a-z_]+)(\([^)]*\))?\s*(=|!=)\s*'([A-Za-z_]*)$/i.exec(text);
    if (value && fields[value[1].toLowerCase()]) {
      var field = fields[value[1].toLowerCase()];
      var start = text.length - value[4].length;
      return [start, field.choices.filter(function (c) { return c.indexOf(value[4].toUpperCase()) === 0; })
        .map(function (c) { return c + "'"; })];
    }
    var word = /[A-Za-z_]*$/.exec(text)[0];
    var before = text.slice(0, text.length - word.length).replace(/\s+$/, "");
    var afterJoin = before === "" || /(\(|\bAND|\bOR)$/i.test(before);
    if (afterJoin) {
      var names = Object.keys(fields).filter(function (n) { return n.indexOf(word.toLowerCase()) === 0; });
      return [text.length - word.length, names];
    }
    var last = /([a-z_]+)(\([^)]*\))?$/i.exec(before);
    if (word === "" && /\s$/.test(text) && last && fields[last[1].toLowerCase()]) {
      return [text.length, fields[last[1].toLowerCase()].operators.map(function (o) { return o + " "; })];
    }
    if (/('|[0-9\u06F0-\u06F9]|[dwmy]|true|false|null|today|yesterday)$/i.test(before + word) && /\s$/.test(text) && !word) {
      return [text.length, ["AND ", "OR "]];
    }
    if (word && /^(a|an|o)/i.test(word) && /('|[0-9\u06F0-\u06F9]|true|false|null)$/i.test(before)) {
      return [text.length - word.length, ["AND ", "OR "].filter(function (j) { return j.indexOf(word.toUpperCase()) === 0; })];
    }
    return [text.length, []];
  }

  function setUp(editor) {
    var list = document.getElementById("segment-suggestions");
    var fields = fieldsFrom(document.querySelector(".segment-fields"));
    var state = { from: 0, items: [], active: 0 };

    function close() {
      list.hidden = true; list.replaceChildren(); state.items = [];
      editor.setAttribute("aria-expanded", "false"); editor.removeAttribute("aria-activedescendant");
    }

    function show() {
      var caret = editor.selectionStart;
      var found = suggest(editor.value.slice(0, caret), fields);
      state.from = found[0]; state.items = found[1].slice(0, 12); state.active = 0;
      if (!state.items.length || editor.readOnly) { close(); return; }
      list.replaceChildren();
      state.items.forEach(function (text, index) {
        var option = document.createElement("li");
        option.id = "segment-suggestion-" + index;
        option.setAttribute("role", "option");
        option.textContent = text.trim().replace(/'$/, "");  // the closing quote is inserted, not shown
        option.addEventListener("mousedown", function (event) { event.preventDefault(); state.active = index; take(); });
        list.appendChild(option);
      });
      mark(); list.hidden = false; editor.setAttribute("aria-expanded", "true");
    }

    function mark() {
      Array.prototype.forEach.call(list.children, function (option, index) {
        option.setAttribute("aria-selected", index === state.active ? "true" : "false");
      });
      editor.setAttribute("aria-activedescendant", "segment-suggestion-" + state.active);
    }

    function replaceAt(from, to, text) {
      editor.setRangeText(text, from, to, "end");
      editor.dispatchEvent(new Event("input", { bubbles: true }));
      editor.focus();
    }

    function take() {
      var text = state.items[state.active];
      var insert = fields[text] ? text + " " : text;
      close();
      replaceAt(state.from, editor.selectionStart, insert);
      show();
    }

    editor.addEventListener("input", show);
    editor.addEventListener("click", show);
    editor.addEventListener("blur", function () { setTimeout(close, 100); });
    editor.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        state.active = (state.active + step + state.items.length) % state.items.length; mark();
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault(); take();
      } else if (event.key === "Escape") {
        close();
      }
    });

    document.querySelectorAll(".segment-insert").forEach(function (button) {
      button.addEventListener("click", function () {
        if (editor.readOnly) return;
        var current = editor.value.replace(/\s+$/, "");
        var text = (current ? " AND " : "") + button.dataset.insert;
        replaceAt(current.length, editor.value.length, text);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var editor = document.getElementById("segment-query");
    if (editor) setUp(editor);
  });
})();

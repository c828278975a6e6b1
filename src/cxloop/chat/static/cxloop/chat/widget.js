/*! cxloop chat widget | AGPL-3.0-or-later
 *
 * Loaded by the storefront snippet (cxloop.chat({store: "<slug>"})) or on its own:
 *   <script src="https://cx.example.com/static/cxloop/chat/widget.js" data-store="<slug>" async></script>
 * Optional: data-lang="fa" (else <html lang>, else the browser's language), and for a signed-in
 * customer window.cxloopChatIdentity = {email: "...", identity_hash: "<HMAC from your server>"}.
 *
 * Until the shopper opens it, the widget is one button in a Shadow DOM (the store's CSS cannot
 * reach it, nor it the store's): nothing is fetched and no socket is opened. Opened, it starts a
 * chat (a signed visitor token kept in localStorage, so it survives navigation and reloads),
 * speaks over a WebSocket, and falls back to long polling where the socket cannot open. Every
 * message has a client id: one sent again after a drop is stored once, and messages are shown
 * once by their id. The store's own lines ("You are being transferred to a colleague") come
 * among the messages with ids of their own ("n3"), so a reload or a poll shows each once too.
 * Text from anyone is set as text, never as HTML.
 *
 * A shopper may send an image or a PDF (the clip button): it is uploaded over HTTP with its own
 * client id, retried after a drop and stored once. A file in the chat, the shopper's or one an
 * agent attached to a reply, is shown as its name and size; the widget fetches it with the
 * visitor's token (a plain link could not carry it) and shows an image as a thumbnail only when
 * the server served it as a raster image type.
 */
(function (window, document) {
  "use strict";
  if (window.__cxloopChat) {
    return;
  }
  window.__cxloopChat = true;

  var script = document.currentScript || document.querySelector("script[data-store][src*='chat/widget']");
  if (!script || !window.fetch) {
    return;
  }
  var STORE = script.getAttribute("data-store") || "";
  var BASE = new URL(script.src, window.location.href).origin;
  var API = BASE + "/chat/" + encodeURIComponent(STORE) + "/";
  var TOKEN_KEY = "cxloop_chat_" + STORE;
  var LANGS = { en: 1, pl: 1, lv: 1, fa: 1, "zh-hans": 1, "zh-hant": 1 };
  var LAUNCHER = {
    en: "Chat with us", pl: "Napisz do nas", lv: "Raksti mums", fa: "گفتگو با ما",
    "zh-hans": "在线咨询", "zh-hant": "線上諮詢"
  };
  var LANG = language(script.getAttribute("data-lang") || document.documentElement.lang || navigator.language);
  var RTL = LANG === "fa";

  var S = {}; // the server's strings, in the visitor's language
  var IMAGES = { "image/png": 1, "image/jpeg": 1, "image/gif": 1, "image/webp": 1 };
  var state = { token: "", lastId: 0, lastNotice: 0, shown: {}, outbox: [], socket: null, polling: false, tries: 0,
                opened: false, started: false, socketEverOpened: false, asked: false, files: {} };

  function language(code) {
    code = String(code || "").toLowerCase().replace("_", "-");
    if (LANGS[code]) { return code; }
    if (code.indexOf("zh") === 0) {
      return /hant|-tw|-hk|-mo/.test(code) ? "zh-hant" : "zh-hans";
    }
    code = code.split("-")[0];
    return LANGS[code] ? code : "en";
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs || {}) {
      if (Object.prototype.hasOwnProperty.call(attrs, name)) { node.setAttribute(name, attrs[name]); }
    }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // A drawn paper clip: an emoji needs a font the shopper's device may not have.
  function paperclip() {
    var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg");
    var path = document.createElementNS(ns, "path");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "18");
    svg.setAttribute("height", "18");
    svg.setAttribute("aria-hidden", "true");
    path.setAttribute("d", "M16.5 6.5 8.6 14.4a2 2 0 0 0 2.8 2.8l8-8a4 4 0 0 0-5.6-5.6l-8 8a6 6 0 0 0 8.5 8.5l7.2-7.2");
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", "2");
    path.setAttribute("stroke-linecap", "round");
    svg.appendChild(path);
    return svg;
  }

  function storage(get, value) {
    try {
      if (get) { return window.localStorage.getItem(TOKEN_KEY) || ""; }
      window.localStorage.setItem(TOKEN_KEY, value);
    } catch (e) { /* private mode: the chat lasts for this page */ }
    return "";
  }

  function anonymousId() {
    try { return window.localStorage.getItem("cxloop_aid") || ""; } catch (e) { return ""; }
  }

  function clientId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  // -- the launcher (all that exists before the shopper opens the chat) ----------------------

  var host = el("div", { id: "cxloop-chat" });
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var css = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI','Noto Sans','Noto Sans Arabic','Noto Sans CJK SC',sans-serif}",
    ".launcher{position:fixed;bottom:20px;inset-inline-end:20px;z-index:2147483000;border:0;border-radius:28px;",
    "background:#1f4e79;color:#fff;padding:14px 20px;font-size:15px;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}",
    ".launcher:focus-visible,button:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid #f5a623;outline-offset:2px}",
    ".panel{position:fixed;bottom:84px;inset-inline-end:20px;z-index:2147483000;width:370px;max-width:calc(100vw - 24px);",
    "height:540px;max-height:calc(100vh - 110px);background:#fff;color:#1a1a1a;border-radius:12px;display:flex;",
    "flex-direction:column;box-shadow:0 8px 30px rgba(0,0,0,.3);overflow:hidden;font-size:14px;line-height:1.45}",
    ".panel[hidden]{display:none}",
    "header{background:#1f4e79;color:#fff;padding:12px 14px;display:flex;align-items:center;gap:8px}",
    "header h2{font-size:16px;margin:0;flex:1}",
    "header button{background:transparent;border:0;color:#fff;font-size:22px;cursor:pointer;line-height:1}",
    ".note{background:#fff7e0;padding:8px 14px;font-size:13px;border-bottom:1px solid #f0e0b0}",
    ".note[hidden]{display:none}",
    ".log{flex:1;overflow-y:auto;padding:12px;margin:0;list-style:none}",
    ".log li{margin:6px 0;display:flex;flex-direction:column}",
    ".bubble{padding:8px 11px;border-radius:12px;max-width:85%;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".visitor{align-items:flex-end}.visitor .bubble{background:#1f4e79;color:#fff}",
    ".agent .bubble,.bot .bubble{background:#eef1f5}",
    ".meta{font-size:11px;color:#666;margin:2px 4px}",
    ".system{align-items:center;text-align:center}",
    ".pending .bubble{opacity:.6}",
    ".cards{display:flex;flex-direction:column;gap:6px;width:100%}",
    ".card{border:1px solid #d6dbe1;border-radius:8px;padding:8px;background:#fff}",
    ".card a{color:#1f4e79;font-weight:600}",
    ".row{display:flex;gap:6px;flex-wrap:wrap;margin-top:6px}",
    ".row button,.tools button{border:1px solid #1f4e79;background:#fff;color:#1f4e79;border-radius:16px;padding:5px 11px;cursor:pointer;font-size:13px}",
    ".tools{padding:6px 12px 0;display:flex;gap:6px;flex-wrap:wrap}",
    "form.compose{display:flex;gap:6px;padding:10px;border-top:1px solid #e3e6ea}",
    "textarea{flex:1;resize:none;border:1px solid #c5ccd4;border-radius:8px;padding:8px;font-size:14px;min-height:40px;max-height:120px}",
    ".compose button,.mini button{background:#1f4e79;color:#fff;border:0;border-radius:8px;padding:0 14px;cursor:pointer}",
    ".mini{display:flex;flex-direction:column;gap:6px;padding:8px;border:1px solid #d6dbe1;border-radius:8px;background:#fafbfc;width:100%}",
    ".mini label{display:flex;flex-direction:column;gap:3px;font-size:13px}",
    ".mini input{border:1px solid #c5ccd4;border-radius:6px;padding:7px;font-size:14px}",
    ".mini button{padding:7px}",
    "[dir=rtl] .compose .go{transform:scaleX(-1)}",
    ".compose .clip{background:#fff;border:1px solid #c5ccd4;padding:0 9px;color:#334;display:flex;align-items:center}",
    ".file{display:block;margin-top:4px;color:inherit}.file img{display:block;max-width:160px;max-height:120px;border-radius:6px;margin-bottom:3px}",
    ".typing{font-size:12px;color:#555;padding:0 14px;min-height:16px}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}",
    "@media (max-width:480px){.panel{inset:0;width:100vw;max-width:none;height:100%;max-height:none;border-radius:0}}"
  ].join("");
  // A constructed style sheet where the browser has one: a page's CSP against inline styles allows it.
  if (root !== host && window.CSSStyleSheet && "adoptedStyleSheets" in root) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.appendChild(el("style", {}, css));
  }
  var launcher = el("button", { "class": "launcher", type: "button", "aria-expanded": "false",
                                "aria-haspopup": "dialog" }, LAUNCHER[LANG]);
  root.appendChild(launcher);
  (document.body || document.documentElement).appendChild(host);

  var panel, log, input, note, typing, live, form;

  launcher.addEventListener("click", function () {
    if (state.opened) { close(); } else { open(); }
  });

  function open() {
    state.opened = true;
    launcher.setAttribute("aria-expanded", "true");
    if (!panel) { build(); }
    panel.hidden = false;
    input.focus();
    if (!state.started) { start(); }
  }

  function close() {
    state.opened = false;
    launcher.setAttribute("aria-expanded", "false");
    panel.hidden = true;
    launcher.focus();
  }

  function build() {
    panel = el("section", { "class": "panel", role: "dialog", "aria-label": LAUNCHER[LANG], lang: LANG,
                            dir: RTL ? "rtl" : "ltr" });
    var header = el("header");
    var title = el("h2", {}, LAUNCHER[LANG]);
    var closer = el("button", { type: "button", "aria-label": "×" }, "×");
    closer.addEventListener("click", close);
    header.appendChild(title);
    header.appendChild(closer);
    note = el("div", { "class": "note", hidden: "" });
    log = el("ol", { "class": "log" });
    live = el("div", { "class": "sr", "aria-live": "polite", role: "status" });
    typing = el("div", { "class": "typing", "aria-hidden": "true" });
    var tools = el("div", { "class": "tools" });
    form = el("form", { "class": "compose" });
    input = el("textarea", { rows: "1", maxlength: "5000" });
    var send = el("button", { type: "submit", "class": "go" }, "➤");
    form.appendChild(input);
    form.appendChild(send);
    panel.appendChild(header);
    panel.appendChild(note);
    panel.appendChild(log);
    panel.appendChild(typing);
    panel.appendChild(tools);
    panel.appendChild(form);
    panel.appendChild(live);
    root.appendChild(panel);
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { close(); }
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); submit(); }
    });
    input.addEventListener("input", signalTyping);
    form.addEventListener("submit", function (event) { event.preventDefault(); submit(); });
    panel._title = title;
    panel._closer = closer;
    panel._send = send;
    panel._tools = tools;
  }

  function label() {
    panel._title.textContent = S.title || LAUNCHER[LANG];
    panel._closer.setAttribute("aria-label", S.close || "×");
    panel._send.setAttribute("aria-label", S.send || "Send");
    input.setAttribute("placeholder", S.placeholder || "");
    input.setAttribute("aria-label", S.placeholder || "");
    var clip = el("button", { type: "button", "class": "clip", "aria-label": S.attach, title: S.attach });
    clip.appendChild(paperclip());
    var picker = el("input", { type: "file", hidden: "", tabindex: "-1",
                               accept: Object.keys(IMAGES).join(",") + ",application/pdf" });
    clip.addEventListener("click", function () { picker.click(); });
    picker.addEventListener("change", function () {
      if (picker.files[0]) { attach(picker.files[0]); }
      picker.value = "";
    });
    form.insertBefore(clip, input);
    form.appendChild(picker);
    var order = el("button", { type: "button" }, S.order_button);
    order.addEventListener("click", orderForm);
    panel._tools.appendChild(order);
    (state.flows || []).forEach(function (flow) {
      var button = el("button", { type: "button" }, flow.label);
      button.addEventListener("click", function () { startFlow(flow); });
      panel._tools.appendChild(button);
    });
  }

  // A guided flow: the owner's article first, then a short request that reaches the inbox tagged.
  function startFlow(flow) {
    show({ id: "f" + Date.now(), from: "visitor", text: flow.label });
    if (!flow.article) { return flowForm(flow); }
    var box = el("li", { "class": "bot" });
    var card = el("div", { "class": "card" });
    card.appendChild(el("a", { href: flow.article.url, target: "_blank", rel: "noopener" }, flow.article.title));
    var row = el("div", { "class": "row" });
    var done = el("button", { type: "button" }, S.answered);
    done.addEventListener("click", function () {
      call("deflected", { article_id: flow.article.id }).catch(function () {});
      box.replaceChild(el("div", { "class": "bubble" }, S.glad), card);
    });
    var more = el("button", { type: "button" }, S.person);
    more.addEventListener("click", function () { box.removeChild(card); flowForm(flow); });
    row.appendChild(done);
    row.appendChild(more);
    card.appendChild(row);
    box.appendChild(card);
    log.appendChild(box);
    log.scrollTop = log.scrollHeight;
  }

  function flowForm(flow) {
    var fields = flow.ask_order ? [{ label: S.order_number }] : [];
    fields.push({ label: S.flow_details, optional: true });
    miniForm(fields, S.send, function (values, box) {
      var cid = cssId(clientId());
      call("flow", { flow_id: flow.id, order_number: flow.ask_order ? values[0] : "",
                     text: values[values.length - 1], client_id: cid }).then(function (data) {
        box.parentNode.removeChild(box);
        show(data.message);
      }).catch(function (error) {
        var message = box.querySelector(".meta") || box.appendChild(el("div", { "class": "meta", role: "alert" }));
        message.textContent = error.message || S.error;
      });
    });
  }

  // -- talking to the server ------------------------------------------------------------------

  function call(path, body, method) {
    var form = window.FormData && body instanceof FormData; // a file: the browser sets its own type
    var headers = form ? {} : { "Content-Type": "application/json" };
    if (state.token) { headers.Authorization = "Bearer " + state.token; }
    return fetch(API + path + (path.indexOf("?") < 0 ? "?" : "&") + "lang=" + LANG, {
      method: method || "POST", headers: headers, credentials: "omit",
      body: method === "GET" ? undefined : form ? body : JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) { var error = new Error(data.detail || response.status); error.data = data; error.status = response.status; throw error; }
        return data;
      });
    });
  }

  function start() {
    state.started = true;
    var identity = window.cxloopChatIdentity || {};
    call("start", {
      token: storage(true), lang: LANG, page_url: window.location.href, page_title: document.title,
      anonymous_id: anonymousId(), email: identity.email || "", identity_hash: identity.identity_hash || ""
    }).then(function (data) {
      state.token = data.token;
      storage(false, data.token);
      state.socketUrl = data.socket_url;
      state.hasEmail = data.has_email;
      state.flows = data.flows;
      state.fileLimit = data.file_limit;
      S = data.strings || {};
      label();
      if (!data.messages.length) { show({ id: "welcome", from: "bot", text: S.welcome }); }
      data.messages.forEach(show);
      if (!data.online) { offline(data.opens_at); }
      connect();
      if (state.submitWhenStarted) { state.submitWhenStarted = false; submit(); }
    }).catch(function () {
      state.started = false;
      show({ id: "e" + Date.now(), from: "bot", text: "…" });
    });
  }

  function connect() {
    if (!window.WebSocket) { state.polling = true; } // then messages are sent over HTTP too (flush)
    if (state.polling) { return poll(); }
    var socket;
    try { socket = new WebSocket(state.socketUrl); } catch (e) { state.polling = true; return poll(); }
    state.socket = socket;
    socket.onopen = function () {
      state.socketEverOpened = true;
      state.tries = 0;
      socket.send(JSON.stringify({ type: "hello", token: state.token, after: state.lastId, notices: state.lastNotice }));
    };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      receive(frame);
    };
    socket.onclose = function () {
      state.socket = null;
      if (!state.socketEverOpened && state.tries >= 1) { state.polling = true; return poll(); }
      reconnectLater();
    };
  }

  function reconnectLater() {
    state.tries += 1;
    note.hidden = false;
    note.textContent = S.reconnecting || "…";
    var wait = Math.min(30000, 1000 * Math.pow(2, state.tries - 1)) * (0.5 + Math.random() / 2);
    setTimeout(connect, wait);
  }

  function receive(frame) {
    if (frame.type === "ready") {
      if (!state.offline) { note.hidden = true; }
      flush();
    } else if (frame.type === "message") {
      show(frame.message);
    } else if (frame.type === "ack") {
      delivered(frame.client_id, frame.message);
    } else if (frame.type === "typing") {
      typing.textContent = S.typing || "…";
      clearTimeout(state.typingTimer);
      state.typingTimer = setTimeout(function () { typing.textContent = ""; }, 4000);
    } else if (frame.type === "error" && frame.client_id) {
      failed(frame.client_id, frame.detail);
    }
  }

  // A line from the store itself, not a person's message ("You are being transferred to a colleague").
  function systemLine(text) {
    if (typeof text !== "string" || !text) { return; }
    var item = el("li", { "class": "bot system" });
    item.appendChild(el("div", { "class": "meta" }, text));
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    live.textContent = text;
    return item;
  }

  function poll() {
    if (state.pollRunning) { return; }
    state.pollRunning = true;
    (function next() {
      call("messages?after=" + state.lastId + "&notices=" + state.lastNotice + "&wait=25", null, "GET").then(function (data) {
        note.hidden = !state.offline;
        state.tries = 0;
        data.messages.forEach(show);
        flush();
        next();
      }).catch(function () {
        state.tries += 1;
        note.hidden = false;
        note.textContent = S.reconnecting || "…";
        setTimeout(next, Math.min(30000, 1000 * Math.pow(2, state.tries)));
      });
    })();
  }

  // -- messages ---------------------------------------------------------------------------------

  function show(message) {
    if (message.id && state.shown[message.id]) { return; }
    var pending = message.client_id && root.querySelector ? log.querySelector("[data-cid='" + cssId(message.client_id) + "']") : null;
    if (pending) { delivered(message.client_id, message); return; }
    if (message.id) { state.shown[message.id] = true; }
    if (message.from === "system") { // a stored line from the store: {id: "n3", notice: 3, text}
      if (message.notice > state.lastNotice) { state.lastNotice = message.notice; }
      return systemLine(message.text);
    }
    if (typeof message.id === "number" && message.id > state.lastId) { state.lastId = message.id; }
    var item = el("li", { "class": message.from });
    if (message.client_id) { item.setAttribute("data-cid", message.client_id); }
    item.appendChild(el("div", { "class": "bubble" }, message.text));
    files(item, message);
    if (message.from === "agent") {
      item.appendChild(el("div", { "class": "meta" }, message.name || S.staff || ""));
      live.textContent = (message.name || S.staff || "") + ": " + [message.text].concat(
        (message.attachments || []).map(function (file) { return file.name; })).filter(Boolean).join(", ");
      typing.textContent = "";
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function cssId(value) {
    return String(value).replace(/[^\w-]/g, "");
  }

  function submit() {
    var text = input.value.trim();
    if (!text) { return; }
    if (!state.token) { state.submitWhenStarted = true; return; } // typed before the chat had started
    input.value = "";
    if (!state.asked && !state.lastId) {
      state.asked = true;
      return suggest(text);
    }
    queue(text);
  }

  function queue(text) {
    var cid = cssId(clientId());
    var item = show({ client_id: cid, from: "visitor", text: text });
    item.classList.add("pending");
    item.appendChild(el("div", { "class": "meta" }, S.sending || ""));
    state.outbox.push({ client_id: cid, text: text });
    flush();
  }

  function flush() {
    state.outbox.forEach(function (entry) {
      if (entry.inFlight) { return; }
      if (state.socket && state.socket.readyState === 1) {
        state.socket.send(JSON.stringify({ type: "message", text: entry.text, client_id: entry.client_id }));
      } else if (state.polling) {
        entry.inFlight = true;
        call("messages", { text: entry.text, client_id: entry.client_id }).then(function (data) {
          delivered(entry.client_id, data.message);
        }).catch(function (error) {
          entry.inFlight = false;
          if (error.status && error.status < 500 && error.status !== 429) { failed(entry.client_id, error.message); }
        });
      }
    });
  }

  function delivered(cid, message) {
    state.outbox = state.outbox.filter(function (entry) { return entry.client_id !== cid; });
    var item = log.querySelector("[data-cid='" + cssId(cid) + "']");
    if (message && message.id) {
      state.shown[message.id] = true;
      if (message.id > state.lastId) { state.lastId = message.id; }
    }
    if (item) {
      files(item, message || {});
      item.classList.remove("pending");
      var meta = item.querySelector(".meta");
      if (meta) { item.removeChild(meta); }
    }
  }

  function failed(cid, detail) {
    state.outbox = state.outbox.filter(function (entry) { return entry.client_id !== cid; });
    var item = log.querySelector("[data-cid='" + cssId(cid) + "']");
    if (item) {
      var meta = item.querySelector(".meta") || item.appendChild(el("div", { "class": "meta" }));
      meta.textContent = detail || S.error || "";
    }
  }

  function signalTyping() {
    var now = Date.now();
    if (state.socket && state.socket.readyState === 1 && now - (state.typedAt || 0) > 1500) {
      state.typedAt = now;
      state.socket.send(JSON.stringify({ type: "typing" }));
    }
  }

  // -- files -----------------------------------------------------------------------------------

  function attach(file) {
    var cid = cssId(clientId());
    var item = show({ client_id: cid, from: "visitor", text: file.name });
    item.classList.add("pending");
    item.appendChild(el("div", { "class": "meta" }, S.sending || ""));
    if (file.size > state.fileLimit) { return failed(cid, S.file_too_large); }
    (function upload(tries) {
      var body = new FormData();
      body.append("client_id", cid);
      body.append("file", file, file.name);
      call("attachments", body).then(function (data) {
        delivered(cid, data.message);
      }).catch(function (error) {
        if ((error.status && error.status < 500) || tries > 5) { return failed(cid, error.status ? error.message : S.error); }
        setTimeout(function () { upload(tries + 1); }, 1000 * Math.pow(2, tries)); // the same client id: stored once
      });
    })(0);
  }

  // The message's files under its text, once: a name and size to download, an image's thumbnail.
  function files(item, message) {
    var list = message.attachments || [];
    if (!list.length || item._files) { return; }
    item._files = true;
    var bubble = item.querySelector(".bubble");
    bubble.textContent = message.text || "";
    list.forEach(function (file) {
      var size = file.size < 1048576 ? Math.ceil(file.size / 1024) + " KB" : (file.size / 1048576).toFixed(1) + " MB";
      if (file.removed) { return bubble.appendChild(el("span", { "class": "file" }, file.name + " (" + S.file_removed + ")")); }
      var link = bubble.appendChild(el("a", { "class": "file", href: "#" }, file.name + " (" + size + ")"));
      link.addEventListener("click", function (event) {
        event.preventDefault();
        fetchFile(file).then(function (blob) {
          var save = el("a", { href: URL.createObjectURL(blob), download: file.name });
          save.click();
          setTimeout(function () { URL.revokeObjectURL(save.href); }, 60000);
        }).catch(function () { live.textContent = S.file_failed; });
      });
      if (!IMAGES[file.type]) { return; }
      fetchFile(file).then(function (blob) {
        if (IMAGES[blob.type]) { // as the server served it: never SVG or HTML
          var img = link.insertBefore(el("img", { src: URL.createObjectURL(blob), alt: "" }), link.firstChild);
          img.onerror = function () { link.removeChild(img); }; // e.g. the page's CSP allows no blob: images
        }
      }).catch(function () {});
    });
  }

  function fetchFile(file) {
    state.files[file.id] = state.files[file.id] || fetch(API + "attachments/" + file.id, {
      headers: { Authorization: "Bearer " + state.token }, credentials: "omit"
    }).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.blob();
    }).catch(function (error) { delete state.files[file.id]; throw error; });
    return state.files[file.id];
  }

  // -- self-service: suggested articles, the order's status, an address when away ---------------

  function suggest(text) {
    var item = show({ id: "q" + Date.now(), from: "visitor", text: text });
    call("suggest", { q: text }).then(function (data) {
      if (!data.articles.length) { log.removeChild(item); return queue(text); }
      var box = el("li", { "class": "bot" });
      var cards = el("div", { "class": "cards" });
      cards.appendChild(el("div", { "class": "bubble" }, S.suggested));
      data.articles.forEach(function (article) {
        var card = el("div", { "class": "card" });
        var link = el("a", { href: article.url, target: "_blank", rel: "noopener" }, article.title);
        card.appendChild(link);
        card.appendChild(el("div", {}, article.snippet));
        var done = el("button", { type: "button" }, S.answered);
        done.addEventListener("click", function () {
          call("deflected", { article_id: article.id }).catch(function () {});
          box.replaceChild(el("div", { "class": "bubble" }, S.glad), cards);
        });
        var row = el("div", { "class": "row" });
        row.appendChild(done);
        card.appendChild(row);
        cards.appendChild(card);
      });
      var person = el("button", { type: "button" }, S.person);
      person.addEventListener("click", function () {
        log.removeChild(item);
        box.removeChild(cards);
        queue(text);
      });
      var row = el("div", { "class": "row" });
      row.appendChild(person);
      cards.appendChild(row);
      box.appendChild(cards);
      log.appendChild(box);
      log.scrollTop = log.scrollHeight;
      live.textContent = S.suggested;
    }).catch(function () { log.removeChild(item); queue(text); });
  }

  function miniForm(fields, buttonText, onSubmit) {
    var box = el("form", { "class": "mini" });
    var inputs = fields.map(function (field) {
      var labelNode = el("label", {}, field.label);
      var attrs = { type: field.type || "text", autocomplete: field.autocomplete || "off" };
      if (!field.optional) { attrs.required = ""; }
      var node = el("input", attrs);
      labelNode.appendChild(node);
      box.appendChild(labelNode);
      return node;
    });
    var button = el("button", { type: "submit" }, buttonText);
    box.appendChild(button);
    box.addEventListener("submit", function (event) {
      event.preventDefault();
      onSubmit(inputs.map(function (node) { return node.value; }), box);
    });
    var item = el("li", { "class": "bot" });
    item.appendChild(box);
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    inputs[0].focus();
    return item;
  }

  function orderForm() {
    miniForm([{ label: S.order_number }, { label: S.order_email, type: "email", autocomplete: "email" }],
      S.order_look, function (values, box) {
        call("order", { number: values[0], email: values[1] }).then(function (data) {
          box.parentNode.replaceChild(orderCard(data.order), box);
        }).catch(function (error) {
          var message = box.querySelector(".meta") || box.appendChild(el("div", { "class": "meta", role: "alert" }));
          message.textContent = error.message || S.error;
        });
      });
  }

  function orderCard(order) {
    var card = el("div", { "class": "card" });
    card.appendChild(el("strong", {}, order.number));
    card.appendChild(el("div", {}, S.order_status + ": " + (order.status_label || order.status)));
    if (order.placed) { card.appendChild(el("div", {}, S.order_placed + ": " + (order.placed_text || order.placed))); }
    var items = el("ul");
    (order.items || []).forEach(function (line) {
      items.appendChild(el("li", {}, line.quantity + " × " + line.title + (line.variant_title ? " (" + line.variant_title + ")" : "")));
    });
    card.appendChild(items);
    (order.fulfilments || []).forEach(function (shipment) {
      var row = el("div", {}, (shipment.status_label || "") + " " + (shipment.tracking_number || ""));
      if (shipment.tracking_url && /^https?:\/\//i.test(shipment.tracking_url)) {
        row.appendChild(document.createTextNode(" "));
        row.appendChild(el("a", { href: shipment.tracking_url, target: "_blank", rel: "noopener noreferrer" }, S.tracking));
      }
      card.appendChild(row);
    });
    live.textContent = order.number + ": " + (order.status_label || "");
    return card;
  }

  function offline(opensAt) {
    state.offline = true;
    note.hidden = false;
    note.textContent = (S.offline || "") + (opensAt ? " " + (S.opens_at || "").replace("%(time)s", opensAt) : "");
    if (state.hasEmail) { return; }
    var item = show({ id: "away", from: "bot", text: S.leave_email });
    var form = miniForm([{ label: S.name, autocomplete: "name" }, { label: S.email, type: "email", autocomplete: "email" }],
      S.save, function (values, box) {
        call("contact", { name: values[0], email: values[1] }).then(function (data) {
          state.hasEmail = true;
          box.parentNode.replaceChild(el("div", { "class": "bubble" }, S.saved), box);
          if (data.verification === "sent") { systemLine(S.verify_sent); }
        }).catch(function (error) {
          var message = box.querySelector(".meta") || box.appendChild(el("div", { "class": "meta", role: "alert" }));
          message.textContent = error.message || S.error;
        });
      });
    return item && form;
  }
})(window, document);

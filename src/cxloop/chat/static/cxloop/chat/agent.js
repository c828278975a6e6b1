/* The help desk's live chat: on a chat's page the thread follows new messages and shows when the
 * visitor types (and tells the visitor when the agent does); on the inbox the list refreshes when a
 * chat message comes, with a short sound and, if the agent allowed it, a browser notification.
 * A chat transferred to this agent (or their team) is announced with a line and a link to it.
 * The page is re-read from the server (its own escaped HTML); nothing a customer wrote is parsed here.
 */
(function () {
  "use strict";
  var live = document.querySelector("[data-chat-live]");
  if (!live || !window.WebSocket) {
    return;
  }
  var conversation = live.getAttribute("data-conversation") ? Number(live.getAttribute("data-conversation")) : null;
  var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host +
    "/chat/ws/agent/" + encodeURIComponent(live.getAttribute("data-store")) + "/";
  var socket = null;
  var tries = 0;
  var typingTimer = null;
  var typedAt = 0;
  var typingWaits = false;

  function connect() {
    socket = new WebSocket(url);
    socket.onopen = function () {
      if (tries > 0 && conversation !== null) { refreshThread(); } // what came while disconnected
      tries = 0;
      if (typingWaits && conversation !== null) {
        typingWaits = false;
        typedAt = Date.now();
        socket.send(JSON.stringify({ type: "typing", conversation_id: conversation }));
      }
    };
    socket.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      handle(data);
    };
    socket.onclose = function (event) {
      socket = null;
      if (event.code === 4401) { return; } // signed out or not a member: no use trying again
      tries += 1;
      setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, tries)) * (0.5 + Math.random() / 2));
    };
  }

  function handle(event) {
    if (event.type === "messages" && Array.isArray(event.messages)) {
      // Shoppers' new messages, stored together: one refresh and one alert for the lot.
      if (conversation === null) {
        document.body.dispatchEvent(new CustomEvent("cxloop:live"));
        alertAgent(document.querySelector("[data-notify-text]"));
      } else if (event.messages.some(function (one) { return one && one.conversation_id === conversation; })) {
        refreshThread();
      }
    } else if (event.type === "transfer") {
      announceTransfer(event);
    } else if (event.type === "typing" && conversation !== null && event.conversation_id === conversation) {
      var line = document.querySelector(".chat-typing");
      if (line) {
        line.textContent = line.getAttribute("data-typing-text");
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { line.textContent = ""; }, 4000);
      }
    }
  }

  // The server sends a transfer only to the agents it names (chat.transfers); text from the page, set as text.
  function announceTransfer(event) {
    var text = (live.getAttribute("data-transfer-text") || "#%(number)s").replace("%(number)s", String(event.number));
    var list = document.createElement("ul"); // the look of the site's own messages (web/base.html)
    list.className = "messages";
    list.setAttribute("role", "status");
    var line = document.createElement("li");
    line.className = "message message--info chat-transfer-notice";
    line.textContent = text + " ";
    list.appendChild(line);
    if (typeof event.url === "string" && event.url.charAt(0) === "/" && event.url.charAt(1) !== "/") {
      var link = document.createElement("a");
      link.href = event.url;
      link.textContent = live.getAttribute("data-open-text") || event.url;
      line.appendChild(link);
    }
    var place = document.querySelector("main") || document.body;
    place.insertBefore(list, place.firstChild);
    if (conversation === null) { document.body.dispatchEvent(new CustomEvent("cxloop:live")); }
    else if (event.conversation_id === conversation) { refreshThread(); }
    alertAgent(live);
  }

  function refreshThread() {
    fetch(location.href, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (!html) { return; }
      var fresh = new DOMParser().parseFromString(html, "text/html");
      var thread = fresh.querySelector("ol.thread");
      var current = document.querySelector("ol.thread");
      if (thread && current) { current.replaceWith(document.importNode(thread, true)); }
      var seen = fresh.querySelector("input[name=seen_last_message_id]");
      if (seen) {
        document.querySelectorAll("input[name=seen_last_message_id]").forEach(function (input) {
          input.value = seen.value;
        });
      }
      var line = document.querySelector(".chat-typing");
      if (line) { line.textContent = ""; }
      alertAgent(null);
    });
  }

  function alertAgent(source) {
    beep();
    if (document.hidden && window.Notification && Notification.permission === "granted") {
      new Notification((source && source.getAttribute("data-notify-text")) || document.title);
    }
  }

  var audio = null;
  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.05;
      tone.connect(gain);
      gain.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.15);
    } catch (e) { /* no sound: the page still updates */ }
  }

  // Listened to on the document: the reply form is drawn anew when a reply is refused (reply-files.js).
  if (document.getElementById("reply-text") && conversation !== null) {
    document.addEventListener("input", function (event) {
      if (!event.target || event.target.id !== "reply-text") { return; }
      var now = Date.now();
      if (!socket || socket.readyState !== 1) {
        typingWaits = true; // told as soon as the socket is open (the page may have just loaded)
      } else if (now - typedAt > 1500) {
        typedAt = now;
        socket.send(JSON.stringify({ type: "typing", conversation_id: conversation }));
      }
    });
  }

  var ask = document.querySelector("[data-chat-notifications]");
  if (ask && window.Notification && Notification.permission === "default") {
    ask.hidden = false;
    ask.addEventListener("click", function () {
      Notification.requestPermission().then(function () { ask.hidden = true; });
    });
  }

  // A push is only a wake-up (a busy server may drop one): a chat's page also re-reads itself now and
  // then, and on every reconnection, so it never stays behind the database for long.
  if (conversation !== null) {
    setInterval(function () { if (!document.hidden) { refreshQuietly(); } }, 30000);
  }
  function refreshQuietly() {
    var before = document.querySelectorAll("ol.thread > li").length;
    fetch(location.href, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (!html) { return; }
      var thread = new DOMParser().parseFromString(html, "text/html").querySelector("ol.thread");
      if (thread && thread.children.length !== before) { refreshThread(); }
    });
  }

  connect();
})();

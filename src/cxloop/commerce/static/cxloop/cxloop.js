/*! cxloop storefront snippet | AGPL-3.0-or-later
 *
 * Embed on every storefront page:
 *   <script src="https://cx.example.com/static/cxloop/cxloop.js"
 *           data-key="cxpk_..." data-endpoint="https://cx.example.com/api/v1/events" async></script>
 *
 * Then, anywhere after it:
 *   window.cxloop = window.cxloop || [];   // calls made before the script loads are queued
 *   cxloop.productView({product_id: "123", title: "Linen shirt", price: "49.00"});
 *   cxloop.addToCart({product_id: "123", quantity: 1});
 *   cxloop.checkoutStarted({total: "98.00", currency: "EUR"});
 *   cxloop.identify("ana@example.com", {first_name: "Ana"}, "<identity_hash from your server>");
 *   cxloop.track("newsletter_signup", {form: "footer"});
 *   cxloop.survey("<survey public id>");   // the survey's web link in a small panel
 *
 * identify links this browser's visitor to a customer only with the
 * identity_hash that the store's server computed for the signed-in customer:
 * hex HMAC-SHA256 of the trimmed, lower-cased email under the store's identity
 * secret (integrations page; docs/identity.md). Never compute it in the page:
 * the secret must stay on the server. Without it, or with a wrong one, the
 * event is stored but linked to no customer. Traits only fill a customer's
 * empty fields; a name from the shop platform is never changed.
 *
 * Each event carries a unique event_id (the server's idempotency key), its
 * occurred_at time, an anonymous id kept in localStorage and a session id kept
 * in sessionStorage that is renewed after 30 minutes without activity. Events
 * are batched and sent with fetch(keepalive), or navigator.sendBeacon when
 * fetch is unavailable or the page is being hidden. A batch that meets a
 * busy server (502, 503, 504) or a network error is sent again, up to 5
 * times, after 1, 2, 4, 8 and 16 seconds (each between half and all of
 * that, so shoppers do not retry in step) or after the server's Retry-After
 * if it asks for longer (at most a minute). The same event ids go again, so
 * a batch the server did store is not stored twice. When the page goes away,
 * batches waiting for a retry are sent at once.
 *
 * A link to the store's contact form opens it in the same panel, in the page's
 * language (the link works as a plain link without this script):
 *   <a href="https://cx.example.com/contact/<store>/" data-cxloop-contact>Contact us</a>
 * or from code: cxloop.contact("https://cx.example.com/contact/<store>/", {lang: "fa"}).
 * Only a contact form on this script's own cxloop address is opened.
 *
 * cxloop.survey(id, {lang, customer}) opens the survey's web link in an
 * iframe in a fixed panel, at most once per browser within the store's
 * survey window (remembered in localStorage; the survey page reports the
 * window, and whether the survey is closed). `customer` is an identified
 * link's token; `lang` defaults to the page's <html lang>.
 */
(function (window, document) {
  "use strict";

  if (window.cxloop && window.cxloop.__loaded) {
    return;
  }

  var script = document.currentScript || document.querySelector("script[data-key][src*='cxloop']");
  var KEY = script ? script.getAttribute("data-key") || "" : "";
  var ENDPOINT = script ? script.getAttribute("data-endpoint") || "" : "";
  if (!ENDPOINT && script && script.src) {
    ENDPOINT = script.src.replace(/\/static\/cxloop\/cxloop\.js.*$/, "/api/v1/events");
  }

  var ANON_KEY = "cxloop_aid";
  var SESSION_KEY = "cxloop_sid";
  var SESSION_SEEN_KEY = "cxloop_sid_seen";
  var SESSION_IDLE_MS = 30 * 60 * 1000;
  var FLUSH_DELAY_MS = 1000;
  var MAX_BATCH = 50;
  var KEEPALIVE_LIMIT = 60000; // browsers cap keepalive bodies at 64 KiB in total
  var RETRIES = 5;
  var RETRY_FIRST_MS = 1000;
  var RETRY_MAX_MS = 60000;
  var RETRY_STATUSES = { 502: true, 503: true, 504: true };

  var ORIGIN = "";
  try {
    ORIGIN = new URL(script && script.src ? script.src : ENDPOINT, window.location.href).origin;
  } catch (e) {
    // no URL support or no address: surveys stay off, events still work
  }
  var SURVEY_KEY = "cxloop_survey_";
  var DAY_MS = 24 * 60 * 60 * 1000;
  var SURVEY_DAYS = 90; // the default window, until the survey page reports the store's

  var queue = [];
  var timer = null;
  var retrying = []; // {body, timer}: batches waiting to be sent again
  var memory = {};

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i++) {
        bytes[i] = Math.floor(Math.random() * 256);
      }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = [];
    for (var j = 0; j < 16; j++) {
      hex.push((bytes[j] + 0x100).toString(16).slice(1));
    }
    return (
      hex.slice(0, 4).join("") + "-" + hex.slice(4, 6).join("") + "-" + hex.slice(6, 8).join("") +
      "-" + hex.slice(8, 10).join("") + "-" + hex.slice(10, 16).join("")
    );
  }

  // Storage can be blocked (privacy modes, sandboxed frames): fall back to memory.
  function read(storage, key) {
    try {
      return window[storage].getItem(key);
    } catch (e) {
      return memory[storage + key] || null;
    }
  }

  function write(storage, key, value) {
    try {
      window[storage].setItem(key, value);
    } catch (e) {
      memory[storage + key] = value;
    }
  }

  function anonymousId() {
    var id = read("localStorage", ANON_KEY);
    if (!id) {
      id = uuid();
      write("localStorage", ANON_KEY, id);
    }
    return id;
  }

  function sessionId() {
    var now = Date.now();
    var id = read("sessionStorage", SESSION_KEY);
    var seen = parseInt(read("sessionStorage", SESSION_SEEN_KEY) || "0", 10);
    if (!id || !seen || now - seen > SESSION_IDLE_MS) {
      id = uuid();
      write("sessionStorage", SESSION_KEY, id);
    }
    write("sessionStorage", SESSION_SEEN_KEY, String(now));
    return id;
  }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  function copy(props) {
    var out = {};
    if (isObject(props)) {
      for (var name in props) {
        if (Object.prototype.hasOwnProperty.call(props, name) && props[name] !== undefined) {
          out[name] = props[name];
        }
      }
    }
    return out;
  }

  function send(body, keepalive, attempt) {
    window.fetch(ENDPOINT, {
      method: "POST",
      headers: { "Authorization": "Bearer " + KEY, "Content-Type": "application/json" },
      body: body,
      keepalive: keepalive,
      credentials: "omit",
      mode: "cors"
    }).then(function (response) {
      if (RETRY_STATUSES[response.status]) {
        retryLater(body, attempt || 0, retryAfterMs(response));
      }
    }, function () {
      retryLater(body, attempt || 0, 0);
    });
  }

  // Retry-After in seconds or as an HTTP date; 0 when absent or unreadable.
  function retryAfterMs(response) {
    var value = response.headers && response.headers.get("Retry-After");
    if (!value) {
      return 0;
    }
    if (/^\s*\d+\s*$/.test(value)) {
      return parseInt(value, 10) * 1000;
    }
    var at = Date.parse(value);
    return isNaN(at) ? 0 : Math.max(0, at - Date.now());
  }

  function retryLater(body, attempt, serverMs) {
    if (attempt >= RETRIES) {
      return;
    }
    var backoff = RETRY_FIRST_MS * Math.pow(2, attempt);
    backoff = backoff / 2 + Math.random() * (backoff / 2);
    var entry = { body: body, timer: null };
    entry.timer = window.setTimeout(function () {
      forget(entry);
      send(body, body.length < KEEPALIVE_LIMIT, attempt + 1);
    }, Math.min(RETRY_MAX_MS, Math.max(backoff, serverMs)));
    retrying.push(entry);
  }

  function forget(entry) {
    var at = retrying.indexOf(entry);
    if (at >= 0) {
      retrying.splice(at, 1);
    }
  }

  function beacon(body) {
    // A beacon cannot carry headers: the key goes in the query string, and
    // text/plain keeps it a simple (no preflight) cross-origin request.
    var url = ENDPOINT + (ENDPOINT.indexOf("?") < 0 ? "?" : "&") + "key=" + encodeURIComponent(KEY);
    return navigator.sendBeacon(url, new Blob([body], { type: "text/plain;charset=UTF-8" }));
  }

  // fetch with keepalive (it outlives the page); sendBeacon when fetch is
  // missing, or when the page is going away with a body too big for keepalive.
  function post(body, unloading) {
    if (!KEY || !ENDPOINT) {
      return;
    }
    var canFetch = typeof window.fetch === "function";
    var small = body.length < KEEPALIVE_LIMIT;
    if (canFetch && (small || !unloading)) {
      try {
        send(body, small);
        return;
      } catch (e) {
        // an old browser that rejects the keepalive option: try a beacon
      }
    }
    if (navigator.sendBeacon && beacon(body)) {
      return;
    }
    if (canFetch) {
      send(body, false);
    }
  }

  function flush(unloading) {
    if (timer) {
      window.clearTimeout(timer);
      timer = null;
    }
    while (queue.length) {
      post(JSON.stringify({ events: queue.splice(0, MAX_BATCH) }), unloading);
    }
    // Leaving the page: a retry timer would never fire, so go now.
    while (unloading && retrying.length) {
      var entry = retrying.shift();
      window.clearTimeout(entry.timer);
      post(entry.body, true);
    }
  }

  function schedule() {
    if (queue.length >= MAX_BATCH) {
      flush(false);
    } else if (!timer) {
      timer = window.setTimeout(function () {
        flush(false);
      }, FLUSH_DELAY_MS);
    }
  }

  function track(type, properties, email, identityHash) {
    if (typeof type !== "string" || !type) {
      return null;
    }
    var event = {
      event_id: uuid(),
      type: type,
      occurred_at: new Date().toISOString(),
      anonymous_id: anonymousId(),
      session_id: sessionId(),
      properties: copy(properties)
    };
    if (email) {
      event.email = email;
    }
    if (email && typeof identityHash === "string" && identityHash) {
      event.identity_hash = identityHash;
    }
    queue.push(event);
    schedule();
    return event.event_id;
  }

  function pageProperties() {
    var props = { url: window.location.href, path: window.location.pathname, title: document.title };
    if (document.referrer) {
      props.referrer = document.referrer;
    }
    var params = new URLSearchParams(window.location.search);
    // `ref`: a referral link's code (reports count the visit as referred, never keep the code).
    ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "ref"].forEach(function (name) {
      if (params.get(name)) {
        props[name] = params.get(name);
      }
    });
    return props;
  }

  var panel = null;

  function css(element, styles) {
    for (var name in styles) {
      element.style[name] = styles[name];
    }
  }

  function hideSurveyFor(id, days) {
    write("localStorage", SURVEY_KEY + id, String(Date.now() + days * DAY_MS));
  }

  function closeSurvey() {
    if (panel && panel.parentNode) {
      panel.parentNode.removeChild(panel);
    }
    panel = null;
  }

  // A fixed panel in the bottom corner holding an iframe of a cxloop page, with a close button.
  function openPanel(src, kind, name, options) {
    panel = document.createElement("div");
    panel.setAttribute("data-cxloop-" + kind, name);
    css(panel, {
      position: "fixed", bottom: "16px", insetInlineEnd: "16px", zIndex: "2147483000",
      width: "min(380px, calc(100vw - 32px))",
      height: kind === "contact" ? "min(640px, calc(100vh - 32px))" : "min(480px, calc(100vh - 32px))",
      background: "#fff", borderRadius: "14px", overflow: "hidden",
      boxShadow: "0 8px 32px rgba(16, 24, 40, 0.28)"
    });
    var frame = document.createElement("iframe");
    frame.src = src;
    frame.title = options.title || (kind === "contact" ? "Contact" : "Survey");
    css(frame, { border: "0", width: "100%", height: "100%", display: "block" });
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", options.closeLabel || "Close");
    css(close, {
      position: "absolute", top: "8px", insetInlineEnd: "8px", width: "32px", height: "32px",
      border: "0", borderRadius: "50%", background: "rgba(17, 24, 39, 0.08)", color: "#111827",
      font: "20px/32px system-ui, sans-serif", cursor: "pointer", padding: "0"
    });
    close.addEventListener("click", closeSurvey);
    panel.appendChild(frame);
    panel.appendChild(close);
    document.body.appendChild(panel);
  }

  function showSurvey(id, options) {
    var params = "embed=1";
    var lang = options.lang || document.documentElement.lang;
    if (lang) {
      params += "&lang=" + encodeURIComponent(lang);
    }
    if (typeof options.customer === "string" && options.customer) {
      params += "&c=" + encodeURIComponent(options.customer);
    }
    openPanel(ORIGIN + "/s/w/" + encodeURIComponent(id) + "/?" + params, "survey", id, options);
  }

  // The store's contact form (an <a href=".../contact/<store>/" data-cxloop-contact> link) in the
  // panel, in the page's language. Without this script the link opens the form as a page.
  function contact(href, options) {
    var opts = isObject(options) ? options : {};
    var url;
    try {
      url = new URL(href, window.location.href);
    } catch (e) {
      return false;
    }
    if (!ORIGIN || url.origin !== ORIGIN || !/^\/contact\/[^\/]+\/$/.test(url.pathname)) {
      return false;
    }
    url.searchParams.set("embed", "1");
    var lang = opts.lang || document.documentElement.lang;
    if (lang && !url.searchParams.get("lang")) {
      url.searchParams.set("lang", lang);
    }
    closeSurvey();
    openPanel(url.href, "contact", url.pathname.split("/")[2], opts);
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("[data-cxloop-contact]") : null;
    if (!link || event.defaultPrevented || event.button > 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey) {
      return;
    }
    var href = link.getAttribute("href") || link.getAttribute("data-cxloop-contact");
    var title = link.getAttribute("data-cxloop-title") || link.textContent.trim();
    if (href && contact(href, { title: title })) {
      event.preventDefault();
    }
  });

  // Show a survey's web link in a small panel, unless this browser saw it within the window.
  function survey(id, options) {
    var opts = isObject(options) ? options : {};
    if (typeof id !== "string" || !/^[A-Za-z0-9_-]{1,40}$/.test(id) || !ORIGIN || panel) {
      return false;
    }
    var until = parseInt(read("localStorage", SURVEY_KEY + id) || "0", 10);
    if (until > Date.now()) {
      return false;
    }
    hideSurveyFor(id, SURVEY_DAYS);
    if (document.body) {
      showSurvey(id, opts);
    } else {
      document.addEventListener("DOMContentLoaded", function () {
        showSurvey(id, opts);
      });
    }
    return true;
  }

  // The survey page in the panel reports the store's window, and closes the panel if the survey is.
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== ORIGIN || !isObject(data) || data.type !== "cxloop:survey") {
      return;
    }
    if (typeof data.survey === "string" && typeof data.windowDays === "number" && data.windowDays > 0) {
      hideSurveyFor(data.survey, data.windowDays);
    }
    if (data.state === "closed") {
      closeSurvey();
    }
  });

  var api = {
    __loaded: true,
    track: track,
    page: function (properties) {
      var props = pageProperties();
      var extra = copy(properties);
      for (var name in extra) {
        props[name] = extra[name];
      }
      return track("page_view", props);
    },
    productView: function (properties) {
      return track("product_view", properties);
    },
    addToCart: function (properties) {
      return track("add_to_cart", properties);
    },
    checkoutStarted: function (properties) {
      return track("checkout_started", properties);
    },
    identify: function (email, traits, identityHash) {
      if (typeof email !== "string" || email.indexOf("@") < 1) {
        return null;
      }
      var props = copy(traits);
      props.email = email;
      return track("identify", props, email, identityHash);
    },
    flush: function () {
      flush(false);
    },
    survey: survey,
    contact: contact,
    anonymousId: anonymousId,
    sessionId: sessionId
  };

  // Run calls queued before the script loaded: cxloop.push(["identify", "a@b.c", {}, "<hash>"]).
  var pending = Array.isArray(window.cxloop) ? window.cxloop : [];
  api.push = function (call) {
    if (Array.isArray(call) && typeof api[call[0]] === "function") {
      api[call[0]].apply(api, call.slice(1));
    }
  };
  window.cxloop = api;

  api.page();
  for (var i = 0; i < pending.length; i++) {
    api.push(pending[i]);
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      flush(true);
    }
  });
  window.addEventListener("pagehide", function () {
    flush(true);
  });
})(window, document);

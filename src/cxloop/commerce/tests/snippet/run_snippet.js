// Runs the storefront snippet in Node with a minimal page around it and Node's own fetch.
//
//   node run_snippet.js <snippet path> <event endpoint>
//
// Time is controlled, not waited for: window.setTimeout fires at once (on the
// next turn of the event loop) and records the delay it was asked for. When
// nothing is left to do, prints {"delays": [...]} (the delays of the timers
// that fired, in order) and exits.
"use strict";
const fs = require("fs");
const vm = require("vm");

const [snippetPath, endpoint] = process.argv.slice(2);
const delays = [];
const timers = new Set();
let nextTimer = 1;

function storage() {
  const items = new Map();
  return {
    getItem: (key) => (items.has(key) ? items.get(key) : null),
    setItem: (key, value) => items.set(key, String(value)),
    removeItem: (key) => items.delete(key),
  };
}

const script = {
  src: "",
  getAttribute: (name) => ({ "data-key": "cxpk_test", "data-endpoint": endpoint })[name] || null,
};
const document = {
  currentScript: script,
  querySelector: () => script,
  addEventListener: () => {},
  referrer: "",
  title: "Linen shirt",
  visibilityState: "visible",
  documentElement: { lang: "en" },
};
const window = {
  fetch: (url, options) => fetch(url, options),
  setTimeout: (callback, ms) => {
    const id = nextTimer++;
    timers.add(id);
    setImmediate(() => {
      if (timers.delete(id)) {
        delays.push(ms);
        callback();
      }
    });
    return id;
  },
  clearTimeout: (id) => timers.delete(id),
  addEventListener: () => {},
  location: { href: "https://shop.example/p/linen", pathname: "/p/linen", search: "" },
  localStorage: storage(),
  sessionStorage: storage(),
  crypto: globalThis.crypto,
};
const context = vm.createContext({ window, document, navigator: {}, URL, URLSearchParams, Blob, console });
vm.runInContext(fs.readFileSync(snippetPath, "utf8"), context, { filename: snippetPath });

process.on("beforeExit", () => {
  if (delays !== null) {
    process.stdout.write(JSON.stringify({ delays }) + "\n");
    delays.length = 0;
    process.exit(0);
  }
});

// ghee dashboard: progressive enhancement only; every page works without this file.
(function () {
  "use strict";
  var csrf = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  };

  // ghee.live(["build.*"], function (event) {...}): follow the event log (/live).
  // The browser reconnects by itself and resumes after the last event id.
  var live = function (types, onEvent) {
    var source = new EventSource("/live?types=" + encodeURIComponent(types.join(",")));
    source.onmessage = function (message) { onEvent(JSON.parse(message.data)); };
    // <html data-live="open"> while the stream is connected (tests and styles can wait for it).
    source.onopen = function () { document.documentElement.setAttribute("data-live", "open"); };
    source.onerror = function () { document.documentElement.setAttribute("data-live", "reconnecting"); };
    return source;
  };

  // ghee.fetch(url, options): fetch with the session's CSRF token on unsafe methods.
  var send = function (url, options) {
    options = options || {};
    var headers = new Headers(options.headers || {});
    headers.set("X-CSRF-Token", csrf());
    options.headers = headers;
    options.credentials = "same-origin";
    return window.fetch(url, options);
  };

  // <button data-copy="#input-id">: copy the input's value to the clipboard.
  document.addEventListener("click", function (click) {
    var button = click.target.closest("[data-copy]");
    if (!button) { return; }
    var input = document.querySelector(button.getAttribute("data-copy"));
    if (!input) { return; }
    input.select();
    var done = function () { button.textContent = "Copied"; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });

  window.ghee = { live: live, fetch: send, csrf: csrf };
})();

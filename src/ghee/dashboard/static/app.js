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

/* == builds == */
(function () {
  "use strict";
  var ghee = window.ghee;
  var announce = function (id, text) {
    var region = document.getElementById(id);
    if (region) { region.textContent = text; }
  };
  var rowHtml = function (url) {
    return ghee.fetch(url).then(function (response) { return response.ok ? response.text() : null; });
  };
  // The row is ghee's own template (pages/_build_row.html, autoescaped): it is parsed in an inert
  // <template>, where nothing in it runs or loads, and only its first element is adopted.
  var toRow = function (html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    var row = template.content.firstElementChild;
    return row && row.localName === "tr" ? document.importNode(row, true) : null;
  };

  ghee.rowHtml = rowHtml;
  ghee.toRow = toRow;

  // The builds list: a row whose build changes is swapped for a fresh one (status, duration);
  // on the first unfiltered page, a new build of the project appears at the top.
  ghee.followBuildRows = function (tbody) {
    if (!tbody) { return null; }
    var project = tbody.getAttribute("data-project");
    return ghee.live(["build.*"], function (event) {
      var id = event.resource_id;
      var current = tbody.querySelector('tr[data-build="' + id + '"]');
      if (!current && !(event.type === "build.created" && tbody.hasAttribute("data-new-rows"))) { return; }
      rowHtml("/builds/" + encodeURIComponent(id) + "/row?project=" + encodeURIComponent(project)).then(function (html) {
        var row = html ? toRow(html) : null;
        if (!row) { return; }
        var existing = tbody.querySelector('tr[data-build="' + id + '"]');
        if (existing) {
          existing.replaceWith(row);
        } else {
          tbody.insertBefore(row, tbody.firstElementChild);
          var empty = document.getElementById("no-builds");
          if (empty) { empty.hidden = true; }
        }
        var status = row.querySelector("[data-status]");
        announce("builds-announcer", "Build " + row.querySelector("a").textContent + " is " + (status ? status.textContent : "updated"));
      });
    });
  };

  // The build page: the status badge follows the build until it finishes.
  ghee.followBuildStatus = function (id) {
    var source = ghee.live(["build.*"], function (event) {
      if (event.resource_id !== id || !event.payload || !event.payload.status) { return; }
      var status = event.payload.status;
      document.querySelectorAll("[data-build-status]").forEach(function (badge) {
        badge.textContent = status;
        badge.className = "status status-" + status;
      });
      document.querySelectorAll("[data-build-status-text]").forEach(function (text) { text.textContent = status; });
      announce("build-announcer", "The build is " + status);
      if (["success", "failed", "cancelled"].indexOf(status) >= 0) {
        source.close();
        var finished = document.getElementById("build-finished");
        if (finished) { finished.hidden = false; }
      }
    });
    return source;
  };

  // The build page while the build runs: every 2 s, fetch /builds/<id>/progress (ghee's own
  // template, parsed inert) and swap each [data-live-part] for the part with the same id.
  ghee.followBuildProgress = function (url) {
    var poll = function () {
      ghee.fetch(url, { cache: "no-store" }).then(function (response) {
        return response.ok ? response.text() : null;
      }).then(function (html) {
        if (html === null) { window.setTimeout(poll, 5000); return; }
        var template = document.createElement("template");
        template.innerHTML = html.trim();
        var root = template.content.firstElementChild;
        if (!root) { return; }
        root.querySelectorAll("[data-live-part][id]").forEach(function (part) {
          var current = document.getElementById(part.id);
          if (current) { current.replaceWith(document.importNode(part, true)); }
        });
        if (["pending", "running"].indexOf(root.getAttribute("data-build-state")) >= 0) {
          window.setTimeout(poll, 2000);
        }
      }, function () { window.setTimeout(poll, 5000); });
    };
    window.setTimeout(poll, 2000);
  };

  // The log viewer: while the CI still writes the log (X-More-Data: true), ask for what came after
  // the bytes shown (Range: bytes=N-) every 2 s and append it; stop when the log is complete.
  ghee.followLog = function (pre, state) {
    if (!pre || !pre.hasAttribute("data-follow")) { return; }
    var url = pre.getAttribute("data-log-url");
    var offset = parseInt(pre.getAttribute("data-offset"), 10) || 0;
    var decoder = new TextDecoder("utf-8");
    var poll = function () {
      ghee.fetch(url, { headers: { Range: "bytes=" + offset + "-" }, cache: "no-store" }).then(function (response) {
        var more = response.headers.get("X-More-Data") === "true";
        var read = response.status === 206 ? response.arrayBuffer() : Promise.resolve(null);
        return read.then(function (buffer) {
          if (buffer && buffer.byteLength) {
            var atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
            pre.appendChild(document.createTextNode(decoder.decode(buffer, { stream: more })));
            offset += buffer.byteLength;
            pre.setAttribute("data-offset", String(offset));
            if (atEnd) { pre.scrollTop = pre.scrollHeight; }
          }
          if (more || (buffer && buffer.byteLength)) {
            window.setTimeout(poll, 2000);
          } else {
            pre.removeAttribute("data-follow");
            pre.setAttribute("data-log-done", "");
            if (state) { state.textContent = "Complete."; }
          }
        });
      }, function () { window.setTimeout(poll, 5000); });
    };
    window.setTimeout(poll, 2000);
  };

  // The log opens at the first error line (<mark id="first-error">), else at its end.
  ghee.openLog = function (pre) {
    if (!pre) { return; }
    var error = document.getElementById("first-error");
    if (error) {
      pre.scrollTop = Math.max(0, error.offsetTop - pre.clientHeight / 3);  // the log is its offsetParent
    } else {
      pre.scrollTop = pre.scrollHeight;
    }
  };
})();

/* == pages opt in with data- attributes: the Content-Security-Policy allows no inline script == */
(function () {
  "use strict";
  var ghee = window.ghee;

  // The overview (<div data-follow-statuses>): each build's status badge follows its events, and
  // a new build of a project on the page appears in its card, newest first (which keeps data-keep rows).
  var overview = document.querySelector("[data-follow-statuses]");
  var addOverviewRow = function (tbody, id) {
    ghee.rowHtml("/overview/builds/" + encodeURIComponent(id) + "/row").then(function (html) {
      var row = html ? ghee.toRow(html) : null;
      if (!row || tbody.querySelector('tr[data-build="' + id + '"]')) { return; }
      // Rows arrive in whatever order their fetches finish: keep them newest (highest number) first.
      var number = parseInt(row.getAttribute("data-number"), 10);
      var after = Array.prototype.find.call(tbody.rows, function (other) {
        return parseInt(other.getAttribute("data-number"), 10) < number;
      });
      tbody.insertBefore(row, after || null);
      var keep = parseInt(tbody.getAttribute("data-keep"), 10) || 5;
      while (tbody.rows.length > keep) { tbody.deleteRow(-1); }
      var card = tbody.closest("section");
      card.querySelector(".table-scroll").hidden = false;
      var empty = card.querySelector("[data-no-builds]");
      if (empty) { empty.hidden = true; }
    });
  };
  if (overview) {
    ghee.live(["build.*"], function (event) {
      var payload = event.payload || {};
      var badge = overview.querySelector('[data-build="' + event.resource_id + '"] [data-status]');
      if (badge && payload.status) {
        badge.textContent = payload.status;
        badge.className = "status status-" + payload.status;
      } else if (!badge && event.type === "build.created" && payload.project) {
        var tbody = overview.querySelector('tbody[data-project="' + payload.project + '"]');
        if (tbody) { addOverviewRow(tbody, event.resource_id); }
      }
    });
  }
  // The builds list (<tbody data-follow-rows>), a build's log (<pre id="build-log">) and its
  // status while it runs (data-follow-build="<build id>").
  ghee.followBuildRows(document.querySelector("tbody[data-follow-rows]"));
  var log = document.getElementById("build-log");
  if (log) {
    ghee.openLog(log);
    ghee.followLog(log, document.getElementById("log-state"));
  }
  var running = document.querySelector("[data-follow-build]");
  if (running) {
    ghee.followBuildStatus(running.getAttribute("data-follow-build"));
    ghee.followBuildProgress(running.getAttribute("data-progress-url"));
  }
})();

/* == phones (issue 18): table cells named for their column, the menu on wide screens == */
(function () {
  "use strict";
  // On a phone app.css shows a wide table's rows as cards, each cell's data-label (its column's header) before
  // its value. A column whose header is only for screen readers (an actions column) is left unlabelled.
  var labelCells = function (table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) { return; }
    var names = [];
    Array.prototype.forEach.call(head.cells, function (cell) {
      var hidden = cell.querySelector(".visually-hidden");
      var name = hidden && hidden.textContent.trim() === cell.textContent.trim() ? "" : cell.textContent.trim();
      for (var span = 0; span < cell.colSpan; span += 1) { names.push(name); }
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (cell.localName === "td" && names[column] && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", names[column]);
          }
          column += cell.colSpan;
        });
      });
    });
  };
  // On a phone app.css shows a table as cards unless it fits the screen as a table, as short ones do: each
  // table is laid out as one (data-fits), measured, and left so if it fits.
  var narrow = window.matchMedia("(max-width: 40rem)");
  var measure = function (table) {
    table.setAttribute("data-fits", "");
    if (!narrow.matches || !table.parentElement) { return; }
    var box = table.parentElement;
    var style = window.getComputedStyle(box);
    var room = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (table.getBoundingClientRect().width > room + 0.5) { table.removeAttribute("data-fits"); }
  };
  var tables = function () { return document.querySelectorAll("main table"); };
  tables().forEach(function (table) { labelCells(table); measure(table); });
  var again = null;
  var measureAll = function () {
    if (again === null) {
      again = window.requestAnimationFrame(function () { again = null; tables().forEach(measure); });
    }
  };
  window.addEventListener("resize", measureAll);
  document.addEventListener("toggle", measureAll, true);  // a table inside a <details> just opened
  // Rows the live lists add later are labelled as they arrive, and their table measured again.
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      var table = change.target.closest && change.target.closest("table");
      if (table && change.addedNodes.length) {
        labelCells(table);
        measure(table);
      }
    });
  }).observe(document.querySelector("main") || document.body, { childList: true, subtree: true });

  // A browser without ::details-content cannot show a closed <details>' content: open the menu on a wide screen.
  var menu = document.querySelector("details.menu");
  if (menu && !(window.CSS && CSS.supports("selector(::details-content)")) && window.matchMedia("(min-width: 40.01rem)").matches) {
    menu.open = true;
  }
  // Escape folds the open menu back onto its button.
  document.addEventListener("keydown", function (key) {
    if (key.key !== "Escape" || !menu || !menu.open || !window.matchMedia("(max-width: 40rem)").matches) { return; }
    menu.open = false;
    menu.querySelector("summary").focus();
  });
})();

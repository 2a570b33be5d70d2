// The schema editor (pages/content_schema_edit.html, <form data-schema-editor>): add, move and retype
// field rows in place. Without this file the form works as it is: its empty rows add fields,
// "Position" orders them, "Remove" drops one, and what a type does not use is ignored when saved.
(function () {
  "use strict";
  var form = document.querySelector("form[data-schema-editor]");
  var template = document.getElementById("schema-row-template");
  if (!form || !template) { return; }
  var announcer = document.getElementById("schema-announcer");

  // A row's own elements, not those of the rows nested in it (a repeater's fields).
  var own = function (row, selector) {
    return Array.prototype.filter.call(row.querySelectorAll(selector), function (element) {
      return element.closest("[data-row]") === row;
    });
  };
  var rowsOf = function (list) {
    return Array.prototype.filter.call(list.children, function (child) { return child.hasAttribute("data-row"); });
  };

  // Show what the row's type uses: a reference's target and "Many", a repeater's own fields.
  var sync = function (row) {
    var type = own(row, "[data-type]")[0].value;
    own(row, "[data-for]").forEach(function (part) { part.hidden = part.getAttribute("data-for") !== type; });
  };

  // The buttons need this file; the positions are set from the rows' order instead of typed.
  var reveal = function (root) {
    root.querySelectorAll("[data-js-only]").forEach(function (part) { part.hidden = false; });
    root.querySelectorAll("[data-order]").forEach(function (part) { part.hidden = true; });
  };

  // Number the rows as they stand ("Field 2", "Field 2.1"): their legends and the positions saved.
  var renumber = function (list, prefix) {
    rowsOf(list).forEach(function (row, index) {
      var number = prefix + (index + 1);
      own(row, "[data-number]")[0].textContent = number;
      own(row, "[data-order] input")[0].value = String(index + 1);
      own(row, "[data-add-to]")[0].textContent = " to field " + number;
      renumber(own(row, "[data-rows]")[0], number + ".");
    });
  };
  var renumberAll = function () { renumber(form.querySelector("[data-rows]"), ""); };

  // A new empty row at the end of a list, from the row template (__P__: its names' prefix, __I__: its ids').
  var addRow = function (list) {
    var index = parseInt(list.getAttribute("data-next"), 10) || rowsOf(list).length;
    list.setAttribute("data-next", String(index + 1));
    var prefix = list.getAttribute("data-prefix") + "[" + index + "]";
    var id = list.getAttribute("data-id") + "-" + index;
    var row = document.importNode(template.content, true).firstElementChild;
    [row].concat(Array.prototype.slice.call(row.querySelectorAll("*"))).forEach(function (element) {
      ["name", "id", "for", "data-prefix", "data-id"].forEach(function (name) {
        var value = element.getAttribute(name);
        if (value !== null) { element.setAttribute(name, value.split("__P__").join(prefix).split("__I__").join(id)); }
      });
    });
    list.appendChild(row);
    reveal(row);
    sync(row);
    renumberAll();
    own(row, "[name$='[key]']")[0].focus();
  };

  var move = function (row, direction) {
    var other = direction === "up" ? row.previousElementSibling : row.nextElementSibling;
    if (!other) { return; }
    row.parentNode.insertBefore(direction === "up" ? row : other, direction === "up" ? other : row);
    renumberAll();
    if (announcer) {
      var key = own(row, "[name$='[key]']")[0].value || "The new field";
      announcer.textContent = key + " is now field " + own(row, "[data-number]")[0].textContent;
    }
  };

  form.addEventListener("change", function (event) {
    if (event.target.matches("[data-type]")) { sync(event.target.closest("[data-row]")); }
  });
  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-move], button[data-add-row]");
    if (!button) { return; }
    if (button.hasAttribute("data-add-row")) {
      addRow(button.parentElement.previousElementSibling);
    } else {
      move(button.closest("[data-row]"), button.getAttribute("data-move"));
    }
  });
  reveal(form);
  form.querySelectorAll("[data-row]").forEach(sync);
  renumberAll();
})();

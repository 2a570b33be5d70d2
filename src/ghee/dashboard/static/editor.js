/* ghee post editor: slug from title, a small rich-text editor over the body textarea, image preview.
   Loaded on the post editor only. Without JavaScript the textarea takes HTML and the form still works.
   The server cleans the body (core/rich_text.py) before showing it and when saving it. */
(function () {
  "use strict";
  var form = document.querySelector("[data-post-editor]");
  if (!form) { return; }

  function slugify(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80).replace(/-+$/, "");
  }
  var title = form.querySelector("#post-title");
  var slug = form.querySelector("#post-slug");
  if (title && slug) {
    var fillSlug = function () {
      if (slug.hasAttribute("data-auto")) { slug.value = slugify(title.value); }
    };
    title.addEventListener("input", fillSlug);
    // A title typed before this deferred script ran (a slow page) gives the slug too.
    if (title.value && !slug.value) { fillSlug(); }
    slug.addEventListener("input", function () { slug.removeAttribute("data-auto"); });
  }

  var tools = [
    ["Bold", "bold", null], ["Italic", "italic", null], ["Heading", "formatBlock", "h2"],
    ["List", "insertUnorderedList", null], ["Link", "createLink", null], ["Quote", "formatBlock", "blockquote"]
  ];
  // The body's HTML is shown by copying, element by element, only what the server's cleaner keeps
  // (data-rich-text: its tags, attributes and URL schemes): the text is parsed by DOMParser into an
  // inert document, where nothing runs or loads, and never assigned to innerHTML. The server cleans
  // the value before it renders it and again when it is saved; this is the editor's own guard.
  var DROPPED_WHOLE = ["script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math", "title", "textarea"];
  function safeUrl(value, schemes) {
    var url;
    try { url = new URL(value, document.baseURI); } catch (error) { return false; }
    return schemes.indexOf(url.protocol.replace(/:$/, "")) >= 0;
  }
  function copyAllowed(source, target, rules) {
    Array.prototype.forEach.call(source.childNodes, function (node) {
      if (node.nodeType === Node.TEXT_NODE) {
        target.appendChild(document.createTextNode(node.data));
        return;
      }
      if (node.nodeType !== Node.ELEMENT_NODE) { return; }
      var tag = node.localName;
      if (node.namespaceURI !== "http://www.w3.org/1999/xhtml" || DROPPED_WHOLE.indexOf(tag) >= 0) { return; }
      if (rules.tags.indexOf(tag) < 0) { copyAllowed(node, target, rules); return; } // keep the text, drop the tag
      var copy = document.createElement(tag);
      (rules.attributes[tag] || []).forEach(function (name) {
        var value = node.getAttribute(name);
        if (value === null) { return; }
        if ((name === "href" || name === "src") && !safeUrl(value, rules.schemes)) { return; }
        copy.setAttribute(name, value);
      });
      copyAllowed(node, copy, rules);
      target.appendChild(copy);
    });
  }
  function showHtml(box, html, rules) {
    var parsed = new DOMParser().parseFromString(html, "text/html");
    var kept = document.createDocumentFragment();
    copyAllowed(parsed.body, kept, rules);
    box.replaceChildren(kept);
  }

  form.querySelectorAll("textarea[data-rich-text]").forEach(function (area) {
    var rules = JSON.parse(area.getAttribute("data-rich-text") || "{}");
    rules = { tags: rules.tags || [], attributes: rules.attributes || {}, schemes: rules.schemes || [] };
    var label = document.querySelector('label[for="' + area.id + '"]');
    var toolbar = document.createElement("div");
    toolbar.className = "rt-toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Formatting");
    var box = document.createElement("div");
    box.className = "rt-box";
    box.contentEditable = "true";
    box.setAttribute("role", "textbox");
    box.setAttribute("aria-multiline", "true");
    if (label) { box.setAttribute("aria-labelledby", label.id || (label.id = area.id + "-label")); }
    showHtml(box, area.value, rules);
    function sync() { area.value = box.innerHTML; }
    tools.forEach(function (tool) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = tool[0];
      button.className = "secondary";
      button.addEventListener("mousedown", function (event) { event.preventDefault(); }); // keep the selection
      button.addEventListener("click", function () {
        box.focus();
        var value = tool[2];
        if (tool[1] === "createLink") {
          value = window.prompt("Link address (https://…)", "https://");
          if (!value) { return; }
        } else if (tool[1] === "formatBlock") {
          var current = (document.queryCommandValue("formatBlock") || "").toLowerCase();
          value = current === value ? "p" : value;
        }
        document.execCommand(tool[1], false, value);
        sync();
      });
      toolbar.appendChild(button);
    });
    box.addEventListener("input", sync);
    form.addEventListener("submit", sync);
    area.hidden = true;
    area.parentNode.insertBefore(toolbar, area);
    area.parentNode.insertBefore(box, area);
    if (label) {
      label.addEventListener("click", function () { box.focus(); });
    }
  });

  var preview = form.querySelector("#featured-preview");
  var file = form.querySelector("#post-image-file");
  var url = form.querySelector("#post-image");
  function show(src) {
    if (src) { preview.src = src; preview.hidden = false; } else { preview.removeAttribute("src"); preview.hidden = true; }
  }
  if (preview && file) {
    file.addEventListener("change", function () {
      show(file.files && file.files[0] ? URL.createObjectURL(file.files[0]) : url.value);
    });
  }
  if (preview && url) {
    url.addEventListener("change", function () { if (!file || !file.value) { show(url.value); } });
  }
})();

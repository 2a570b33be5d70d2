/* ghee post editor: slug from title, a small rich-text editor over the body textarea (undo, images from the
   media library), image preview.
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
    ["List", "insertUnorderedList", null], ["Link", "createLink", null], ["Quote", "formatBlock", "blockquote"],
    ["Image", "image", null], ["Undo", "undo", null], ["Redo", "redo", null]
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
      var allowed = rules.attributes[tag] || [];
      // In the source's order, as the server's cleaner keeps them: the editor shows the stored body byte for byte.
      Array.prototype.forEach.call(node.attributes, function (attribute) {
        var name = attribute.name;
        if (allowed.indexOf(name) < 0) { return; }
        if ((name === "href" || name === "src") && !safeUrl(attribute.value, rules.schemes)) { return; }
        copy.setAttribute(name, attribute.value);
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

  // The media library's images, to put one in the body: a dialog of thumbnails from /content/media.json.
  // One picker for the page: open(choose) shows it and hands the image picked to choose.
  function imagePicker() {
    var choose = function () {};
    var dialog = document.createElement("dialog");
    dialog.className = "image-picker";
    dialog.setAttribute("aria-labelledby", "image-picker-title");
    var heading = document.createElement("h2");
    heading.id = "image-picker-title";
    heading.textContent = "Insert an image from the library";
    var list = document.createElement("ul");
    list.className = "media-grid";
    var more = document.createElement("button");
    more.type = "button";
    more.className = "secondary";
    more.textContent = "More images";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "secondary";
    close.textContent = "Close";
    var note = document.createElement("p");
    note.className = "muted";
    var page = 0;
    function load() {
      page += 1;
      fetch("/content/media.json?page=" + page, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (found) {
          found.images.forEach(function (image) {
            var item = document.createElement("li");
            var pick = document.createElement("button");
            pick.type = "button";
            pick.className = "secondary image-choice";
            pick.setAttribute("aria-label", "Insert " + image.file_name);
            var thumb = document.createElement("img");
            thumb.src = image.thumbnail;
            thumb.alt = "";
            thumb.width = 240;
            thumb.height = 160;
            pick.appendChild(thumb);
            pick.addEventListener("click", function () { dialog.close(); choose(image); });
            var name = document.createElement("span");
            name.className = "media-name";
            name.textContent = image.file_name;
            item.appendChild(pick);
            item.appendChild(name);
            list.appendChild(item);
          });
          more.hidden = !found.has_more;
          note.textContent = list.children.length ? "" : "The library is empty: upload images under Content › Media.";
        });
    }
    more.addEventListener("click", load);
    close.addEventListener("click", function () { dialog.close(); });
    dialog.appendChild(heading);
    dialog.appendChild(note);
    dialog.appendChild(list);
    dialog.appendChild(more);
    dialog.appendChild(close);
    return {
      dialog: dialog,
      open: function (then) {
        choose = then;
        if (!page) { load(); }
        dialog.showModal();
      }
    };
  }

  var picker = imagePicker();
  form.appendChild(picker.dialog);

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
    // Formatting the cleaner keeps, and nothing it would strip: <b>/<i> rather than styled spans,
    // a new paragraph as <p> rather than <div>, and a paste copied through the same rules as a load.
    document.execCommand("styleWithCSS", false, false);
    document.execCommand("defaultParagraphSeparator", false, "p");
    box.addEventListener("paste", function (event) {
      var html = event.clipboardData && event.clipboardData.getData("text/html");
      if (!html) { return; } // plain text pastes as text
      event.preventDefault();
      var holder = document.createElement("div");
      showHtml(holder, html, rules);
      document.execCommand("insertHTML", false, holder.innerHTML);
      sync();
    });
    var saved = null;
    function remember() {
      var selection = window.getSelection();
      if (selection.rangeCount && box.contains(selection.anchorNode)) { saved = selection.getRangeAt(0).cloneRange(); }
    }
    box.addEventListener("keyup", remember);
    box.addEventListener("mouseup", remember);
    box.addEventListener("input", remember);
    function insertImage(image) {
      box.focus();
      if (saved) {
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(saved);
      }
      var img = document.createElement("img");
      img.setAttribute("src", image.url);
      img.setAttribute("alt", image.file_name);
      img.setAttribute("width", String(image.width));
      img.setAttribute("height", String(image.height));
      document.execCommand("insertHTML", false, img.outerHTML); // undoable, like every other edit
      sync();
    }

    tools.forEach(function (tool) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = tool[0];
      button.className = "secondary";
      button.addEventListener("mousedown", function (event) { event.preventDefault(); }); // keep the selection
      button.addEventListener("click", function () {
        box.focus();
        var value = tool[2];
        if (tool[1] === "image") {
          remember();
          picker.open(insertImage);
          return;
        }
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
  var fromLibrary = form.querySelector("[data-featured-from-library]");
  if (fromLibrary && url) {
    fromLibrary.hidden = false;
    fromLibrary.addEventListener("click", function () {
      picker.open(function (image) {
        url.value = image.url;
        if (file) { file.value = ""; }
        show(image.url);
      });
    });
  }
})();

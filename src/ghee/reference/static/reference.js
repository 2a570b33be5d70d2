// /docs: Swagger UI over ghee's OpenAPI document. A file of its own, since the page's policy runs no inline script.
"use strict";

(function () {
  const root = document.getElementById("reference");
  window.ui = SwaggerUIBundle({
    url: root.dataset.document,
    domNode: root,
    layout: "BaseLayout", // no top bar: it would offer to load a document from any URL
    deepLinking: true,
    validatorUrl: null, // by default Swagger UI shows a badge fetched from validator.swagger.io
    defaultModelsExpandDepth: 0,
  });
})();

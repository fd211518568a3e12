// Swagger UI over our own spec; the bundle is served by this service (no CDN, strict CSP).
"use strict";
window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.spec,
    domNode: root,
    deepLinking: true,
    validatorUrl: null, // no call to a validator elsewhere
    presets: [SwaggerUIBundle.presets.apis],
  });
});

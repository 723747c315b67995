/* Starts Swagger UI on /api/docs from a local file: the CSP allows no inline script. */
(function () {
  "use strict";
  var body = document.body.dataset;
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis];
  if (body.apiCsrf && body.csrfToken) {
    config.requestInterceptor = function (request) {
      request.headers["X-CSRFToken"] = body.csrfToken;
      return request;
    };
  }
  window.ui = SwaggerUIBundle(config);
})();

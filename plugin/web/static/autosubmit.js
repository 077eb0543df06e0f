// OIDC response_mode=form_post: the platform's answer is a form the browser submits at once.
(function () {
  "use strict";
  var form = document.getElementById("lti-form-post");
  if (form) { form.submit(); }
}());

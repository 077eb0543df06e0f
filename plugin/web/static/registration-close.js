// LTI Dynamic Registration 1.0 §3.6.3: tell the platform that registration is over.
(function () {
  "use strict";
  var target = window.opener || window.parent;
  if (target && target !== window) {
    target.postMessage({ subject: "org.imsglobal.lti.close" }, "*");
  }
}());

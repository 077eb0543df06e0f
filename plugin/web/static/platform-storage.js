// LTI Client Side postMessages (lti.put_data / lti.get_data), used when the platform offers
// lti_storage_target: the login state is kept in the platform's frame instead of a third-party cookie.
(function () {
  "use strict";
  var el = document.getElementById("lti-storage");
  if (!el) { return; }
  var origin = el.dataset.origin;
  var target = el.dataset.target;
  var frame = target === "_parent" ? window.parent : (window.parent.frames[target] || window.parent);
  var messageId = "sb-" + Math.random().toString(36).slice(2);
  var status = document.getElementById("storage-status");
  var done = false;

  function finish(value) {
    if (done) { return; }
    done = true;
    window.removeEventListener("message", onMessage);
    if (el.dataset.action === "put") {
      window.location.assign(el.dataset.next);
    } else {
      var form = document.getElementById(el.dataset.form);
      form.elements[el.dataset.field].value = value || "";
      form.submit();
    }
  }

  function onMessage(event) {
    // Only the platform's origin may answer (LTI Client Side postMessages: check event.origin).
    if (event.origin !== origin || !event.data || event.data.message_id !== messageId) { return; }
    var subject = event.data.subject;
    if (subject === "lti.put_data.response" || subject === "lti.get_data.response") {
      finish(event.data.value);
    }
  }

  window.addEventListener("message", onMessage);
  var message = { subject: "lti." + el.dataset.action + "_data", message_id: messageId, key: el.dataset.key };
  if (el.dataset.action === "put") { message.value = el.dataset.value; }
  try {
    frame.postMessage(message, origin);
  } catch (e) {
    status.textContent = "Your LMS did not answer; continuing.";
  }
  // Bounded wait: without an answer the launch goes on and the server decides with what it has.
  window.setTimeout(function () { finish(""); }, 3000);
}());

"""StrictPlatform's course page for real-browser tests: the tool framed as an LMS frames it, and the
platform's half of LTI Platform Storage (1EdTech LTI Client Side postMessages: ``lti.put_data``,
``lti.get_data``, ``lti.capabilities``), kept per sending origin in the page's memory."""

from __future__ import annotations

import html
from urllib.parse import urlencode

from werkzeug.wrappers import Response

RESPONDER = """
(function () {
  "use strict";
  var store = {};
  window.ltiStorageLog = [];
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object" || typeof data.subject !== "string") { return; }
    var bucket = store[event.origin] = store[event.origin] || {};
    var answer = { message_id: data.message_id, key: data.key };
    if (data.subject === "lti.capabilities") {
      answer.subject = "lti.capabilities.response";
      answer.supported_messages = [{ subject: "lti.put_data" }, { subject: "lti.get_data" }];
    } else if (data.subject === "lti.put_data") {
      bucket[data.key] = data.value;
      answer.subject = "lti.put_data.response";
      answer.value = data.value;
    } else if (data.subject === "lti.get_data") {
      answer.subject = "lti.get_data.response";
      answer.value = Object.prototype.hasOwnProperty.call(bucket, data.key) ? bucket[data.key] : null;
    } else {
      return;
    }
    window.ltiStorageLog.push({ subject: data.subject, origin: event.origin, key: data.key });
    event.source.postMessage(answer, event.origin);
  });
}());
"""


def course_page_response(role: str, storage: bool) -> Response:
    query = {"role": role, **({"storage": "1"} if storage else {})}
    src = "/launch?" + urlencode(query)
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Course · Strict Test LMS</title>'
        f"</head><body><h1>Onboarding skills</h1><script>{RESPONDER}</script>"
        f'<iframe name="tool" id="tool" title="Skillbite" src="{html.escape(src)}" '
        'style="width:100%;height:600px"></iframe></body></html>'
    )
    return Response(body, mimetype="text/html")

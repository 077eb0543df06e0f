// Progressive enhancement for the player. Everything works without it; with it, the server hears a
// heartbeat every 30 s while the page is visible (it measures time on task itself), and focus moves to
// an answer's result so keyboard and screen-reader users land on it.
(function () {
  "use strict";
  var article = document.querySelector("[data-heartbeat]");
  if (article && window.fetch) {
    var url = article.getAttribute("data-heartbeat");
    var csrf = article.getAttribute("data-csrf");
    window.setInterval(function () {
      if (document.visibilityState !== "visible") { return; }
      fetch(url, { method: "POST", credentials: "same-origin", headers: { "X-Skillbite-CSRF": csrf } })
        .catch(function () { /* offline: the next page view still counts */ });
    }, 30000);
  }
  var result = document.getElementById("result");
  if (result && window.location.hash === "#result") { result.focus(); }
}());

// Small behaviours that need no framework. Loaded with defer; no inline scripts (CSP).
(function () {
  var timer = null;
  function flash() { return document.getElementById("flash"); }
  document.addEventListener("htmx:beforeRequest", function () {
    var f = flash();
    if (f) { f.innerHTML = ""; }
  });
  // Success notes fade after a while; refusals stay until the next action.
  document.addEventListener("htmx:afterSettle", function () {
    var f = flash();
    if (!f || !f.querySelector(".alert.ok")) { return; }
    clearTimeout(timer);
    timer = setTimeout(function () { f.innerHTML = ""; }, 5000);
  });
  // A form marked data-retry (a referee's result line) is sent again by itself when the
  // connection drops: it carries the same idempotency key, so a retry never records twice.
  var RETRIES = 5;
  document.addEventListener("htmx:sendError", function (event) {
    var form = event.detail && event.detail.elt;
    if (form && form.hasAttribute && form.hasAttribute("data-retry")) {
      var tries = parseInt(form.getAttribute("data-tries") || "0", 10);
      if (tries < RETRIES) {
        form.setAttribute("data-tries", String(tries + 1));
        form.classList.add("retrying");
        setTimeout(function () { htmx.trigger(form, "submit"); }, 1500 * (tries + 1));
        var f0 = flash();
        if (f0) {
          f0.innerHTML = '<div class="alert warn" role="status">网络不稳,正在自动重试(第 ' + (tries + 1) + ' 次)…</div>';
        }
        return;
      }
    }
    var f = flash();
    if (f) {
      f.innerHTML = '<div class="alert error" role="alert">网络连接中断,未能提交。请检查网络后重试。</div>';
    }
  });
})();

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
  document.addEventListener("htmx:sendError", function () {
    var f = flash();
    if (f) {
      f.innerHTML = '<div class="alert error" role="alert">网络连接中断,未能提交。请检查网络后重试。</div>';
    }
  });
})();

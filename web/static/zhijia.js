// Small behaviours that need no framework. Loaded with defer; no inline scripts (CSP).
document.addEventListener("htmx:beforeRequest", function () {
  var flash = document.getElementById("flash");
  if (flash) { flash.innerHTML = ""; }
});
document.addEventListener("htmx:sendError", function () {
  var flash = document.getElementById("flash");
  if (flash) {
    flash.innerHTML = '<div class="alert error" role="alert">网络连接中断,未能提交。请检查网络后重试,已填写的内容仍在页面上。</div>';
  }
});

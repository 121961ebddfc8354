// Small behaviours that need no framework. Loaded with defer; no inline scripts (CSP).
(function () {
  var timer = null;
  function flash() { return document.getElementById("flash"); }
  document.addEventListener("htmx:beforeRequest", function () {
    var f = flash();
    if (f) { f.innerHTML = ""; }
  });
  // A tap on the message puts it away: it sits over the bottom of the page (a sheet's last rows).
  document.addEventListener("click", function (event) {
    var f = flash();
    var at = event.target.closest ? event.target : null;
    if (f && at && at.closest("#flash") && !at.closest("a, button")) { f.innerHTML = ""; }
  });
  // Success notes fade after a while; refusals stay until the next action.
  document.addEventListener("htmx:afterSettle", function () {
    var f = flash();
    if (!f || !f.querySelector(".alert.ok")) { return; }
    clearTimeout(timer);
    timer = setTimeout(function () { f.innerHTML = ""; }, 5000);
  });

  // A form marked data-retry (a referee's result line, a match's score sheet) is a result that
  // must not be lost on the venue's Wi-Fi. While it is being sent its text fields are read-only:
  // a retry carries the same idempotency key, so it must carry the same values (the server
  // refuses a changed repeat). A dropped or hung send is retried by itself a few times; then the
  // form says on its own row that it is NOT saved, is sent again when the connection returns
  // (and every 20 s), and leaving the page asks first. The server's answer replaces the form.
  var RETRIES = 5;

  function retrying(form) { return form && form.hasAttribute && form.hasAttribute("data-retry"); }

  function note(form, kind, text) {
    var box = form.nextElementSibling;
    if (!box || !box.classList.contains("send-note")) {
      box = document.createElement("p");
      form.parentNode.insertBefore(box, form.nextSibling);
    }
    box.className = "alert " + kind + " mr-msg send-note";
    box.setAttribute("role", kind === "error" ? "alert" : "status");
    box.textContent = text;
  }

  function hold(form, on) {
    var fields = form.querySelectorAll("input:not([type=hidden]), textarea");
    for (var i = 0; i < fields.length; i++) { fields[i].readOnly = on; }
    form.classList.toggle("sending", on);
  }

  function send(form) {
    if (document.body.contains(form)) { htmx.trigger(form, "submit"); }
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail && event.detail.elt;
    if (!retrying(form)) { return; }
    hold(form, true);
    clearTimeout(form._slow);
    form._slow = setTimeout(function () { note(form, "info", "正在保存…"); }, 700);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail && event.detail.elt;
    if (!retrying(form)) { return; }
    clearTimeout(form._slow);
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 0) { return; }  // not answered (dropped, timed out): the retry keeps the hold
    // Answered. Most answers replace the form; those that do not (a refusal shown as a message,
    // a server error) leave it free again, to be put right or sent again by hand.
    hold(form, false);
    form.classList.remove("retrying");
    if (status >= 500) {
      note(form, "error", "未保存:系统出错。请稍后点按钮重试。");
    } else if (status >= 400 && document.body.contains(form)) {
      var box = form.nextElementSibling;
      if (box && box.classList.contains("send-note")) { box.remove(); }
    }
  });

  function failed(event) {
    var form = event.detail && event.detail.elt;
    if (!retrying(form)) {
      var f = flash();
      if (f) { f.innerHTML = '<div class="alert error" role="alert">网络连接中断,未能提交。请检查网络后重试。</div>'; }
      return;
    }
    var tries = parseInt(form.getAttribute("data-tries") || "0", 10);
    if (tries < RETRIES) {
      form.setAttribute("data-tries", String(tries + 1));
      form.classList.add("retrying");
      note(form, "warn", "网络不稳,尚未保存,正在自动重试(第 " + (tries + 1) + " 次)…");
      setTimeout(function () { send(form); }, (window.ZHIJIA_RETRY_MS || 1500) * (tries + 1));  // tests shorten the wait
      return;
    }
    hold(form, false);  // a typo can still be put right before the next try
    form.classList.remove("retrying");
    form.classList.add("unsent");
    form.setAttribute("data-tries", "0");
    note(form, "error", "未保存:网络中断,这一项还没有送到。网络恢复后会自动重发;也可以点按钮重试,请勿离开本页。");
  }
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:timeout", failed);

  // The page's own forms say which are waiting (a form the server answered was replaced).
  function resend() {
    var waiting = document.querySelectorAll("form[data-retry].unsent:not(.sending)");  // not one already on its way
    for (var i = 0; i < waiting.length; i++) { send(waiting[i]); }
  }
  window.addEventListener("online", resend);
  setInterval(resend, 20000);

  window.addEventListener("beforeunload", function (event) {
    if (document.querySelector("form[data-retry].unsent, form[data-retry].retrying, form[data-retry].sending")) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();

/*
 * The standalone demo: start a conversation on a demo account (no integration key needed in
 * demo mode) and mount the same widget a lender embeds. The conversation is kept in
 * sessionStorage so a reload resumes it, which also shows the widget's replay on reconnect.
 */
(function () {
  "use strict";

  var KEY = "mediator.demo";

  function embedCode(c) {
    return '<script src="' + location.origin + '/widget.js"\n  data-api-base="' + location.origin +
      '"\n  data-token="' + c.borrower_token + '"\n  data-conversation="' + c.conversation_id +
      '"\n  data-lang="' + c.lang + '"></' + 'script>';
  }

  function show(c) {
    document.getElementById("demo-account").value = c.account_id;
    document.getElementById("embed-box").hidden = false;
    document.getElementById("embed-code").textContent = embedCode(c);
    window.MediatorWidget.mount(document.getElementById("chat"), {
      apiBase: location.origin, token: c.borrower_token, conversation: c.conversation_id, lang: c.lang
    });
  }

  function start(accountId) {
    var box = document.querySelector("[data-error]");
    box.hidden = true;
    return fetch("/v1/demo/conversations", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ account_id: accountId })
    }).then(function (r) {
      if (r.status === 404) throw new Error(I18N.t("demo_unavailable"));
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (res) {
      var c = {
        account_id: accountId, conversation_id: res.conversation_id, borrower_token: res.borrower_token,
        lang: accountId === "demo-cn" ? "zh" : "en"
      };
      sessionStorage.setItem(KEY, JSON.stringify(c));
      show(c);
    }).catch(function (err) {
      box.hidden = false;
      box.textContent = err.message;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var params = new URLSearchParams(location.search);
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (e) { saved = null; }
    document.getElementById("demo-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      start(document.getElementById("demo-account").value);
    });
    var wanted = params.get("account");
    if (saved && (!wanted || wanted === saved.account_id)) show(saved);
    else if (wanted) start(wanted);
  });
})();

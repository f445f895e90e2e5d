/* Staff sign-in: exchange username and password for a token kept in sessionStorage. */
(function () {
  "use strict";

  /* Only same-site paths may be a redirect target (no open redirect). */
  function nextPath(role) {
    var next = new URLSearchParams(location.search).get("next");
    if (next && next.charAt(0) === "/" && next.charAt(1) !== "/" && next.charAt(1) !== "\\") return next;
    return role === "mediator" ? "/panel" : "/supervisor";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("login-form");
    var box = document.querySelector("[data-error]");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      box.hidden = true;
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      Staff.api("/v1/staff/login", {
        method: "POST",
        noRedirect: true,
        body: { username: form.username.value.trim(), password: form.password.value }
      }).then(function (res) {
        Staff.save({ token: res.token, role: res.role, username: res.username });
        location.assign(nextPath(res.role));
      }, function (err) {
        button.disabled = false;
        box.hidden = false;
        box.textContent = I18N.t(err.status === 401 ? "login_bad" : "login_error");
        form.password.select();
      });
    });
  });
})();

/*
 * Shared plumbing of the staff pages: the session (token in sessionStorage, so it dies with the
 * tab), JSON calls with the bearer token, event streams that reconnect, and small DOM helpers.
 * The API enforces roles; the pages only mirror them to explain a refusal clearly.
 */
(function () {
  "use strict";

  var KEY = "mediator.staff";
  var RANK = { mediator: 1, supervisor: 2, admin: 3 };

  function load() {
    try { return JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (e) { return null; }
  }

  var Staff = {
    session: load(),

    save: function (s) {
      Staff.session = s;
      sessionStorage.setItem(KEY, JSON.stringify(s));
    },

    signOut: function () {
      sessionStorage.removeItem(KEY);
      Staff.session = null;
      location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
    },

    hasRole: function (role) {
      return !!Staff.session && (RANK[Staff.session.role] || 0) >= (RANK[role] || 99);
    },

    /* Send to the sign-in page unless a session exists; returns false when redirecting. */
    requireSession: function () {
      if (Staff.session && Staff.session.token) return true;
      location.replace("/login?next=" + encodeURIComponent(location.pathname + location.search));
      return false;
    },

    /* JSON call. Rejects with an Error carrying .status and .body; a 401 ends the session. */
    api: function (path, opts) {
      opts = opts || {};
      var headers = { Accept: "application/json" };
      if (Staff.session) headers.Authorization = "Bearer " + Staff.session.token;
      var init = { method: opts.method || "GET", headers: headers };
      if (opts.body !== undefined) {
        headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(opts.body);
      }
      return fetch(path, init).then(function (r) {
        return r.text().then(function (txt) {
          var body = null;
          try { body = txt ? JSON.parse(txt) : null; } catch (e) { body = { detail: txt }; }
          if (r.status === 401 && Staff.session && !opts.noRedirect) { Staff.signOut(); }
          if (!r.ok) {
            var err = new Error((body && typeof body.detail === "string" && body.detail) || ("HTTP " + r.status));
            err.status = r.status;
            err.body = body;
            throw err;
          }
          return body;
        });
      });
    },

    /*
     * An event stream that reopens itself after an error with growing back-off.
     * handlers: {eventName: fn(data, event)}; onState(bool) reports whether it is live.
     */
    stream: function (path, handlers, onState) {
      var es = null, stopped = false, wait = 500;
      function open() {
        if (stopped) return;
        var sep = path.indexOf("?") >= 0 ? "&" : "?";
        es = new EventSource(path + sep + "token=" + encodeURIComponent(Staff.session.token));
        es.onopen = function () { wait = 500; if (onState) onState(true); };
        Object.keys(handlers).forEach(function (name) {
          es.addEventListener(name, function (ev) {
            var data = null;
            try { data = JSON.parse(ev.data); } catch (e) { data = ev.data; }
            handlers[name](data, ev);
          });
        });
        es.onerror = function () {
          if (onState) onState(false);
          es.close();
          setTimeout(open, wait);
          wait = Math.min(wait * 2, 15000);
        };
      }
      open();
      return { close: function () { stopped = true; if (es) es.close(); } };
    },

    /* Show whether the page's event stream is connected (kept across language changes). */
    setLive: function (live) {
      Staff.live = !!live;
      var box = document.getElementById("live");
      if (!box) return;
      box.setAttribute("data-live", live ? "true" : "false");
      box.textContent = I18N.t(live ? "live" : "offline");
    },

    /* Fill the header: who is signed in, the sign-out button, links the role may use. */
    header: function () {
      var who = document.querySelector("[data-whoami]");
      if (who && Staff.session) who.textContent = Staff.session.username + " (" + Staff.session.role + ")";
      document.querySelectorAll("[data-sign-out]").forEach(function (b) {
        b.addEventListener("click", Staff.signOut);
      });
      document.querySelectorAll("[data-needs-role]").forEach(function (e) {
        e.hidden = !Staff.hasRole(e.getAttribute("data-needs-role"));
      });
      document.addEventListener("mediator:lang", function () { Staff.setLive(Staff.live); });
      Staff.setLive(false);
    },

    el: function (tag, attrs, children) {
      var e = document.createElement(tag);
      if (attrs) {
        Object.keys(attrs).forEach(function (k) {
          var v = attrs[k];
          if (v == null || v === false) return;
          if (k === "text") e.textContent = v;
          else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), v);
          else e.setAttribute(k, v === true ? "" : v);
        });
      }
      (children || []).forEach(function (c) {
        if (c == null) return;
        e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
      });
      return e;
    },

    time: function (iso) {
      if (!iso) return "";
      var d = new Date(iso);
      if (isNaN(d)) return String(iso);
      return d.toLocaleString(I18N.lang === "zh" ? "zh-CN" : undefined, {
        month: "short", day: "numeric", hour: "2-digit", minute: "2-digit"
      });
    },

    pct: function (x) {
      return x == null || isNaN(Number(x)) ? "–" : Math.round(Number(x) * 100) + "%";
    },

    duration: function (s) {
      s = Number(s) || 0;
      return s < 120 ? Math.round(s) + " " + I18N.t("seconds") : Math.round(s / 60) + " " + I18N.t("minutes");
    },

    /* Show a message in the page's live error region. */
    fail: function (err) {
      var box = document.querySelector("[data-error]");
      if (!box) return;
      box.hidden = false;
      box.textContent = I18N.t("error") + " " + (err && err.message ? err.message : String(err));
    }
  };

  window.Staff = Staff;
})();

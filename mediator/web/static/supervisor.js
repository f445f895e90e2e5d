/*
 * Supervisor dashboard: live alerts (acknowledge, assign, open in the panel) and the charts of
 * /v1/stats. Alerts are kept in a map by id so the initial list and the stream's new/updated
 * alerts merge without duplicates. A mediator who opens this page gets a clear refusal; the
 * API refuses the data anyway (403).
 */
(function () {
  "use strict";

  var el = function () { return Staff.el.apply(null, arguments); };
  var $ = function (id) { return document.getElementById(id); };

  var state = { alerts: {}, filter: "open", stats: null };

  function forbidden() {
    $("forbidden").hidden = false;
    $("dashboard").hidden = true;
  }

  /* ---------- alerts ---------- */

  function loadAlerts() {
    return Staff.api("/v1/alerts").then(function (res) {
      (res.alerts || []).forEach(function (a) { state.alerts[a.id] = a; });
      renderAlerts();
    }, function (err) {
      if (err.status === 403) forbidden(); else Staff.fail(err);
    });
  }

  function severityClass(sev) {
    var s = String(sev).toLowerCase();
    if (s === "high" || s === "critical" || Number(sev) >= 0.66) return "high";
    if (s === "medium" || Number(sev) >= 0.33) return "medium";
    return "low";
  }

  function severityLabel(sev) {
    var key = "sev_" + String(sev).toLowerCase();
    return I18N.t(key) === key ? String(sev) : I18N.t(key);
  }

  function act(alert, path, body) {
    return Staff.api("/v1/alerts/" + encodeURIComponent(alert.id) + "/" + path, { method: "POST", body: body })
      .then(function (updated) {
        if (updated && updated.id != null) state.alerts[updated.id] = updated;
        renderAlerts();
      }, Staff.fail);
  }

  function renderAlerts() {
    var ul = $("alerts");
    ul.textContent = "";
    var list = Object.keys(state.alerts).map(function (k) { return state.alerts[k]; })
      .filter(function (a) { return state.filter === "all" || a.status === state.filter; })
      .sort(function (a, b) { return String(b.created_at).localeCompare(String(a.created_at)); });
    if (!list.length) ul.appendChild(el("li", { class: "muted", text: I18N.t("alerts_none") }));
    list.forEach(function (a) {
      var inputId = "assign-" + a.id;
      var assignee = el("input", { id: inputId, value: a.assigned_to || "", autocomplete: "off", placeholder: I18N.t("login_user") });
      ul.appendChild(el("li", { "data-alert": a.id, "data-kind": a.kind, "data-status": a.status }, [
        el("div", { class: "row" }, [
          el("strong", { text: I18N.t("kind_" + a.kind) }),
          el("span", { class: "badge " + severityClass(a.severity), text: I18N.t("severity") + " " + severityLabel(a.severity) }),
          a.risk != null ? el("span", { class: "badge " + severityClass(a.risk), text: I18N.t("risk") + " " + Staff.pct(a.risk) }) : null,
          el("time", { class: "muted", datetime: a.created_at, text: Staff.time(a.created_at) })
        ]),
        el("p", { class: "msg-text", text: a.reason || "" }),
        el("p", { class: "muted", text: I18N.t("conversation") + " " + String(a.conversation_id).slice(0, 8) }),
        a.status === "acknowledged"
          ? el("p", { class: "muted", "data-testid": "acked", text: I18N.t("acknowledged_by") + " " + (a.acknowledged_by || "") + " " + Staff.time(a.acknowledged_at) })
          : null,
        a.assigned_to ? el("p", { class: "muted", text: I18N.t("assigned") + " " + a.assigned_to }) : null,
        el("div", { class: "actions" }, [
          a.status !== "acknowledged"
            ? el("button", { type: "button", class: "primary", "data-action": "ack", text: I18N.t("ack"), onclick: function () { act(a, "ack"); } })
            : null,
          el("label", { for: inputId, class: "sr-only", text: I18N.t("assignee") }),
          assignee,
          el("button", { type: "button", "data-action": "assign", text: I18N.t("assign"), onclick: function () {
            var who = assignee.value.trim();
            if (who) act(a, "assign", { assignee: who });
          } }),
          el("a", { class: "button", href: "/panel?c=" + encodeURIComponent(a.conversation_id), text: I18N.t("open_conversation") })
        ])
      ]));
    });
  }

  function setFilter(f) {
    state.filter = f;
    document.querySelectorAll("[data-filter]").forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-filter") === f ? "true" : "false");
    });
    renderAlerts();
  }

  /* ---------- charts ---------- */

  function loadStats() {
    return Staff.api("/v1/stats?hours=24").then(function (s) { state.stats = s; renderStats(); }, function (err) {
      if (err.status === 403) forbidden(); else Staff.fail(err);
    });
  }

  function hhmm(x) {
    var d = new Date(x);
    return isNaN(d) ? "" : d.toLocaleTimeString(I18N.lang === "zh" ? "zh-CN" : undefined, { hour: "2-digit", minute: "2-digit" });
  }

  function renderStats() {
    var s = state.stats || {};
    var empty = I18N.t("chart_empty");
    var rot = s.risk_over_time || [];
    Charts.line($("chart-risk"), [
      { name: I18N.t("avg"), points: rot.map(function (p) { return { x: new Date(p.t), y: Number(p.avg) || 0 }; }) },
      { name: I18N.t("max"), points: rot.map(function (p) { return { x: new Date(p.t), y: Number(p.max) || 0 }; }) }
    ], { title: I18N.t("chart_risk"), yMax: 1, yFormat: Staff.pct, xFormat: hhmm, emptyText: empty });
    var blocks = s.blocks_by_code || {};
    Charts.bars($("chart-blocks"), Object.keys(blocks).map(function (k) { return { label: k, value: Number(blocks[k]) || 0 }; }),
      { title: I18N.t("chart_blocks"), emptyText: empty, colorOffset: 1 });
    var out = s.outcomes || {};
    Charts.bars($("chart-outcomes"), [
      { label: I18N.t("verdict_pass"), value: Number(out.pass) || 0, color: "#1a7f37" },
      { label: I18N.t("verdict_repair"), value: Number(out.repair) || 0, color: "#9a6700" },
      { label: I18N.t("verdict_block"), value: Number(out.block) || 0, color: "#cf222e" }
    ], { title: I18N.t("chart_outcomes"), emptyText: empty });
    Charts.bars($("chart-waits"), (s.handover_waits || []).slice(0, 15).map(function (w) {
      return { label: String(w.conversation_id).slice(0, 18), value: Number(w.wait_s) || 0 };
    }), { title: I18N.t("chart_waits"), emptyText: empty, format: Staff.duration, colorOffset: 4 });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!Staff.requireSession()) return;
    Staff.header();
    if (!Staff.hasRole("supervisor")) { forbidden(); return; }
    $("dashboard").hidden = false;
    document.querySelectorAll("[data-filter]").forEach(function (b) {
      b.addEventListener("click", function () { setFilter(b.getAttribute("data-filter")); });
    });
    $("stats-refresh").addEventListener("click", loadStats);
    document.addEventListener("mediator:lang", function () { renderAlerts(); renderStats(); });
    loadAlerts();
    loadStats();
    Staff.stream("/v1/alerts/events", {
      alert: function (a) {
        if (a && a.id != null) { state.alerts[a.id] = a; renderAlerts(); }
      }
    }, function (live) {
      Staff.setLive(live);
      if (live) loadAlerts();
    });
    setInterval(loadStats, 30000);
  });
})();

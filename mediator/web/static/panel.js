/*
 * Agent-assist panel: the queue, one conversation's live transcript with its guardrail verdicts,
 * the context a mediator needs (facts, approved offers, risk, intents, summary) and a composer in
 * which every text is checked by the guardrail (/check) before it is sent.
 *
 * The stream only says "something changed"; the panel then re-reads the conversation, so what
 * it shows is always what the server stored (and a dropped stream loses nothing).
 */
(function () {
  "use strict";

  var el = function () { return Staff.el.apply(null, arguments); };
  var $ = function (id) { return document.getElementById(id); };

  var state = { id: null, detail: null, stream: null, reloadTimer: null, suggestions: [], queueTimer: null };

  function cid() { return encodeURIComponent(state.id); }

  /* ---------- queue ---------- */

  function riskLevel(r) { return r >= 0.66 ? "high" : r >= 0.33 ? "medium" : "low"; }

  function loadQueue() {
    return Staff.api("/v1/staff/conversations?limit=100").then(function (res) {
      var ul = $("queue");
      ul.textContent = "";
      var rows = res.conversations || [];
      if (!rows.length) ul.appendChild(el("li", { class: "muted", text: I18N.t("queue_empty") }));
      rows.forEach(function (c) {
        var risk = Number(c.risk) || 0;
        var flags = Object.keys(c.flags || {}).filter(function (k) { return c.flags[k]; });
        var sub = [c.jurisdiction, c.language, Staff.time(c.last_message_at)];
        if (c.waiting_since) sub.push(I18N.t("waiting") + " " + Staff.time(c.waiting_since));
        if (c.assigned_to) sub.push(I18N.t("assigned") + " " + c.assigned_to);
        if (flags.length) sub.push(flags.join(", "));
        var bar = el("span", { class: "riskbar", "aria-hidden": "true" }, [el("span")]);
        bar.firstChild.style.width = Math.round(Math.min(Math.max(risk, 0), 1) * 100) + "%";
        ul.appendChild(el("li", {}, [
          el("button", {
            type: "button", "data-conversation": c.id, "aria-current": c.id === state.id ? "true" : "false",
            onclick: function () { open(c.id); }
          }, [
            el("strong", { text: c.borrower_name || c.account_id || c.id }),
            el("span", { class: "badge " + c.status, "data-status": c.status, text: I18N.t("status_" + c.status) }),
            el("span", { class: "sub" }, [
              el("span", { class: "badge " + riskLevel(risk), text: I18N.t("risk") + " " + Staff.pct(risk) }),
              " " + sub.filter(Boolean).join(" · ")
            ]),
            bar
          ])
        ]));
      });
    }).catch(Staff.fail);
  }

  /* ---------- one conversation ---------- */

  function open(id) {
    if (state.stream) state.stream.close();
    state.id = id;
    state.detail = null;
    var url = new URL(location.href);
    url.searchParams.set("c", id);
    history.replaceState(null, "", url);
    document.querySelectorAll("#queue button").forEach(function (b) {
      b.setAttribute("aria-current", b.getAttribute("data-conversation") === id ? "true" : "false");
    });
    $("conv-empty").hidden = true;
    $("composer").hidden = false;
    $("side").hidden = false;
    $("check-result").textContent = "";
    state.stream = Staff.stream("/v1/staff/conversations/" + cid() + "/events", {
      message: changed, verdict: changed, analysis: changed, risk: changed, status: changed, handover: changed
    }, function (live) {
      Staff.setLive(live);
      if (live) changed();  // after a reconnect, re-read whatever the outage hid
    });
    return Promise.all([reload(), loadSuggestions()]);
  }

  function changed(data) {
    clearTimeout(state.reloadTimer);
    state.reloadTimer = setTimeout(function () {
      reload();
      if (data && data.role === "borrower") loadSuggestions();
      loadQueue();
    }, 250);
  }

  function reload() {
    var id = state.id;
    return Staff.api("/v1/staff/conversations/" + cid()).then(function (d) {
      if (id !== state.id) return;
      state.detail = d;
      render(d);
    }).catch(Staff.fail);
  }

  function roleLabel(role) { return I18N.t("role_" + role); }

  function render(d) {
    var c = d.conversation || {};
    $("conv-title").textContent = I18N.t("transcript") + " — " + (c.borrower_name || c.account_id || c.id || "");
    var st = $("conv-status");
    st.textContent = "";
    st.appendChild(el("span", { class: "badge " + c.status, "data-status": c.status, text: I18N.t("status_" + c.status) }));
    $("takeover").hidden = c.status === "human" || c.status === "closed";
    $("handback").hidden = c.status !== "human";
    renderTranscript(d.messages || []);
    renderFacts(d.account || {});
    renderOffers(d.approved_offers || []);
    renderRisk(d.risk || {}, d.messages || []);
    $("summary").textContent = d.summary || I18N.t("summary_none");
  }

  function renderTranscript(messages) {
    var ol = $("transcript");
    var atBottom = ol.scrollHeight - ol.scrollTop - ol.clientHeight < 40;
    ol.textContent = "";
    messages.forEach(function (m) {
      var v = m.verdict;
      var cls = [m.role];
      if (v && (v.action !== "pass" || m.draft)) cls.push("has-verdict");
      if (v && v.action === "block") cls.push("blocked");
      var li = el("li", { class: cls.join(" "), "data-id": m.id, "data-role": m.role }, [
        el("div", { class: "msg-head" }, [
          el("strong", { text: roleLabel(m.role) }),
          m.author ? el("span", { text: "(" + m.author + ")" }) : null,
          el("time", { datetime: m.created_at, text: Staff.time(m.created_at) }),
          v && v.action !== "pass" ? GuardView.badge(v.action) : null
        ]),
        el("div", { class: "msg-text", text: m.text })
      ]);
      var vb = GuardView.forMessage(m);
      if (vb) li.appendChild(vb);
      if (m.analysis) {
        var chips = el("div", { class: "chips" });
        (m.analysis.intents || []).forEach(function (i) { chips.appendChild(el("span", { class: "chip", text: i })); });
        if (m.analysis.complaint_risk != null) {
          chips.appendChild(el("span", { class: "chip", text: I18N.t("risk") + " " + Staff.pct(m.analysis.complaint_risk) }));
        }
        li.appendChild(chips);
      }
      ol.appendChild(li);
    });
    if (atBottom || !ol.dataset.loaded) ol.scrollTop = ol.scrollHeight;
    ol.dataset.loaded = "1";
  }

  function renderFacts(acct) {
    var dl = $("facts");
    dl.textContent = "";
    Object.keys(acct).forEach(function (k) {
      var v = acct[k];
      if (v == null || typeof v === "object") return;
      dl.append(el("dt", { text: k.replace(/_/g, " ") }), el("dd", { text: String(v) }));
    });
  }

  function offerText(o) {
    var parts = [o.kind];
    if (o.installments) parts.push(o.installments + " × " + o.amount_each);
    if (o.total) parts.push("total " + o.total);
    if (o.discount_pct) parts.push(o.discount_pct + "% off");
    if (o.days) parts.push(o.days + " days");
    Object.keys(o).forEach(function (k) {
      if (["kind", "installments", "amount_each", "total", "discount_pct", "days"].indexOf(k) < 0 && o[k] != null && typeof o[k] !== "object") {
        parts.push(k.replace(/_/g, " ") + " " + o[k]);
      }
    });
    return parts.join(" · ");
  }

  function renderOffers(offers) {
    var ul = $("offers");
    ul.textContent = "";
    if (!offers.length) ul.appendChild(el("li", { class: "muted", text: I18N.t("offers_none") }));
    offers.forEach(function (o) { ul.appendChild(el("li", { text: offerText(o) })); });
  }

  function trendValues(trend) {
    return (trend || []).map(function (p) {
      if (typeof p === "number") return p;
      if (p && typeof p === "object") return Number(p.score != null ? p.score : p.risk != null ? p.risk : p.value);
      return Number(p);
    });
  }

  function renderRisk(risk, messages) {
    $("risk-score").textContent = Staff.pct(risk.score);
    Charts.sparkline($("risk-trend"), trendValues(risk.trend), I18N.t("risk_trend"));
    var ul = $("risk-reasons");
    ul.textContent = "";
    (risk.reasons || []).forEach(function (r) { ul.appendChild(el("li", { text: typeof r === "string" ? r : JSON.stringify(r) })); });
    var counts = {};
    messages.forEach(function (m) {
      ((m.analysis && m.analysis.intents) || []).forEach(function (i) { counts[i] = (counts[i] || 0) + 1; });
    });
    var box = $("intents");
    box.textContent = "";
    Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a]; }).forEach(function (i) {
      box.appendChild(el("span", { class: "chip", "data-intent": i, text: i + (counts[i] > 1 ? " ×" + counts[i] : "") }));
    });
    if (!box.children.length) box.appendChild(el("span", { class: "muted", text: "–" }));
  }

  /* ---------- suggestions and composer ---------- */

  function loadSuggestions() {
    var id = state.id;
    return Staff.api("/v1/staff/conversations/" + cid() + "/suggestions").then(function (res) {
      if (id !== state.id) return;
      state.suggestions = res.suggestions || [];
      renderSuggestions();
    }).catch(Staff.fail);
  }

  function renderSuggestions() {
    var box = $("suggestions");
    box.textContent = "";
    if (!state.suggestions.length) box.appendChild(el("p", { class: "muted", text: I18N.t("suggestions_none") }));
    state.suggestions.forEach(function (s) {
      box.appendChild(el("div", { class: "suggestion", "data-testid": "suggestion" }, [
        el("p", { text: s.text }),
        s.action === "repair" ? GuardView.badge("repair") : null,
        el("div", { class: "toolbar" }, [
          el("button", { type: "button", class: "primary", "data-action": "send", text: I18N.t("send"),
            onclick: function () { send(s.text).then(function (ok) { if (ok) discard(s); }); } }),
          el("button", { type: "button", "data-action": "edit", text: I18N.t("edit"),
            onclick: function () { $("compose").value = s.text; $("compose").focus(); discard(s); } }),
          el("button", { type: "button", "data-action": "discard", text: I18N.t("discard"),
            onclick: function () { discard(s); } })
        ])
      ]));
    });
  }

  function discard(s) {
    state.suggestions = state.suggestions.filter(function (x) { return x !== s; });
    renderSuggestions();
  }

  var composerActions = {
    useText: function (text) { $("compose").value = text; $("compose").focus(); },
    sendRepaired: function (text) { post(text); }
  };

  function check(text) {
    return Staff.api("/v1/staff/conversations/" + cid() + "/check", { method: "POST", body: { text: text } });
  }

  /* Check first; only a passing text is sent as typed. Resolves true when something was sent. */
  function send(text) {
    text = (text || "").trim();
    if (!text) return Promise.resolve(false);
    var box = $("check-result");
    box.textContent = I18N.t("checking");
    return check(text).then(function (v) {
      if (v.action === "pass" || v.allowed) return post(text);
      GuardView.checkResult(box, v, composerActions);
      return false;
    }).catch(function (err) { Staff.fail(err); return false; });
  }

  function post(text) {
    var box = $("check-result");
    return Staff.api("/v1/staff/conversations/" + cid() + "/messages", { method: "POST", body: { text: text } })
      .then(function () {
        if ($("compose").value.trim() === text.trim()) $("compose").value = "";
        box.className = "check-result passed";
        box.setAttribute("data-outcome", "sent");
        box.textContent = I18N.t("sent");
        changed();
        return true;
      }, function (err) {
        if (err.status === 422 && err.body && (err.body.verdict || err.body.alternative)) {
          GuardView.checkResult(box, GuardView.fromRefusal(err.body), composerActions);
        } else {
          Staff.fail(err);
        }
        return false;
      });
  }

  function control(action) {
    return Staff.api("/v1/staff/conversations/" + cid() + "/" + action, { method: "POST" })
      .then(function () { reload(); loadQueue(); }, Staff.fail);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!Staff.requireSession()) return;
    Staff.header();
    $("queue-refresh").addEventListener("click", loadQueue);
    $("check").addEventListener("click", function () {
      var text = $("compose").value.trim();
      if (!text || !state.id) return;
      $("check-result").textContent = I18N.t("checking");
      check(text).then(function (v) { GuardView.checkResult($("check-result"), v, composerActions); }, Staff.fail);
    });
    $("send").addEventListener("click", function () { send($("compose").value); });
    $("compose").addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); send($("compose").value); }
    });
    $("takeover").addEventListener("click", function () { control("takeover"); });
    $("handback").addEventListener("click", function () { control("handback"); });
    document.addEventListener("mediator:lang", function () {
      loadQueue();
      if (state.detail) render(state.detail);
      renderSuggestions();
    });
    loadQueue();
    // queue changes arrive live; the slow poll is only a safety net
    var queueSoon = null;
    Staff.stream("/v1/staff/events", {
      conversation: function () { clearTimeout(queueSoon); queueSoon = setTimeout(loadQueue, 300); }
    });
    state.queueTimer = setInterval(loadQueue, 30000);
    var wanted = new URLSearchParams(location.search).get("c");
    if (wanted) open(wanted);
  });
})();

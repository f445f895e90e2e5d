/*
 * How the panel shows a guardrail verdict. The same rendering serves the transcript (what was
 * blocked or repaired in a sent message) and the composer (why a mediator's draft is refused),
 * so staff learn one picture of "code — rule — detail".
 */
(function () {
  "use strict";

  var el = function () { return Staff.el.apply(null, arguments); };
  /* append children, skipping the nulls of optional parts */
  var add = function (box, kids) { kids.forEach(function (k) { if (k != null) box.appendChild(k); }); };

  var GuardView = {
    badge: function (action) {
      return el("span", { class: "badge " + action, "data-verdict": action, text: I18N.t("verdict_" + action) });
    },

    /* <ul> of violations: code, rule and the detector's explanation. */
    violations: function (list) {
      var ul = el("ul", { class: "violations" });
      (list || []).forEach(function (v) {
        ul.appendChild(el("li", { "data-code": v.code }, [
          el("code", { text: v.code }),
          v.rule ? " — " + I18N.t("rule") + " " : null,
          v.rule ? el("code", { text: v.rule }) : null,
          v.detail ? ": " + v.detail : null
        ]));
      });
      return ul;
    },

    /* The verdict block under a transcript message; null when there is nothing to show. */
    forMessage: function (m) {
      var v = m.verdict;
      if (!v || (v.action === "pass" && !(v.violations || []).length && !m.draft)) return null;
      var box = el("div", { class: "verdict", "data-testid": "verdict" }, [
        GuardView.badge(v.action),
        v.policy_version ? el("span", { class: "muted", text: " policy " + String(v.policy_version).slice(0, 12) }) : null,
        GuardView.violations(v.violations)
      ]);
      if (m.draft) {
        box.appendChild(el("details", {}, [
          el("summary", { text: I18N.t("original_draft") }),
          el("div", { class: "draft", "data-testid": "draft", text: m.draft })
        ]));
      }
      return box;
    },

    /*
     * Fill the composer's result area from a /check verdict or a 422 body.
     * actions: {useText(text), sendRepaired(text)}
     */
    checkResult: function (box, verdict, actions) {
      box.textContent = "";
      box.className = "check-result";
      box.removeAttribute("data-outcome");
      box.setAttribute("role", "status");
      if (!verdict) return;
      var action = verdict.action || (verdict.allowed ? "pass" : "block");
      box.setAttribute("data-outcome", action);
      if (action === "pass") {
        box.classList.add("passed");
        box.appendChild(el("span", { text: I18N.t("check_pass") }));
        return;
      }
      if (action === "repair") {
        box.classList.add("repaired");
        add(box, [
          el("strong", { text: I18N.t("check_repair") }),
          GuardView.violations(verdict.violations),
          el("p", { class: "msg-text", "data-testid": "repaired-text", text: verdict.text || "" })
        ]);
        if (actions && actions.sendRepaired && verdict.text) {
          box.appendChild(el("button", { type: "button", class: "primary", text: I18N.t("send_repaired"),
            onclick: function () { actions.sendRepaired(verdict.text); } }));
        }
        return;
      }
      box.classList.add("refused");
      box.setAttribute("role", "alert");
      add(box, [
        el("strong", { text: I18N.t("check_block") }),
        verdict.explanation ? el("p", { "data-testid": "explanation", text: verdict.explanation }) : null,
        GuardView.violations(verdict.violations)
      ]);
      if (verdict.alternative) {
        add(box, [
          el("p", { text: I18N.t("alternative") }),
          el("p", { class: "msg-text", "data-testid": "alternative", text: verdict.alternative })
        ]);
        if (actions && actions.useText) {
          box.appendChild(el("button", { type: "button", text: I18N.t("use_alternative"),
            onclick: function () { actions.useText(verdict.alternative); } }));
        }
      }
    },

    /* A 422 from the send call carries {detail, verdict, alternative}: make it look like /check. */
    fromRefusal: function (body) {
      var v = (body && body.verdict) || {};
      return {
        action: "block", allowed: false, violations: v.violations || [],
        explanation: (body && typeof body.detail === "string") ? body.detail : (v.explanation || ""),
        alternative: (body && body.alternative) || v.alternative || ""
      };
    }
  };

  window.GuardView = GuardView;
})();

/*
 * mediator borrower chat widget.
 *
 * Embed with one tag:
 *   <script src="https://host/widget.js" data-api-base="https://host" data-token="<borrower_token>"
 *           data-conversation="<id>" data-lang="en|zh" data-target="#chat"></script>
 * or mount by hand: MediatorWidget.mount(element, {apiBase, token, conversation, lang}).
 *
 * Why it is built this way:
 * - Shadow DOM keeps the lender's CSS out and ours in.
 * - Messages are keyed by id and ordered by seq, and the stream cursor only moves forward from
 *   ordered sources (the event stream and paged history), so a dropped connection can be
 *   replayed with ?after=<seq> without losing or duplicating anything.
 * - Every outgoing message gets one Idempotency-Key that is reused on retry, so a retry after a
 *   network failure never stores the message twice.
 */
(function () {
  "use strict";

  var STRINGS = {
    en: {
      title: "Account help",
      automated: "You are chatting with an automated assistant, not a person.",
      offlineMode: "(Offline assistant: answers come from fixed, reviewed templates, not a language model.)",
      human: "To reach a person:",
      humanDefault: "ask for a human at any time and a member of our team will take over.",
      label: "Your message",
      placeholder: "Type your message…",
      send: "Send",
      typing: "The assistant is writing",
      connecting: "Connecting…",
      connected: "Connected",
      reconnecting: "Connection lost. Reconnecting…",
      sending: "Sending…",
      failed: "Not sent.",
      retry: "Retry",
      you: "You",
      assistant: "Assistant",
      agent: "Team member",
      system: "Notice",
      handoverHuman: "You are being passed to a member of our team. A person will reply here.",
      handoverMediator: "The automated assistant is answering again.",
      closed: "This conversation is closed.",
      log: "Conversation messages",
      error: "The chat could not be loaded. Please try again later.",
      tooLong: "Your message is too long."
    },
    zh: {
      title: "账户帮助",
      automated: "您正在与自动化助手对话，而不是真人。",
      offlineMode: "（离线助手：回复来自固定的、经过审核的模板，而非大语言模型。）",
      human: "如需人工服务：",
      humanDefault: "您可以随时要求转人工，我们的工作人员会接手对话。",
      label: "您的消息",
      placeholder: "请输入您的消息…",
      send: "发送",
      typing: "助手正在输入",
      connecting: "正在连接…",
      connected: "已连接",
      reconnecting: "连接中断，正在重新连接…",
      sending: "发送中…",
      failed: "发送失败。",
      retry: "重试",
      you: "您",
      assistant: "助手",
      agent: "工作人员",
      system: "通知",
      handoverHuman: "正在为您转接工作人员，稍后会有人在此回复您。",
      handoverMediator: "自动化助手已恢复回复。",
      closed: "此对话已结束。",
      log: "对话消息",
      error: "无法加载聊天，请稍后再试。",
      tooLong: "您的消息过长。"
    }
  };

  var CSS = [
    ":host{all:initial;display:block;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'PingFang SC','Noto Sans CJK SC',sans-serif;color:#1b1f24}",
    ".mw{display:flex;flex-direction:column;height:min(640px,100dvh);max-width:480px;border:1px solid #c9d1d9;border-radius:12px;background:#fff;overflow:hidden;box-shadow:0 4px 18px rgba(0,0,0,.08)}",
    ".mw-head{background:#0b5cad;color:#fff;padding:10px 14px}",
    ".mw-head h2{margin:0;font-size:16px}",
    ".mw-conn{font-size:12px;opacity:.9}",
    ".mw-notice{background:#fff8e1;border-bottom:1px solid #f0d68a;padding:8px 14px;font-size:13px}",
    ".mw-notice p{margin:0 0 4px}",
    ".mw-disclosure{color:#444;font-size:12px}",
    ".mw-log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f6f8fa}",
    ".mw-msg{max-width:85%;padding:8px 11px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word;overflow-wrap:anywhere}",
    ".mw-msg .mw-who{display:block;font-size:11px;font-weight:600;color:#555;margin-bottom:2px}",
    ".mw-borrower{align-self:flex-end;background:#0b5cad;color:#fff}",
    ".mw-borrower .mw-who{color:#dbe9ff}",
    ".mw-mediator,.mw-agent{align-self:flex-start;background:#fff;border:1px solid #d0d7de}",
    ".mw-agent{border-color:#2da44e}",
    ".mw-system{align-self:center;background:#eef1f4;color:#333;font-size:13px}",
    ".mw-pending{opacity:.7}",
    ".mw-failed{background:#fff;color:#a40e26;border:1px solid #a40e26}",
    ".mw-failed button{margin-left:6px}",
    ".mw-typing{padding:4px 14px;font-size:13px;color:#555;min-height:1.45em}",
    ".mw-form{display:flex;gap:8px;padding:10px;border-top:1px solid #d0d7de;background:#fff}",
    ".mw-form textarea{flex:1;resize:none;font:inherit;padding:8px;border:1px solid #8c959f;border-radius:8px;min-height:40px;max-height:120px}",
    ".mw-form button,.mw-retry{font:inherit;background:#0b5cad;color:#fff;border:0;border-radius:8px;padding:8px 14px;cursor:pointer;min-height:40px}",
    ".mw-form button:disabled{background:#8c959f;cursor:not-allowed}",
    "textarea:focus-visible,button:focus-visible,.mw-log:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}",
    ".mw-sr{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}",
    "@media (max-width:520px){.mw{max-width:none;height:100dvh;border-radius:0;border:0}.mw-msg{max-width:92%}}",
    "@media (prefers-reduced-motion:no-preference){.mw-typing-dots::after{content:'';animation:mwdots 1.2s steps(4) infinite}}",
    "@keyframes mwdots{0%{content:''}25%{content:'.'}50%{content:'..'}75%{content:'...'}}"
  ].join("\n");

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text != null) e.textContent = text;
    return e;
  }

  function Widget(host, opts) {
    this.apiBase = (opts.apiBase || "").replace(/\/+$/, "");
    this.token = opts.token;
    this.conversation = opts.conversation;
    this.lang = STRINGS[opts.lang] ? opts.lang : null;
    this.byId = {};          // message id -> element
    this.pending = [];       // unsent or in-flight borrower messages {key, text, node}
    this.cursor = 0;         // highest seq received from an ordered source
    this.source = null;
    this.retryMs = 500;
    this.busy = 0;           // requests waiting for the mediator
    this.remoteTyping = false;
    this.closed = false;
    this.root = host.shadowRoot || host.attachShadow({ mode: "open" });
    host.setAttribute("data-mediator-widget", "");
  }

  Widget.prototype.t = function (key) {
    return (STRINGS[this.lang || "en"] || STRINGS.en)[key];
  };

  Widget.prototype.api = function (path, init) {
    init = init || {};
    init.headers = Object.assign({ Authorization: "Bearer " + this.token }, init.headers || {});
    return fetch(this.apiBase + path, init).then(function (r) {
      if (!r.ok) {
        var err = new Error("HTTP " + r.status);
        err.status = r.status;
        return r.json().catch(function () { return {}; }).then(function (body) { err.body = body; throw err; });
      }
      return r.json();
    });
  };

  Widget.prototype.build = function () {
    var root = this.root;
    root.textContent = "";
    if (root.adoptedStyleSheets !== undefined && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } else {
      root.appendChild(el("style", null, CSS));
    }
    var ids = "mw-" + Math.random().toString(36).slice(2, 8);
    var box = el("section", { class: "mw", "aria-labelledby": ids + "-title", lang: this.lang === "zh" ? "zh-CN" : "en" });
    var head = el("header", { class: "mw-head" });
    this.titleEl = el("h2", { id: ids + "-title" }, this.t("title"));
    this.connEl = el("div", { class: "mw-conn", role: "status" }, this.t("connecting"));
    head.append(this.titleEl, this.connEl);

    this.noticeEl = el("div", { class: "mw-notice", "data-part": "notice" });
    this.automatedEl = el("p", { "data-part": "automated" }, this.t("automated"));
    this.humanEl = el("p", { "data-part": "human" }, this.t("human") + " " + this.t("humanDefault"));
    this.disclosureEl = el("p", { class: "mw-disclosure", "data-part": "disclosure" });
    this.noticeEl.append(this.automatedEl, this.humanEl, this.disclosureEl);

    this.logEl = el("div", {
      class: "mw-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
      "aria-label": this.t("log"), tabindex: "0", "data-part": "log"
    });
    this.typingEl = el("div", { class: "mw-typing", "aria-live": "polite", "data-part": "typing" });

    var form = el("form", { class: "mw-form", "data-part": "form" });
    var label = el("label", { for: ids + "-input", class: "mw-sr" }, this.t("label"));
    this.inputEl = el("textarea", {
      id: ids + "-input", rows: "2", placeholder: this.t("placeholder"), "data-part": "input",
      autocomplete: "off", "aria-describedby": ids + "-hint"
    });
    this.hintEl = el("span", { id: ids + "-hint", class: "mw-sr", role: "alert" });
    this.sendEl = el("button", { type: "submit", "data-part": "send" }, this.t("send"));
    form.append(label, this.inputEl, this.sendEl, this.hintEl);

    var self = this;
    form.addEventListener("submit", function (ev) { ev.preventDefault(); self.submit(); });
    this.inputEl.addEventListener("keydown", function (ev) {
      // Enter sends, Shift+Enter adds a line; IME composition (Chinese input) must not send.
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); self.submit(); }
    });
    box.append(head, this.noticeEl, this.logEl, this.typingEl, form);
    root.appendChild(box);
  };

  Widget.prototype.relabel = function () {
    this.titleEl.textContent = this.t("title");
    this.automatedEl.textContent = this.t("automated") + (this.offline ? " " + this.t("offlineMode") : "");
    this.inputEl.setAttribute("placeholder", this.t("placeholder"));
    this.sendEl.textContent = this.t("send");
    this.root.querySelector("label").textContent = this.t("label");
    this.logEl.setAttribute("aria-label", this.t("log"));
    this.root.querySelector(".mw").setAttribute("lang", this.lang === "zh" ? "zh-CN" : "en");
  };

  Widget.prototype.start = function () {
    var self = this;
    this.build();
    return this.api("/v1/conversations/" + encodeURIComponent(this.conversation))
      .then(function (info) {
        if (!self.lang) { self.lang = STRINGS[info.language] ? info.language : "en"; self.relabel(); }
        self.humanEl.textContent = self.t("human") + " " + (info.human_help || self.t("humanDefault"));
        self.disclosureEl.textContent = info.disclosure || "";
        self.offline = info.mediator === "offline";
        self.relabel();
        self.setStatus(info.status);
        return self.catchUp();
      })
      .then(function () { self.connect(); })
      .catch(function () {
        self.connEl.textContent = self.t("error");
        self.logEl.appendChild(el("p", { class: "mw-msg mw-system" }, self.t("error")));
      });
  };

  Widget.prototype.setStatus = function (status) {
    this.closed = status === "closed";
    this.inputEl.disabled = this.closed;
    this.sendEl.disabled = this.closed;
    if (this.closed) this.hintEl.textContent = this.t("closed");
  };

  /* Fetch every message after the cursor, page by page (oldest first). */
  Widget.prototype.catchUp = function () {
    var self = this;
    var path = "/v1/conversations/" + encodeURIComponent(this.conversation) + "/messages?limit=200&after=" + this.cursor;
    return this.api(path).then(function (page) {
      (page.messages || []).forEach(function (m) { self.add(m, true); });
      if (page.next_after != null && (page.messages || []).length) {
        return self.catchUp();
      }
    });
  };

  Widget.prototype.connect = function () {
    var self = this;
    if (this.source) this.source.close();
    var url = this.apiBase + "/v1/conversations/" + encodeURIComponent(this.conversation) +
      "/events?token=" + encodeURIComponent(this.token) + "&after=" + this.cursor;
    var es = new EventSource(url);
    this.source = es;
    es.onopen = function () {
      self.retryMs = 500;
      self.connEl.textContent = self.t("connected");
      self.host().setAttribute("data-connected", "true");
    };
    es.addEventListener("message", function (ev) {
      try { self.add(JSON.parse(ev.data), true); } catch (e) { /* ignore malformed event */ }
    });
    es.addEventListener("typing", function (ev) {
      try { self.remoteTyping = !!JSON.parse(ev.data).active; } catch (e) { self.remoteTyping = false; }
      self.renderTyping();
    });
    es.addEventListener("status", function (ev) {
      try { self.setStatus(JSON.parse(ev.data).status); } catch (e) { /* ignore */ }
    });
    es.addEventListener("handover", function (ev) {
      var to = null;
      try { to = JSON.parse(ev.data).to; } catch (e) { /* ignore */ }
      self.note(to === "human" ? self.t("handoverHuman") : self.t("handoverMediator"));
    });
    es.onerror = function () {
      // Reconnect ourselves so the replay starts from our own cursor (the browser's automatic
      // retry would reuse the original ?after=); catch up over HTTP first in case events are lost.
      es.close();
      if (self.source !== es) return;
      self.source = null;
      self.host().setAttribute("data-connected", "false");
      self.connEl.textContent = self.t("reconnecting");
      var wait = self.retryMs;
      self.retryMs = Math.min(self.retryMs * 2, 15000);
      setTimeout(function () {
        self.catchUp().then(function () { self.connect(); }, function () { self.connect(); });
      }, wait);
    };
  };

  Widget.prototype.host = function () { return this.root.host; };

  Widget.prototype.note = function (text) {
    var p = el("p", { class: "mw-msg mw-system", "data-role": "note" });
    p.textContent = text;
    this.logEl.appendChild(p);
    this.scroll();
  };

  Widget.prototype.who = function (role) {
    return { borrower: this.t("you"), mediator: this.t("assistant"), agent: this.t("agent") }[role] || this.t("system");
  };

  Widget.prototype.fill = function (node, m) {
    node.className = "mw-msg mw-" + (m.role || "system");
    node.textContent = "";
    node.setAttribute("data-id", m.id);
    node.setAttribute("data-role", m.role || "system");
    if (m.seq != null) node.setAttribute("data-seq", String(m.seq));
    node.append(el("span", { class: "mw-who" }, this.who(m.role)), document.createTextNode(m.text || ""));
  };

  /* Insert a message once, in seq order. ordered=true when it came from the stream or history. */
  Widget.prototype.add = function (m, ordered) {
    if (!m || m.id == null) return;
    if (ordered && typeof m.seq === "number" && m.seq > this.cursor) this.cursor = m.seq;
    var node = this.byId[m.id];
    if (node) {
      if (m.seq != null && !node.hasAttribute("data-seq")) { node.setAttribute("data-seq", String(m.seq)); this.place(node); }
      return;
    }
    if (m.role === "borrower") node = this.adoptPending(m);
    if (!node) node = el("p");
    this.fill(node, m);
    this.byId[m.id] = node;
    this.place(node);
    if (m.role !== "borrower") { this.remoteTyping = false; this.renderTyping(); }
    this.scroll();
  };

  /* A borrower message echoed by the stream before our POST returned: reuse its bubble. */
  Widget.prototype.adoptPending = function (m) {
    for (var i = 0; i < this.pending.length; i++) {
      var p = this.pending[i];
      if (!p.id && p.text === m.text) { p.id = m.id; return p.node; }
    }
    return null;
  };

  Widget.prototype.place = function (node) {
    var seq = node.hasAttribute("data-seq") ? Number(node.getAttribute("data-seq")) : Infinity;
    if (node.parentNode === this.logEl) this.logEl.removeChild(node);
    var kids = this.logEl.children;
    for (var i = 0; i < kids.length; i++) {
      var k = kids[i];
      if (k.hasAttribute("data-seq") && Number(k.getAttribute("data-seq")) > seq) {
        this.logEl.insertBefore(node, k);
        return;
      }
    }
    this.logEl.appendChild(node);
  };

  Widget.prototype.scroll = function () { this.logEl.scrollTop = this.logEl.scrollHeight; };

  Widget.prototype.renderTyping = function () {
    var on = this.busy > 0 || this.remoteTyping;
    this.typingEl.textContent = "";
    if (on) this.typingEl.append(el("span", { class: "mw-typing-dots", "data-part": "typing-text" }, this.t("typing")));
    this.host().setAttribute("data-typing", on ? "true" : "false");
  };

  Widget.prototype.submit = function () {
    var text = this.inputEl.value.trim();
    if (!text || this.closed) return;
    this.inputEl.value = "";
    var node = el("p", { class: "mw-msg mw-borrower mw-pending", "data-role": "borrower", "data-pending": "true" });
    node.append(el("span", { class: "mw-who" }, this.t("you")), document.createTextNode(text));
    var item = { key: uuid(), text: text, node: node, id: null };
    this.pending.push(item);
    this.logEl.appendChild(node);
    this.scroll();
    this.send(item);
    this.inputEl.focus();
  };

  Widget.prototype.send = function (item) {
    var self = this;
    this.busy++;
    this.renderTyping();
    var old = item.node.querySelector(".mw-state");
    if (old) old.remove();
    item.node.classList.remove("mw-failed");
    item.node.classList.add("mw-pending");
    this.api("/v1/conversations/" + encodeURIComponent(this.conversation) + "/messages", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": item.key },
      body: JSON.stringify({ text: item.text })
    }).then(function (res) {
      self.finish(item);
      var m = res.message;
      if (m && m.id != null) {
        var existing = self.byId[m.id];
        if (existing && existing !== item.node) item.node.remove();
        else { item.id = m.id; self.byId[m.id] = item.node; self.fill(item.node, m); self.place(item.node); }
      }
      // The reply arrives on the stream; fetch anything the stream may have missed meanwhile.
      return self.catchUp().catch(function () { /* the stream will deliver it */ });
    }, function (err) {
      self.finish(item);
      if (err.status && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429) {
        // Refused for good (too long, closed, not allowed): give the text back to edit.
        item.node.remove();
        var detail = err.body && typeof err.body.detail === "string" ? err.body.detail : null;
        var why = err.status === 422 && !detail ? self.t("tooLong") : (detail || self.t("failed"));
        self.hintEl.textContent = why;
        self.note(why);
        self.inputEl.value = item.text;
        return;
      }
      item.node.classList.remove("mw-pending");
      item.node.classList.add("mw-failed");
      item.node.setAttribute("data-pending", "failed");
      var state = el("span", { class: "mw-state" }, " " + self.t("failed"));
      var retry = el("button", { type: "button", class: "mw-retry", "data-part": "retry" }, self.t("retry"));
      retry.addEventListener("click", function () { self.pending.push(item); self.send(item); });
      state.appendChild(retry);
      item.node.appendChild(state);
    });
  };

  Widget.prototype.finish = function (item) {
    this.busy = Math.max(0, this.busy - 1);
    this.pending = this.pending.filter(function (p) { return p !== item; });
    item.node.classList.remove("mw-pending");
    item.node.removeAttribute("data-pending");
    this.renderTyping();
  };

  Widget.prototype.destroy = function () {
    if (this.source) this.source.close();
    this.source = null;
  };

  function mount(target, opts) {
    var host = typeof target === "string" ? document.querySelector(target) : target;
    if (!host) throw new Error("mediator widget: no element to mount into");
    if (host.__mediatorWidget) host.__mediatorWidget.destroy();
    var w = new Widget(host, opts || {});
    host.__mediatorWidget = w;
    w.start();
    return w;
  }

  window.MediatorWidget = { mount: mount, strings: STRINGS };

  var script = document.currentScript;
  if (script && script.getAttribute("data-token") && script.getAttribute("data-conversation")) {
    var opts = {
      apiBase: script.getAttribute("data-api-base") || new URL(script.src, location.href).origin,
      token: script.getAttribute("data-token"),
      conversation: script.getAttribute("data-conversation"),
      lang: script.getAttribute("data-lang")
    };
    var sel = script.getAttribute("data-target");
    var host = sel && document.querySelector(sel);
    if (!host) {
      host = document.createElement("div");
      script.parentNode.insertBefore(host, script.nextSibling);
    }
    mount(host, opts);
  }
})();

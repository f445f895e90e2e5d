"""The turn pipeline, one readable path:

    store the borrower's message (+ analysis, state, alerts, audit: one transaction)
      → mediator backend drafts a reply (no transaction open while the model thinks)
      → guard check (pass | repair | block → fallback + hand-over)
      → store what is sent (+ verdict, state, alerts, audit: one transaction) → publish

No text reaches a borrower without a guard verdict: every outgoing path (the mediator's
reply, a human mediator's message, an agent-assist suggestion, a proactive reminder) goes
through ``guarded``.
"""

from __future__ import annotations

import copy
import logging
import time
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import event

from mediator import metrics
from mediator.agent.base import AgentReply, HistoryItem, TurnInput
from mediator.analysis import ConversationFeatures, alert_triggers, analyze_message, conversation_risk
from mediator.domain import Author, ConversationState, GuardContext, MessageAnalysis, Verdict, Violation
from mediator.errors import Conflict, Invalid, NotFound
from mediator.handoff import handover_reply, wants_human
from mediator.plans import approved_offers
from mediator.security import facts_match, prompt_canary
from mediator.service import Service
from mediator.store import repo
from mediator.store.lean import LeanSession, NeedsOrm
from mediator.store.models import Account, Conversation, IdempotencyRecord, Message
from mediator.views import alert_view, borrower_message, staff_message

log = logging.getLogger("mediator.turns")

HISTORY_LIMIT = 40


def _analysis_dict(a: MessageAnalysis) -> dict[str, Any]:
    return {"intents": list(a.intents), "complaint_risk": round(a.complaint_risk, 3),
            "reasons": list(a.reasons), "language": a.language}


def guard_context(state: ConversationState, account: Account, offers: tuple[Any, ...],
                  collector: str | None = None) -> GuardContext:
    return GuardContext(
        jurisdiction=state.jurisdiction,
        language=state.language,
        identity_verified=state.identity_verified and not state.third_party,
        cease_requested=state.cease_requested,
        dispute_open=state.dispute_open,
        first_reply=state.first_reply,
        account=repo.account_facts(account),
        approved_offers=offers,
        borrower_name=account.borrower_name,
        collector_name=collector,
    )


def guarded(svc: Service, text: str, ctx: GuardContext, author: Author) -> Verdict:
    """The single door every outgoing text passes through. If the guard itself fails, it fails
    closed: the policy's pre-approved fallback is sent instead and the conversation escalates."""
    try:
        verdict = svc.guard.check(text, ctx, author=author)
    except Exception:
        log.exception("guard check failed; failing closed")
        verdict = Verdict(action="block", violations=(), text=svc.guard.fallback(ctx), original=text,
                          policy_version=svc.guard.policy_version, rules_fired=("guard_error",),
                          explanation="The policy check could not run, so nothing was sent.")
    if verdict.action != "block" and prompt_canary(svc.settings.prompts_dir).leaks(verdict.text):
        leak = Violation(code="SYSTEM_LEAK", rule="prompt-canary", span=(0, len(text)),
                         detail="repeats the wording of the system prompt")
        verdict = Verdict(action="block", violations=(*verdict.violations, leak), text=svc.guard.fallback(ctx),
                          original=text, policy_version=verdict.policy_version,
                          rules_fired=(*verdict.rules_fired, "prompt_canary"),
                          explanation="This text repeats the service's own instructions, so it was not sent.")
    metrics.GUARD_OUTCOMES.labels(author, verdict.action).inc()
    for code in verdict.codes:
        metrics.GUARD_CODES.labels(code).inc()
    return verdict


def verdict_record(v: Verdict) -> dict[str, Any]:
    return {
        "action": v.action,
        "violations": [x.as_dict() for x in v.violations],
        "policy_version": v.policy_version,
        "rules_fired": list(v.rules_fired),
        "timings_us": {k: round(t, 1) for k, t in v.timings_us.items()},
    }


def _changed_fields(before: ConversationState, after: ConversationState) -> dict[str, Any]:
    return {f.name: getattr(after, f.name) for f in fields(ConversationState)
            if getattr(before, f.name) != getattr(after, f.name)}


async def _risk_and_alerts(svc: Service, s: Any, conv: Conversation, analysis: MessageAnalysis | None,
                           blocked: bool) -> list[dict[str, Any]]:
    """Recompute the conversation's complaint risk and raise alerts (outbox, same transaction)."""
    window = await repo.risk_window(s, conv)
    intents = [i for _, i in window]
    unresolved = sum(1 for i in intents if "DISPUTE" in i) if conv.dispute_open else 0
    wait = 0.0
    if conv.escalated_at is not None and conv.status in ("escalated", "human"):
        esc = conv.escalated_at if conv.escalated_at.tzinfo else conv.escalated_at.replace(tzinfo=UTC)
        wait = (datetime.now(UTC) - esc).total_seconds()
    features = ConversationFeatures(
        message_intents=intents, message_risks=[r for r, _ in window], guardrail_blocks=conv.guardrail_blocks,
        handover_wait_s=wait, unresolved_dispute_turns=unresolved, borrower_messages=len(window),
    )
    assessment = conversation_risk(features)
    conv.risk = float(assessment.score)
    conv.risk_reasons = list(assessment.reasons)
    message_analysis = analysis or MessageAnalysis(intents=(), complaint_risk=0.0, language="en")
    raised = []
    triggers = alert_triggers(message_analysis, assessment, svc.settings.alert_threshold, guardrail_blocked=blocked)
    if any(t.kind != "risk_threshold" for t in triggers):
        triggers = [t for t in triggers if t.kind != "risk_threshold"]  # one alert per cause, not two
    for trig in triggers:
        alert = await repo.create_alert(s, conv.id, trig.kind, trig.reason, trig.severity, conv.risk)
        if alert is None:
            continue
        view = alert_view(alert)
        await repo.add_outbox(s, "alert", view)
        _kick_relay_after_commit(svc, s)
        await repo.audit(s, f"conv:{conv.id}", "alert_raised", {"alert_id": alert.id, "kind": trig.kind},
                         conversation_id=conv.id, owner=conv)
        metrics.ALERTS.labels(trig.kind).inc()
        raised.append(view)
    return raised


def _kick_relay_after_commit(svc: Service, s: Any) -> None:
    """Wake the outbox relay when this transaction commits (not before: it would find nothing),
    and only for transactions that wrote to the outbox, so quiet turns cost the relay nothing."""
    event.listen(s.sync_session, "after_commit", lambda _session: svc.kick_relay(), once=True)


@dataclass
class _Stored:
    """What stage one stored, and what the rest of the turn needs from it."""

    message: dict[str, Any]
    staff_message: dict[str, Any]
    analysis: MessageAnalysis
    state_after_intents: ConversationState
    state_before: ConversationState
    muted: bool
    lean_rows: tuple[Conversation, IdempotencyRecord | None] | None
    """The conversation and key record as a lean first stage left them (the reply stage's lean
    write checks them instead of reading them again); None after an ORM stage."""
    account: Account
    history: tuple[HistoryItem, ...]


class _Replay(Exception):
    """An Idempotency-Key seen before whose turn completed: answer with the first response."""

    def __init__(self, response: dict[str, Any]) -> None:
        super().__init__("replay")
        self.response = response


def _request_hash(text: str) -> str:
    return cast(str, repo.sha256_text(text))


async def _resume_or_replay(s: Any, conv: Conversation, account: Account, rec: IdempotencyRecord | None,
                            text: str) -> _Stored | None:
    """None when the key is new. A retry of a completed turn raises _Replay; a retry of a turn
    whose message was stored but whose reply was not (a crash, a 503) resumes from the stored
    message, so nothing is stored twice and nothing is lost."""
    if rec is None:
        return None
    if rec.request_hash != _request_hash(text):
        raise Conflict("this Idempotency-Key was already used with a different message")
    if rec.response is not None:
        raise _Replay(rec.response)
    stored = await repo.get_message(s, rec.message_id) if rec.message_id else None
    if stored is None:
        raise Conflict("this Idempotency-Key belongs to a message that no longer exists")
    state = repo.load_state(conv, account)
    history = await load_history(s, conv.id, stored.seq)
    return _Stored(borrower_message(stored), staff_message(stored), MessageAnalysis(**_analysis_from(stored.analysis)),
                   state, copy.copy(state), conv.status == "human", _lean_rows(s, conv, rec), account, history)


def _lean_rows(s: Any, conv: Conversation, record: IdempotencyRecord | None
               ) -> tuple[Conversation, IdempotencyRecord | None] | None:
    return (conv, record) if isinstance(s, LeanSession) else None


async def _in_transaction(svc: Service, stage: Any, *args: Any) -> Any:
    """Run a turn stage in one transaction: a lean one where the store has it (PostgreSQL; see
    ``store.lean``), else, or when the stage needs more than the lean session does (an alert,
    a resumed key), an ORM one. A lean attempt that gives up has written nothing."""
    if svc.db.lean:
        try:
            async with svc.db.lean_transaction() as s:
                return await stage(svc, s, *args)
        except NeedsOrm:
            pass
    async with svc.db.transaction() as s:
        return await stage(svc, s, *args)


async def _store_borrower_message(svc: Service, conversation_id: str, text: str, idem_key: str | None) -> _Stored:
    return cast(_Stored, await _in_transaction(svc, _borrower_message_stage, conversation_id, text, idem_key))


async def _borrower_message_stage(svc: Service, s: Any, conversation_id: str, text: str,
                                  idem_key: str | None) -> _Stored:
    from mediator.agent import machine

    rows = await repo.conversation_for_turn(s, conversation_id, idem_key, history=HISTORY_LIMIT)
    conv, account = rows.conversation, rows.account
    if idem_key:
        resumed = await _resume_or_replay(s, conv, account, rows.idempotency, text)
        if resumed is not None:
            return resumed
    if conv.status == "closed":
        raise Conflict("this conversation is closed")
    if account.erased_at is not None:
        raise NotFound("the account behind this conversation no longer exists")
    # read before anything is written, so no flush precedes them: what came before this
    # message (PostgreSQL: read with the conversation), and the risk window (a query only
    # for a row older than the window)
    if rows.history is not None:
        history = tuple(HistoryItem(role, text) for role, text in rows.history)
    else:
        history = await load_history(s, conv.id, conv.next_seq)
    await repo.risk_window(s, conv)
    analysis = analyze_message(text, account.language)
    state_before = repo.load_state(conv, account)
    state = copy.copy(state_before)
    events = machine.apply(state, analysis, text)
    changed = repo.save_state(conv, state)
    msg = await repo.append_message(s, conv, "borrower", text, analysis=_analysis_dict(analysis))
    text_sha256 = _request_hash(text)  # the audit's digest of the text is the key record's too
    await repo.audit(s, f"conv:{conv.id}", "borrower_message",
                     {"message_id": msg.id, "seq": msg.seq, "text_sha256": text_sha256,
                      "intents": list(analysis.intents), "state_events": events, "state_changed": changed},
                     actor="borrower", conversation_id=conv.id, owner=conv)
    record = await repo.start_idempotency(s, conv.id, idem_key, text_sha256, msg.id) if idem_key else None
    repo.push_risk_window(conv, analysis.complaint_risk, analysis.intents)
    await _risk_and_alerts(svc, s, conv, analysis, blocked=False)
    return _Stored(borrower_message(msg), staff_message(msg), analysis, state, state_before,
                   conv.status == "human", _lean_rows(s, conv, record), account, history)


def _analysis_from(stored: dict[str, Any] | None) -> dict[str, Any]:
    stored = stored or {}
    return {"intents": tuple(stored.get("intents", ())), "complaint_risk": float(stored.get("complaint_risk", 0.0)),
            "language": stored.get("language", "en"), "reasons": tuple(stored.get("reasons", ()))}


async def load_history(s: Any, conversation_id: str, message_seq: int) -> tuple[HistoryItem, ...]:
    """What came before the borrower message at ``message_seq`` (the latest HISTORY_LIMIT)."""
    rows = await repo.message_history(s, conversation_id, message_seq, HISTORY_LIMIT)
    return tuple(HistoryItem(role, text) for role, text in rows)


def build_turn(svc: Service, conversation_id: str, account: Account, state: ConversationState, message: str,
               analysis: MessageAnalysis, history: tuple[HistoryItem, ...]) -> TurnInput:
    """The backend's view of a turn: ``history`` is what came before the borrower's message, the
    message itself is ``message`` (backends add it once, last). No I/O: the toolbox mutates
    ``state`` in memory and the pipeline persists what changed."""
    from mediator.agent.tools import Toolbox

    facts = repo.account_facts(account)
    offers = approved_offers(facts, account.jurisdiction)
    stored_facts = dict(account.verification or {})

    def verifier(presented: dict[str, str]) -> bool:
        return facts_match(svc.keys, stored_facts, presented)

    toolbox = Toolbox(state=state, account=facts, offers=offers, jurisdiction=account.jurisdiction,
                      language=account.language, verifier=verifier)
    return TurnInput(
        conversation_id=conversation_id, state=state, account=facts, borrower_name=account.borrower_name,
        collector_name=svc.settings.collector_name, offers=offers, history=history, message=message,
        analysis=analysis, toolbox=toolbox,
    )


async def _draft(svc: Service, turn: TurnInput) -> tuple[AgentReply, float]:
    t0 = time.perf_counter()
    if wants_human(turn.message):
        # honoured before any model is asked: confirm and hand over
        return AgentReply(text=handover_reply(turn.state.language), backend="policy", handover=True,
                          handover_reason="borrower_asked_for_a_person"), 0.0
    try:
        reply = await svc.backend.reply(turn)
        if not isinstance(reply, AgentReply) or not reply.text.strip():
            raise ValueError("the mediator backend returned no text")
    except Exception as exc:  # a backend bug must not lose the turn: fall back and hand over
        metrics.MODEL_ERRORS.labels(type(exc).__name__).inc()
        log.exception("mediator backend failed; sending the fallback and handing over")
        reply = AgentReply(text="", backend=getattr(svc.backend, "name", "unknown"), handover=True,
                           handover_reason="mediator_error")
    if (reply.handover_reason or "").startswith("model failure"):
        # the LLM backend absorbs model errors/timeouts into its own fallback: count them here too
        metrics.MODEL_ERRORS.labels("model_failure").inc()
    return reply, time.perf_counter() - t0


def _progress_publisher(svc: Service, conversation_id: str) -> Any:
    """Streaming that fails closed: the widget sees that the mediator is working (stage, how
    many characters so far), never the text itself, which is only sent after the guard."""
    last = {"t": 0.0}

    async def publish(progress: dict[str, Any]) -> None:
        now = time.monotonic()
        if now - last["t"] < 0.25:
            return
        last["t"] = now
        safe = {k: v for k, v in progress.items() if k in ("stage", "chars", "round")}
        await svc.publish(conversation_id, "typing", {"active": True, **safe})

    return publish


async def borrower_turn(svc: Service, conversation_id: str, text: str, idem_key: str | None = None) -> dict[str, Any]:
    """Handle one borrower message end to end; return the contract's response body."""
    text = text.strip()
    if not text:
        raise Invalid("text must not be empty")
    if len(text) > svc.settings.max_message_chars:
        raise Invalid(f"text is longer than {svc.settings.max_message_chars} characters")
    started = time.perf_counter()
    with svc.turn_in_flight():
        try:
            stored = await _store_borrower_message(svc, conversation_id, text, idem_key)
        except _Replay as replay:
            return replay.response
        if stored.muted:  # a human has the conversation: they see the message live, the model stays silent
            await svc.publish(conversation_id, "message", stored.message, stored.staff_message)
            response = {"message": stored.message, "reply": None}
            await _finish_idempotency(svc, conversation_id, idem_key, response)
            metrics.TURNS.labels("muted").inc()
            return response

        await svc.publish_events(conversation_id, [("message", stored.message, stored.staff_message),
                                                   ("typing", {"active": True}, None)])
        account = stored.account
        turn = build_turn(svc, conversation_id, account, copy.copy(stored.state_before), text, stored.analysis,
                          stored.history)
        turn.on_progress = _progress_publisher(svc, conversation_id)
        reply, model_s = await _draft(svc, turn)
        state_changes = _changed_fields(stored.state_after_intents, turn.state)
        ctx = guard_context(turn.state, account, turn.offers, svc.settings.collector_name)
        if reply.text:
            verdict = guarded(svc, reply.text, ctx, "model")
        else:
            verdict = Verdict(action="block", violations=(), text=svc.guard.fallback(ctx), original="",
                              policy_version=svc.guard.policy_version)
        response, events = await _store_reply(svc, conversation_id, stored, reply, verdict, state_changes, idem_key)
        await svc.publish_events(conversation_id, [*events, ("typing", {"active": False}, None)])
        elapsed = time.perf_counter() - started
        metrics.TURN_LATENCY.observe(elapsed)
        metrics.SERVICE_OVERHEAD.observe(max(elapsed - model_s, 0.0))
        metrics.TURNS.labels(verdict.action).inc()
        return response


async def _store_reply(svc: Service, conversation_id: str, stored: _Stored, reply: AgentReply, verdict: Verdict,
                       state_changes: dict[str, Any], idem_key: str | None) -> tuple[dict[str, Any], list[Any]]:
    """Store what is sent; return the response and the live events to publish."""
    return cast(tuple[dict[str, Any], list[Any]], await _in_transaction(
        svc, _reply_stage, conversation_id, stored, reply, verdict, state_changes, idem_key))


async def _reply_stage(svc: Service, s: Any, conversation_id: str, stored: _Stored, reply: AgentReply,
                       verdict: Verdict, state_changes: dict[str, Any],
                       idem_key: str | None) -> tuple[dict[str, Any], list[Any]]:
    conv, record = await repo.conversation_with_key(s, conversation_id, idem_key, stored.lean_rows)
    assert conv is not None
    if record is not None and record.response is not None:
        # another attempt of this same turn (a client retry while this one was still
        # drafting) stored its reply first: that reply stands, this draft is dropped
        return record.response, []
    if conv.status == "human":
        # a human took over while the model was drafting: the draft is never sent
        await repo.audit(s, f"conv:{conv.id}", "draft_discarded",
                         {"reason": "human took over", "draft_sha256": repo.sha256_text(reply.text)},
                         conversation_id=conv.id)
        response = {"message": stored.message, "reply": None}
        if idem_key:
            await repo.finish_idempotency(s, conv.id, idem_key, response, record)
        return response, []
    for name, value in state_changes.items():
        if name != "status" and hasattr(conv, name):
            setattr(conv, name, value)
    blocked = verdict.action == "block"
    handover = blocked or reply.handover
    if blocked:
        conv.guardrail_blocks += 1
    record_of_verdict = verdict_record(verdict)
    msg = await repo.append_message(
        s, conv, "mediator", verdict.text,
        draft=reply.text if reply.text != verdict.text else None,
        backend=reply.backend, prompt_version=reply.prompt_version or None,
        action=verdict.action, policy_version=verdict.policy_version, verdict=record_of_verdict,
    )
    conv.replies_sent += 1
    if handover and conv.status == "active":
        conv.status = "escalated"
        conv.escalated_at = msg.created_at
        conv.handover_reason = reply.handover_reason or ("guardrail_block" if blocked else "handover")
    sent_sha256 = repo.sha256_text(verdict.text)
    await repo.audit(s, f"conv:{conv.id}", "reply_sent", {
        "message_id": msg.id, "seq": msg.seq, "backend": reply.backend, "prompt_version": reply.prompt_version,
        "text_sha256": sent_sha256, "draft_sha256": sent_sha256 if reply.text == verdict.text
        else repo.sha256_text(reply.text),
        "verdict": record_of_verdict, "tool_calls": len(reply.tool_calls), "events": reply.events,
        "state_changed": sorted(state_changes), "handover": handover,
    }, actor="mediator", conversation_id=conv.id, owner=conv)
    if handover:  # a block or hand-over changes the conversation's risk features
        await _risk_and_alerts(svc, s, conv, None, blocked=blocked)
    response = {"message": stored.message,
                "reply": {"id": msg.id, "text": msg.text, "action": verdict.action}}
    if idem_key:
        await repo.finish_idempotency(s, conv.id, idem_key, response, record)
    sent = borrower_message(msg)
    status = conv.status
    staff_view = staff_message(msg)
    events: list[Any] = [("message", sent, staff_view)]
    if handover:
        events += [("status", {"status": status, "mediator": reply.backend}, None), ("handover", {"to": "human"}, None)]
    return response, events


async def _finish_idempotency(svc: Service, conversation_id: str, key: str | None, response: dict[str, Any]) -> None:
    if not key:
        return
    async with svc.db.transaction() as s:
        await repo.finish_idempotency(s, conversation_id, key, response)


# --- staff paths --------------------------------------------------------------------------------


async def _context_for(svc: Service, s: Any, conversation_id: str, lock: bool = False
                       ) -> tuple[Conversation, Account, ConversationState, GuardContext]:
    conv, account = await repo.conversation_and_account(s, conversation_id, lock=lock)
    state = repo.load_state(conv, account)
    offers = approved_offers(repo.account_facts(account), account.jurisdiction)
    return conv, account, state, guard_context(state, account, offers, svc.settings.collector_name)


async def check_draft(svc: Service, conversation_id: str, text: str) -> Verdict:
    async with svc.db.reader() as s:
        _conv, _account, _state, ctx = await _context_for(svc, s, conversation_id)
    return guarded(svc, text, ctx, "human")


async def staff_send(svc: Service, conversation_id: str, username: str,
                     text: str) -> tuple[dict[str, Any] | None, Verdict]:
    """A human mediator's own message: guard-checked like any other; sending takes the
    conversation over (the model is muted) if it was not already."""
    text = text.strip()
    if not text:
        raise Invalid("text must not be empty")
    if len(text) > svc.settings.max_message_chars:
        raise Invalid(f"text is longer than {svc.settings.max_message_chars} characters")
    async with svc.db.transaction() as s:
        conv, _account, _state, ctx = await _context_for(svc, s, conversation_id, lock=True)
        if conv.status == "closed":
            raise Conflict("this conversation is closed")
        verdict = guarded(svc, text, ctx, "human")
        if verdict.action == "block":
            await repo.audit(s, f"conv:{conv.id}", "staff_draft_refused", {
                "draft_sha256": repo.sha256_text(text), "verdict": verdict_record(verdict)},
                actor=username, conversation_id=conv.id)
            conv.guardrail_blocks += 1
            return None, verdict
        took_over = conv.status != "human"
        if took_over:
            conv.status, conv.assigned_to = "human", username
            conv.escalated_at = conv.escalated_at or datetime.now(UTC)
        msg = await repo.append_message(
            s, conv, "agent", verdict.text, draft=text if text != verdict.text else None, author=username,
            action=verdict.action, policy_version=verdict.policy_version, verdict=verdict_record(verdict),
        )
        conv.replies_sent += 1
        await repo.audit(s, f"conv:{conv.id}", "staff_message", {
            "message_id": msg.id, "seq": msg.seq, "text_sha256": repo.sha256_text(msg.text),
            "draft_sha256": repo.sha256_text(text), "verdict": verdict_record(verdict), "took_over": took_over},
            actor=username, conversation_id=conv.id)
        sent, staff_view = borrower_message(msg), staff_message(msg)
    events: list[Any] = [("message", sent, staff_view)]
    if took_over:
        events += [("status", {"status": "human", "mediator": "human"}, None), ("handover", {"to": "human"}, None)]
    await svc.publish_events(conversation_id, events)
    return staff_view, verdict


async def set_handover(svc: Service, conversation_id: str, username: str, to_human: bool) -> dict[str, Any]:
    async with svc.db.transaction() as s:
        conv = await repo.get_conversation(s, conversation_id, lock=True)
        if conv is None:
            raise NotFound("conversation not found")
        if conv.status == "closed":
            raise Conflict("this conversation is closed")
        if to_human:
            conv.status, conv.assigned_to = "human", username
            conv.escalated_at = conv.escalated_at or datetime.now(UTC)
        else:
            conv.status, conv.handover_reason, conv.escalated_at = "active", None, None
        await repo.audit(s, f"conv:{conv.id}", "takeover" if to_human else "handback", {}, actor=username,
                         conversation_id=conv.id)
        status = conv.status
    await svc.publish_events(conversation_id, [
        ("status", {"status": status, "mediator": "human" if to_human else svc.backend.name}, None),
        ("handover", {"to": "human" if to_human else "mediator"}, None),
    ])
    return {"conversation_id": conversation_id, "status": status}


async def close_conversation(svc: Service, conversation_id: str, username: str) -> dict[str, Any]:
    """Closed is final: the borrower can read the transcript but not post, nothing is sent."""
    async with svc.db.transaction() as s:
        conv = await repo.get_conversation(s, conversation_id, lock=True)
        if conv is None:
            raise NotFound("conversation not found")
        if conv.status != "closed":
            conv.status = "closed"
            await repo.audit(s, f"conv:{conv.id}", "closed", {}, actor=username, conversation_id=conv.id)
    await svc.publish(conversation_id, "status", {"status": "closed", "mediator": svc.backend.name})
    return {"conversation_id": conversation_id, "status": "closed"}


async def _assist_turn(svc: Service, conversation_id: str) -> tuple[TurnInput, Account]:
    """The turn a backend sees when it assists a human: the latest borrower message and its analysis."""
    async with svc.db.reader() as s:
        conv, account, state, _ctx = await _context_for(svc, s, conversation_id)
        last = await repo.last_borrower_message(s, conv.id)
        analysis = MessageAnalysis(**_analysis_from(last.analysis if last else None))
        history = await load_history(s, conv.id, last.seq if last else conv.next_seq)
        turn = build_turn(svc, conv.id, account, state, last.text if last else "", analysis, history)
    return turn, account


async def suggestions(svc: Service, conversation_id: str, n: int = 3) -> list[dict[str, Any]]:
    """Agent-assist suggestions: each guard-checked before a human sees it; blocked ones dropped."""
    turn, account = await _assist_turn(svc, conversation_id)
    try:
        drafts = await svc.backend.suggest(turn, n=n)
    except Exception:
        metrics.MODEL_ERRORS.labels("suggest").inc()
        log.exception("suggestions failed")
        drafts = []
    ctx = guard_context(turn.state, account, turn.offers, svc.settings.collector_name)
    out = []
    for d in drafts:
        v = guarded(svc, d, ctx, "assist")
        if v.action != "block":
            out.append({"text": v.text, "action": v.action, "violations": [x.as_dict() for x in v.violations]})
    return out


async def summary(svc: Service, conversation_id: str) -> str:
    turn, _account = await _assist_turn(svc, conversation_id)
    try:
        return await svc.backend.summarize(turn)
    except Exception:
        metrics.MODEL_ERRORS.labels("summarize").inc()
        log.exception("summary failed")
        return ""


def message_list(rows: list[Message], staff: bool) -> list[dict[str, Any]]:
    return [staff_message(m) if staff else borrower_message(m) for m in rows]

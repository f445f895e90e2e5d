"""The reconciliation itself (pure, no services): it must catch every way a turn can go wrong,
otherwise an "exact" result from the load bench or the fault tests would prove nothing."""

from __future__ import annotations

from mediator.bench.load import Transcript, TurnRecord, reconcile, reference, tagged


def _turn(conv: str, text: str, outcome: str = "ok", action: str | None = "pass") -> TurnRecord:
    return TurnRecord(conv, text, key=f"k-{text}", started=0.0, ended=0.1, attempts=1, outcome=outcome,
                      reply_action=action)


def _tr(*roles_texts: tuple[str, str], status: str = "active") -> Transcript:
    return Transcript(status, [(i + 1, role, text) for i, (role, text) in enumerate(roles_texts)])


def test_clean_conversations_reconcile_exactly() -> None:
    turns = [_turn("c1", "hello (ref a)"), _turn("c1", "can I pay later (ref b)", action="block"),
             _turn("c2", "你好（编号 c）")]
    transcripts = {
        "c1": _tr(("borrower", "hello (ref a)"), ("mediator", "hi"), ("borrower", "can I pay later (ref b)"),
                  ("mediator", "a colleague will contact you")),
        "c2": _tr(("borrower", "你好（编号 c）"), ("mediator", "您好")),
    }
    rec = reconcile(turns, transcripts)
    assert rec.exact and rec.problems == []
    assert (rec.sent, rec.stored, rec.answered, rec.guard_blocks) == (3, 3, 3, 1)


def test_a_lost_message_is_caught_even_when_the_client_gave_up() -> None:
    turns = [_turn("c1", "first"), _turn("c1", "second", outcome="gave_up", action=None)]
    rec = reconcile(turns, {"c1": _tr(("borrower", "first"), ("mediator", "ok"))})
    assert not rec.exact and rec.lost == 1 and rec.acknowledged == 1


def test_a_message_stored_twice_is_caught() -> None:
    turns = [_turn("c1", "only once please")]
    rec = reconcile(turns, {"c1": _tr(("borrower", "only once please"), ("mediator", "sure"),
                                      ("borrower", "only once please"), ("mediator", "sure again"))})
    assert not rec.exact and rec.duplicated == 1


def test_two_replies_to_one_message_are_caught() -> None:
    turns = [_turn("c1", "what are my options")]
    rec = reconcile(turns, {"c1": _tr(("borrower", "what are my options"), ("mediator", "a"), ("mediator", "b"))})
    assert not rec.exact and rec.extra_replies == 1


def test_an_unanswered_message_is_caught_but_a_muted_one_is_a_handover() -> None:
    unanswered = reconcile([_turn("c1", "hello?")], {"c1": _tr(("borrower", "hello?"))})
    assert not unanswered.exact and unanswered.unanswered == 1
    muted = reconcile([_turn("c1", "hello?", action=None)], {"c1": _tr(("borrower", "hello?"), status="human")})
    assert muted.exact and muted.muted_handovers == 1


def test_a_message_nobody_sent_and_a_sequence_gap_are_caught() -> None:
    turns = [_turn("c1", "mine")]
    tr = Transcript("active", [(1, "borrower", "mine"), (2, "mediator", "ok"), (4, "borrower", "not mine"),
                               (5, "mediator", "ok")])
    rec = reconcile(turns, {"c1": tr})
    assert not rec.exact and rec.unexpected == 1 and rec.seq_gaps == 1


def test_unfinished_idempotency_records_and_a_stuck_outbox_fail_the_reconciliation() -> None:
    turns = [_turn("c1", "hi")]
    tr = _tr(("borrower", "hi"), ("mediator", "hello"))
    tr.incomplete_keys = 1
    assert reconcile(turns, {"c1": tr}).incomplete_turns == 1
    assert not reconcile(turns, {"c1": _tr(("borrower", "hi"), ("mediator", "hello"))}, outbox_pending=2).exact


def test_references_are_unique_and_carry_no_digits() -> None:
    refs = {reference(n) for n in range(5000)}
    assert len(refs) == 5000 and not any(ch.isdigit() for r in refs for ch in r)
    assert tagged("hello", "en", 3) != tagged("hello", "en", 4)
    assert tagged("你好", "zh", 3).startswith("你好（")

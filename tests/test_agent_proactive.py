"""Proactive reminders and promise follow-ups: windows, caps, blockers, text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mediator.agent.proactive import ContactRecord, plan_proactive
from tests.conftest_agent import Convo

TZ = {"US": "America/Chicago", "UK": "Europe/London", "CN": "Asia/Shanghai"}


def plan(c: Convo, now: datetime, history=(), kind="reminder", tz: str | None = None):
    return plan_proactive(kind, state=c.state, account=c.account, offers=c.offers,
                          borrower_tz=tz or TZ[c.jurisdiction], now=now, history=history,
                          collector_name="Crestline Recovery Partners", borrower_name=c.borrower)


def local(jur: str, y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(y, mo, d, h, mi, tzinfo=ZoneInfo(TZ[jur])).astimezone(UTC)


@pytest.mark.parametrize(
    ("jur", "hour", "minute", "now_ok", "next_hour"),
    [("US", 8, 0, True, None), ("US", 20, 59, True, None), ("US", 21, 0, False, 8), ("US", 7, 59, False, 8),
     ("UK", 12, 0, True, None), ("UK", 22, 30, False, 8),
     ("CN", 21, 30, True, None), ("CN", 22, 0, False, 8), ("CN", 3, 0, False, 8)],
)
def test_contact_window_in_borrower_local_time(jur: str, hour: int, minute: int, now_ok: bool,
                                               next_hour: int | None) -> None:
    c = Convo(jurisdiction=jur, verified=True)
    now = local(jur, 2026, 7, 14, hour, minute)
    d = plan(c, now)
    assert d.allowed and d.send_now(now) is now_ok
    if not now_ok:
        assert d.send_at is not None and d.send_at.hour == next_hour and d.send_at.minute == 0
        assert d.send_at > now


def test_daily_and_weekly_caps() -> None:
    c = Convo(verified=True)
    now = local("US", 2026, 7, 14, 15)
    sent_today = [ContactRecord(local("US", 2026, 7, 14, 9))]
    d = plan(c, now, sent_today)
    assert d.send_at == local("US", 2026, 7, 15, 8)  # next day's window, and 23 h after the last one
    week = [ContactRecord(local("US", 2026, 7, day, 10)) for day in (9, 11, 13)]
    d = plan(c, now, week)
    assert d.send_at == local("US", 2026, 7, 16, 10)  # the oldest of the three leaves the 7-day window


def test_minimum_gap_between_messages() -> None:
    c = Convo(verified=True)
    now = local("US", 2026, 7, 15, 8, 30)
    d = plan(c, now, [ContactRecord(local("US", 2026, 7, 14, 20))])
    assert d.send_at == local("US", 2026, 7, 15, 16)  # 20 h after 20:00


def test_dst_change_keeps_local_window() -> None:
    c = Convo(jurisdiction="UK", verified=True)
    now = datetime(2026, 3, 29, 6, 30, tzinfo=UTC)  # 07:30 BST on the day clocks go forward
    d = plan(c, now)
    assert d.send_at == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 08:00 BST


@pytest.mark.parametrize(
    ("flag", "value", "reason"),
    [("cease_requested", True, "stop contact"), ("dispute_open", True, "dispute"), ("status", "human", "human"),
     ("status", "escalated", "escalated"), ("attorney_represented", True, "represented"),
     ("bankruptcy", True, "bankruptcy"), ("vulnerable", True, "vulnerable"),
     ("identity_verified", False, "not verified"), ("third_party", True, "not verified")],
)
def test_never_sent_when_blocked(flag: str, value: object, reason: str) -> None:
    c = Convo(verified=True)
    setattr(c.state, flag, value)
    d = plan(c, local("US", 2026, 7, 14, 12))
    assert not d.allowed and reason in d.reason and d.text is None and d.send_at is None


def test_followup_needs_a_promise_and_names_it() -> None:
    c = Convo(jurisdiction="CN", verified=True, balance="6000.00")
    now = local("CN", 2026, 7, 14, 10)
    assert not plan(c, now, kind="promise_followup").allowed
    c.state.promise = {"amount": "2000.00", "date": "2026-07-20"}
    d = plan(c, now, kind="promise_followup")
    assert d.allowed and "2000.00元" in d.text and "2026-07-20" in d.text and "自动" in d.text


@pytest.mark.parametrize("jur", ["US", "UK", "CN"])
def test_reminder_text_identifies_and_offers_opt_out(jur: str) -> None:
    c = Convo(jurisdiction=jur, verified=True)
    d = plan(c, local(jur, 2026, 7, 14, 12))
    assert "Crestline Recovery Partners" in d.text
    assert ("停止" in d.text) if jur == "CN" else ("STOP" in d.text)
    if jur == "US":
        assert "attempt to collect a debt" in d.text


def test_unknown_timezone_fails_closed() -> None:
    d = plan(Convo(verified=True), datetime(2026, 7, 14, 12, tzinfo=UTC), tz="Mars/Olympus")
    assert not d.allowed and "timezone" in d.reason


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError):
        plan(Convo(verified=True), datetime(2026, 7, 14, 12))

"""Abuse limits: per-token and per-IP rate limits (429 + Retry-After), shared through Redis
across instances; request size (413) and message length (422) limits."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import INTEGRATION_KEY, ServerThread, Stack, make_settings, open_conversation
from tests.test_alerts_durability import PrivateRedis, private_redis  # noqa: F401 - fixture


@pytest.fixture
def own_redis(stack: Stack, request: pytest.FixtureRequest) -> str | None:
    """On the services stack, a private redis-server: counters in the shared test Redis could be
    flushed or bumped by other test runs mid-count."""
    if stack.redis_url is None:
        return None
    return request.getfixturevalue("private_redis").url


def _clear_of_window_edge(margin_s: float = 6.0) -> None:
    """The limiter counts in fixed one-minute windows: start a counting test well inside one."""
    into = time.time() % 60
    if into > 60 - margin_s:
        time.sleep(60 - into + 0.2)


def _assert_429(r: httpx.Response) -> None:
    assert r.status_code == 429, (r.status_code, r.text)
    retry = int(r.headers["Retry-After"])
    assert 1 <= retry <= 60
    assert r.json()["detail"]


def test_per_token_limit_gives_429_with_retry_after(stack: Stack, tmp_path: Path, own_redis: str | None) -> None:
    with ServerThread(make_settings(stack, tmp_path, REDIS_URL=own_redis, MEDIATOR_RATE_LIMIT=3)) as srv:
        conv_a, a = open_conversation(srv)
        conv_b, b = open_conversation(srv)
        _clear_of_window_edge()
        with a, b:
            url_a = f"/v1/conversations/{conv_a}/messages"
            for i in range(3):
                assert a.post(url_a, json={"text": f"hello {i}"}).status_code == 201
            refused = a.post(url_a, json={"text": "one too many"})
            _assert_429(refused)
            # another borrower is not affected, and reading is not limited
            assert b.post(f"/v1/conversations/{conv_b}/messages", json={"text": "hi"}).status_code == 201
            listing = a.get(url_a)
            assert listing.status_code == 200
        # the refused message was not stored
        assert "one too many" not in [m["text"] for m in listing.json()["messages"]]
        assert len(listing.json()["messages"]) == 6


def test_per_ip_limit_counts_across_tokens(stack: Stack, tmp_path: Path, own_redis: str | None) -> None:
    with ServerThread(make_settings(stack, tmp_path, REDIS_URL=own_redis, MEDIATOR_RATE_LIMIT_IP=4)) as srv:
        _clear_of_window_edge()
        conv_id, borrower = open_conversation(srv)  # POST /v1/conversations: 1 (the PUT is not counted)
        url = f"/v1/conversations/{conv_id}/messages"
        with borrower, srv.integration() as integ:
            assert borrower.post(url, json={"text": "hi"}).status_code == 201  # 2
            assert integ.post("/v1/conversations", json={"account_id": "nope"}).status_code == 404  # 3
            assert borrower.post(url, json={"text": "again"}).status_code == 201  # 4
            # the fifth POST from this address is refused whatever credential it carries
            _assert_429(integ.post("/v1/conversations", json={"account_id": "nope"}))
            _assert_429(borrower.post(url, json={"text": "and again"}))
            # GETs are never limited
            assert borrower.get(f"/v1/conversations/{conv_id}").status_code == 200
            sent = [m["text"] for m in borrower.get(url).json()["messages"] if m["role"] == "borrower"]
            assert sent == ["hi", "again"]


@pytest.mark.parametrize("stack", ["services"], indirect=True)
def test_two_instances_share_the_count_through_redis(stack: Stack, tmp_path: Path, own_redis: str | None) -> None:
    settings = make_settings(stack, tmp_path, REDIS_URL=own_redis, MEDIATOR_RATE_LIMIT=4)
    with ServerThread(settings) as one, ServerThread(settings) as two:
        conv_id, borrower = open_conversation(one)
        token = borrower.headers["Authorization"]
        borrower.close()
        _clear_of_window_edge()
        url = f"/v1/conversations/{conv_id}/messages"
        with one.client(Authorization=token) as via_one, two.client(Authorization=token) as via_two:
            assert via_one.post(url, json={"text": "first"}).status_code == 201
            assert via_two.post(url, json={"text": "second"}).status_code == 201
            assert via_one.post(url, json={"text": "third"}).status_code == 201
            assert via_two.post(url, json={"text": "fourth"}).status_code == 201
            # each instance alone has seen only two: the refusal proves the count is shared
            _assert_429(via_two.post(url, json={"text": "fifth"}))
            _assert_429(via_one.post(url, json={"text": "sixth"}))


@pytest.fixture
def limited(stack: Stack, tmp_path: Path) -> Iterator[ServerThread]:
    with ServerThread(make_settings(stack, tmp_path, MEDIATOR_MAX_BODY_BYTES=2048,
                                    MEDIATOR_MAX_MESSAGE_CHARS=120)) as srv:
        yield srv


def test_oversized_bodies_are_413_declared_or_chunked(limited: ServerThread) -> None:
    conv_id, borrower = open_conversation(limited)
    url = f"/v1/conversations/{conv_id}/messages"
    body = b'{"text": "' + b"a" * 4000 + b'"}'

    def chunked() -> Iterator[bytes]:  # no Content-Length: the limit must hold while reading
        for i in range(0, len(body), 512):
            yield body[i:i + 512]

    with borrower, limited.integration() as integ:
        declared = borrower.post(url, content=body, headers={"Content-Type": "application/json"})
        assert declared.status_code == 413, declared.text
        streamed = borrower.post(url, content=chunked(), headers={"Content-Type": "application/json"})
        assert streamed.status_code == 413, streamed.text
        big_account = integ.put("/v1/accounts/a-big", content=body, headers={"Content-Type": "application/json"})
        assert big_account.status_code == 413
        # just under the limit is fine
        ok = borrower.post(url, json={"text": "b" * 100})
        assert ok.status_code == 201, ok.text
        assert next(m["text"] for m in borrower.get(url).json()["messages"]) == "b" * 100


def test_message_length_limit_is_in_characters_for_borrowers_and_staff(limited: ServerThread) -> None:
    from tests.test_service_staff import _login, _seed_staff

    _seed_staff(limited)
    conv_id, borrower = open_conversation(limited, "CN")
    url = f"/v1/conversations/{conv_id}/messages"
    with borrower, _login(limited, "mia") as mia:
        # 120 CJK characters are 360 bytes: allowed, the limit counts characters
        assert borrower.post(url, json={"text": "我" * 120}).status_code == 201
        too_long = borrower.post(url, json={"text": "我" * 121})
        assert too_long.status_code == 422 and "120" in too_long.json()["detail"]
        staff_long = mia.post(f"/v1/staff/conversations/{conv_id}/messages", json={"text": "好" * 121})
        assert staff_long.status_code == 422
        texts = [m["text"] for m in borrower.get(url).json()["messages"]]
    assert "我" * 121 not in texts and "好" * 121 not in texts
    assert texts[0] == "我" * 120


def test_rate_limit_off_by_default_in_tests_but_on_in_settings() -> None:
    """The shipped defaults limit both a token and an address (0 would disable them)."""
    from mediator.settings import Settings

    s = Settings(_env_file=None)
    assert s.rate_limit_per_minute > 0 and s.rate_limit_ip_per_minute > 0
    assert s.max_body_bytes <= 1024 * 1024 and s.max_message_chars > 0
    assert INTEGRATION_KEY  # the fixtures' key is not the default: keys come from the environment

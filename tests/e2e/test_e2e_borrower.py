"""The borrower's widget in a real Chromium: chatting in English and Chinese, the automated
notice and disclosure, keyboard use, mobile layout, and a dropped stream that is replayed
without losing or duplicating messages."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest

pytestmark = pytest.mark.browser

WIDGET = "#chat"
LOG = f"{WIDGET} [data-part=log]"
INPUT = f"{WIDGET} [data-part=input]"
CJK = re.compile(r"[\u4e00-\u9fff]")


def open_demo(page: Any, server: Any, account: str) -> dict[str, str]:
    """Start a demo conversation on ``account``; returns {conversation_id, borrower_token, ...}."""
    page.goto(f"{server.base}/demo?account={account}")
    page.wait_for_selector(f"{WIDGET}[data-connected=true]")
    return json.loads(page.evaluate("sessionStorage.getItem('mediator.demo')"))


def shown(page: Any) -> list[dict[str, str]]:
    """The messages the widget shows, in display order."""
    return page.eval_on_selector_all(
        f"{LOG} .mw-msg[data-id]",
        "els => els.map(e => ({id: e.dataset.id, role: e.dataset.role, seq: e.dataset.seq,"
        " text: e.childNodes[1] ? e.childNodes[1].textContent : ''}))",
    )


def wait_for_count(page: Any, role: str, n: int) -> None:
    page.wait_for_function(
        "([sel, role, n]) => { const h = document.querySelector(sel);"
        " return h && h.shadowRoot.querySelectorAll(`.mw-msg[data-role=${role}][data-id]`).length >= n; }",
        arg=[WIDGET, role, n],
    )


def wait_for_total(page: Any, n: int) -> None:
    page.wait_for_function(
        "([sel, n]) => document.querySelector(sel).shadowRoot"
        ".querySelectorAll('.mw-msg[data-id]').length >= n",
        arg=[WIDGET, n],
    )


def send(page: Any, text: str) -> None:
    page.fill(INPUT, text)
    page.press(INPUT, "Enter")


def server_transcript(server: Any, conv: dict[str, str]) -> list[dict[str, Any]]:
    path = f"/v1/conversations/{conv['conversation_id']}/messages"
    return server.get(path, token=conv["borrower_token"])["messages"]


def test_borrower_chats_in_english(server: Any, new_page: Any, screenshot: Any) -> None:
    page = new_page()
    conv = open_demo(page, server, "demo-us")
    notice = page.locator(f"{WIDGET} [data-part=notice]")
    assert "automated assistant" in notice.inner_text()
    # the demo runs the offline mediator, and the widget says so
    page.locator(f"{WIDGET} [data-part=automated]", has_text="Offline assistant").wait_for(timeout=10_000)
    assert "person" in page.locator(f"{WIDGET} [data-part=human]").inner_text().lower()
    assert page.locator(f"{WIDGET} [data-part=disclosure]").inner_text().strip()

    # accessibility: the log is announced politely and the input has a label
    log = page.locator(LOG)
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"
    assert page.locator(f"{WIDGET} label").inner_text() == "Your message"

    before = len(shown(page))
    send(page, "hi, I lost my job last month and can't pay the full amount. can we set up a plan?")
    wait_for_count(page, "borrower", 1)
    wait_for_count(page, "mediator", 1)
    page.wait_for_selector(f"{WIDGET}[data-typing=false]")
    msgs = shown(page)
    assert len(msgs) > before
    assert [m["text"] for m in msgs if m["role"] == "borrower"] == [
        "hi, I lost my job last month and can't pay the full amount. can we set up a plan?"
    ]
    # exactly what the server says the borrower was shown, in the same order, once each
    server_ids = [m["id"] for m in server_transcript(server, conv)]
    assert [m["id"] for m in msgs] == server_ids
    assert page.errors == []
    screenshot(page, "widget-en")


def test_borrower_chats_in_chinese(server: Any, new_page: Any, screenshot: Any) -> None:
    page = new_page()
    conv = open_demo(page, server, "demo-cn")
    assert "自动化助手" in page.locator(f"{WIDGET} [data-part=automated]").inner_text()
    assert page.locator(f"{WIDGET} [data-part=send]").inner_text() == "发送"
    send(page, "你好，我最近收入减少了，想申请分期还款，可以吗？")
    wait_for_count(page, "mediator", 1)
    replies = [m["text"] for m in shown(page) if m["role"] == "mediator"]
    assert replies and all(CJK.search(t) for t in replies)
    assert [m["id"] for m in shown(page)] == [m["id"] for m in server_transcript(server, conv)]
    assert page.errors == []
    screenshot(page, "widget-zh")


def test_keyboard_only_and_mobile_layout(server: Any, new_page: Any, screenshot: Any) -> None:
    page = new_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    open_demo(page, server, "demo-uk")
    # the widget fills the narrow screen instead of overflowing it
    width = page.evaluate(f"document.querySelector('{WIDGET}').shadowRoot.querySelector('.mw')"
                          ".getBoundingClientRect().width")
    assert 300 <= width <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    # tab order reaches the message box, typing and Enter send without a mouse
    page.locator(INPUT).focus()
    focused = page.evaluate(f"document.querySelector('{WIDGET}').shadowRoot.activeElement.dataset.part")
    assert focused == "input"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(f"document.querySelector('{WIDGET}').shadowRoot.activeElement.dataset.part") == "log"
    page.keyboard.press("Tab")
    page.keyboard.type("Could you tell me what I owe?")
    page.keyboard.press("Enter")
    wait_for_count(page, "borrower", 1)
    wait_for_count(page, "mediator", 1)
    screenshot(page, "widget-mobile")


def test_dropped_stream_is_replayed_without_loss_or_duplicates(server: Any, new_page: Any) -> None:
    page = new_page()
    conv = open_demo(page, server, "demo-us")
    send(page, "What is the balance on this account?")
    wait_for_count(page, "mediator", 1)

    # drop the connection and keep the browser offline while the conversation moves on
    page.context.set_offline(True)
    page.evaluate("sel => { const es = document.querySelector(sel).__mediatorWidget.source;"
                  " es.close(); es.onerror(); }", WIDGET)
    page.wait_for_selector(f"{WIDGET}[data-connected=false]")
    key = str(uuid.uuid4())
    body = {"text": "I'd like to pay in instalments please"}
    headers = {"Idempotency-Key": key}
    first = server.post(f"/v1/conversations/{conv['conversation_id']}/messages", body,
                        token=conv["borrower_token"], headers=headers)
    assert first.status_code == 201
    # a retry with the same key stores nothing twice
    again = server.post(f"/v1/conversations/{conv['conversation_id']}/messages", body,
                        token=conv["borrower_token"], headers=headers)
    assert again.json()["message"]["id"] == first.json()["message"]["id"]

    page.context.set_offline(False)
    page.wait_for_selector(f"{WIDGET}[data-connected=true]", timeout=30_000)
    wait_for_count(page, "borrower", 2)
    expected = server_transcript(server, conv)
    wait_for_total(page, len(expected))
    msgs = shown(page)
    assert [m["id"] for m in msgs] == [m["id"] for m in expected]
    assert len({m["id"] for m in msgs}) == len(msgs)

    # a full reload replays the same history from the server, still once each
    page.reload()
    page.wait_for_selector(f"{WIDGET}[data-connected=true]")
    wait_for_total(page, len(expected))
    assert [m["id"] for m in shown(page)] == [m["id"] for m in expected]


def test_widget_embeds_with_one_script_tag(server: Any, new_page: Any) -> None:
    """A lender's page: nothing but the script tag with data attributes."""
    started = server.post("/v1/conversations", {"account_id": "demo-uk", "identity_verified": False})
    assert started.status_code == 201
    conv = started.json()
    page = new_page()
    page.goto(f"{server.base}/healthz")  # any same-origin page; we replace its content below
    page.set_content(
        f'<!doctype html><html><body><h1>Lender site</h1><script src="{server.base}/widget.js"'
        f' data-api-base="{server.base}" data-token="{conv["borrower_token"]}"'
        f' data-conversation="{conv["conversation_id"]}" data-lang="en"></script></body></html>'
    )
    page.wait_for_selector("[data-mediator-widget][data-connected=true]")
    send_box = "[data-mediator-widget] [data-part=input]"
    page.fill(send_box, "hello, who is this?")
    page.press(send_box, "Enter")
    page.wait_for_function(
        "() => document.querySelector('[data-mediator-widget]').shadowRoot"
        ".querySelectorAll('.mw-msg[data-role=mediator]').length >= 1"
    )
    assert page.errors == []

"""Staff pages in a real Chromium: a mediator takes over a conversation, edits a suggestion,
gets a violating edit refused, sends a compliant one that the borrower sees live; a supervisor
acknowledges the alert a complaint threat raised; a mediator cannot reach the dashboard; a
reply the guard blocks never reaches the widget."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.browser

WIDGET = "#chat"
INPUT = f"{WIDGET} [data-part=input]"


def open_demo(page: Any, server: Any, account: str) -> dict[str, str]:
    page.goto(f"{server.base}/demo?account={account}")
    page.wait_for_selector(f"{WIDGET}[data-connected=true]")
    return json.loads(page.evaluate("sessionStorage.getItem('mediator.demo')"))


def borrower_says(page: Any, text: str) -> None:
    """Type in the widget and wait until the mediator has answered (or a human has the chat)."""
    page.fill(INPUT, text)
    page.press(INPUT, "Enter")
    page.wait_for_function(
        "([sel, text]) => [...document.querySelector(sel).shadowRoot"
        ".querySelectorAll('.mw-msg[data-role=borrower][data-id]')].some(e => e.textContent.includes(text))",
        arg=[WIDGET, text],
    )
    page.wait_for_selector(f"{WIDGET}[data-typing=false]")


def widget_texts(page: Any, role: str) -> list[str]:
    return page.eval_on_selector_all(
        f"{WIDGET} .mw-msg[data-role={role}][data-id]",
        "els => els.map(e => e.childNodes[1] ? e.childNodes[1].textContent : '')",
    )


def test_mediator_takes_over_and_the_guard_refuses_a_bad_edit(
    server: Any, new_page: Any, sign_in: Any, screenshot: Any
) -> None:
    borrower = new_page()
    conv = open_demo(borrower, server, "demo-us")
    borrower_says(borrower, "I think this amount is wrong and I'm really stressed about it")

    staff = new_page()
    sign_in(staff, server, "mediator", "mediator-demo", f"/panel?c={conv['conversation_id']}")
    staff.wait_for_selector(f"#queue button[data-conversation='{conv['conversation_id']}']")
    staff.wait_for_selector("#transcript li[data-role=borrower]")
    assert "Supervisor" not in staff.locator("nav").inner_text()  # a mediator sees no dashboard link

    staff.click("#takeover")
    staff.wait_for_selector("#conv-status [data-status=human]")
    assert staff.locator("#handback").is_visible()
    # the borrower is told live that a person has joined
    borrower.wait_for_function(
        "sel => [...document.querySelector(sel).shadowRoot.querySelectorAll('.mw-system')]"
        ".some(e => /team|person|human/i.test(e.textContent))",
        arg=WIDGET,
    )

    # edit a suggestion into something abusive and threatening: refused, with the reason
    staff.wait_for_selector("[data-testid=suggestion] [data-action=edit]")
    staff.click("[data-testid=suggestion] >> nth=0 >> [data-action=edit]")
    suggested = staff.input_value("#compose")
    assert suggested.strip()
    bad = suggested + " Pay today, you deadbeat, or we will have you arrested."
    staff.fill("#compose", bad)
    staff.click("#send")
    staff.wait_for_selector("#check-result[data-outcome=block]")
    refusal = staff.locator("#check-result").inner_text()
    assert "THREAT" in refusal or "ABUSIVE_LANGUAGE" in refusal
    screenshot(staff, "panel-refused")

    # a compliant reply goes through and the borrower sees it without reloading
    # (the borrower is not verified yet, so a compliant reply must not mention the debt)
    good = "Thank you for your patience, I'm a member of the team and I'm looking at your message now."
    staff.fill("#compose", good)
    staff.click("#send")
    staff.wait_for_selector("#check-result[data-outcome=sent]")
    staff.wait_for_selector("#transcript li[data-role=agent]")
    borrower.wait_for_function(
        "([sel, text]) => [...document.querySelector(sel).shadowRoot"
        ".querySelectorAll('.mw-msg[data-role=agent]')].some(e => e.textContent.includes(text))",
        arg=[WIDGET, good],
    )
    shown = " ".join(widget_texts(borrower, "agent") + widget_texts(borrower, "mediator"))
    assert "deadbeat" not in shown and "arrested" not in shown
    assert staff.errors == [] and borrower.errors == []
    screenshot(staff, "panel")
    screenshot(borrower, "widget-after-takeover")

    staff.click("#handback")
    staff.wait_for_selector("#conv-status [data-status=active]")


def test_supervisor_acknowledges_a_complaint_threat(
    server: Any, new_page: Any, sign_in: Any, screenshot: Any
) -> None:
    borrower = new_page()
    conv = open_demo(borrower, server, "demo-uk")
    borrower_says(borrower, "This is ridiculous. I'm going to report you to the Financial Ombudsman "
                            "and take you to court if this isn't sorted today.")

    sup = new_page()
    sign_in(sup, server, "supervisor", "supervisor-demo", "/supervisor")
    link = f"a[href='/panel?c={conv['conversation_id']}']"
    row = sup.locator(f"#alerts li[data-kind=complaint_threat]:has({link})")
    row.first.wait_for()
    sup.wait_for_selector("#chart-risk svg, #chart-risk p")
    assert sup.locator(".charts svg").count() >= 1
    screenshot(sup, "supervisor")
    sup.click("[data-lang-toggle]")
    assert sup.inner_text("#alerts-title") == "警报"
    assert "投诉威胁" in row.first.inner_text()
    screenshot(sup, "supervisor-zh")
    sup.click("[data-lang-toggle]")

    row.first.locator("[data-action=ack]").click()
    # the acknowledged alert leaves the open list and shows up under "Acknowledged"
    sup.wait_for_function(
        "id => ![...document.querySelectorAll('#alerts li[data-kind=complaint_threat]')]"
        ".some(li => li.querySelector(`a[href='/panel?c=${id}']`) && li.dataset.status === 'open')",
        arg=conv["conversation_id"],
    )
    sup.click("[data-filter=acknowledged]")
    acked = sup.locator(f"#alerts li[data-status=acknowledged]:has({link})")
    acked.first.wait_for()
    assert "supervisor" in acked.first.inner_text()
    token = server.staff_token("supervisor", "supervisor-demo")
    alerts = server.get(f"/v1/alerts?conversation_id={conv['conversation_id']}&kind=complaint_threat",
                        token=token)["alerts"]
    assert any(a["status"] == "acknowledged" and a["acknowledged_by"] == "supervisor" for a in alerts)
    assert sup.errors == []

    # "open conversation" leads to the panel on that conversation
    acked.first.locator("a").click()
    sup.wait_for_selector("#transcript li[data-role=borrower]")
    assert conv["conversation_id"] in sup.url
    screenshot(sup, "panel-from-alert")


def test_a_mediator_cannot_use_the_dashboard(
    server: Any, new_page: Any, sign_in: Any, screenshot: Any
) -> None:
    page = new_page()
    sign_in(page, server, "mediator", "mediator-demo", "/supervisor")
    page.wait_for_selector("#forbidden:not([hidden])")
    assert not page.locator("#dashboard").is_visible()
    status = page.evaluate(
        "() => fetch('/v1/alerts', {headers: {Authorization: 'Bearer ' +"
        " JSON.parse(sessionStorage.getItem('mediator.staff')).token}}).then(r => r.status)"
    )
    assert status == 403
    screenshot(page, "supervisor-forbidden")


def test_sign_in_refuses_a_wrong_password_and_pages_need_a_session(
    server: Any, new_page: Any, screenshot: Any
) -> None:
    page = new_page()
    page.goto(f"{server.base}/panel")
    page.wait_for_url("**/login?next=*")
    page.fill("#username", "mediator")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-error]:not([hidden])")
    assert "Wrong username or password" in page.inner_text("[data-error]")
    page.click("[data-lang-toggle]")
    assert page.inner_text("h1") == "员工登录"
    screenshot(page, "login")


def test_a_blocked_reply_never_reaches_the_widget(
    adversarial_server: Any, new_page: Any, screenshot: Any
) -> None:
    server = adversarial_server
    borrower = new_page()
    conv = open_demo(borrower, server, "demo-us")
    token = server.staff_token("supervisor", "supervisor-demo")
    blocked: list[dict[str, Any]] = []
    for text in ("I can't pay this month.", "What happens if I don't pay?", "Please leave me alone for a bit"):
        borrower_says(borrower, text)
        detail = server.get(f"/v1/staff/conversations/{conv['conversation_id']}", token=token)
        blocked = [m for m in detail["messages"]
                   if (m.get("verdict") or {}).get("action") == "block" and m.get("draft")]
        if blocked:
            break
    assert blocked, "the adversarial stub should have produced a draft the guard blocks"
    shown = widget_texts(borrower, "mediator")
    for m in blocked:
        assert m["draft"] not in shown
        assert m["text"] in shown  # the safe fallback is what the borrower got
    assert all(m["draft"] not in " ".join(shown) for m in blocked)
    screenshot(borrower, "widget-blocked-reply")

    staff = new_page()
    staff.goto(f"{server.base}/login?next=/panel?c={conv['conversation_id']}")
    staff.fill("#username", "mediator")
    staff.fill("#password", "mediator-demo")
    staff.click("button[type=submit]")
    staff.wait_for_selector("#transcript li.blocked [data-testid=verdict]")
    verdict = staff.locator("#transcript li.blocked [data-testid=verdict]").first
    assert verdict.locator("[data-code]").count() >= 1
    screenshot(staff, "panel-blocked-verdict")

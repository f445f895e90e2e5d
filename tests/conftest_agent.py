"""Shared helpers for the agent tests: turn builders and one stub model server per module.

Import from test files (``from conftest_agent import ...``); the lead owns conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from mediator.agent.base import HistoryItem, TurnInput
from mediator.agent.tools import Toolbox
from mediator.domain import AccountFacts, ConversationState, MessageAnalysis
from mediator.plans import approved_offers
from mediator.settings import Settings

CURRENCY = {"US": "USD", "UK": "GBP", "CN": "CNY"}
LANGUAGE = {"US": "en", "UK": "en", "CN": "zh"}
# verification facts per jurisdiction (invented), in the service's canonical form
FACTS = {
    "US": {"date_of_birth": "1979-11-03", "postcode": "60614"},
    "UK": {"date_of_birth": "1979-11-03", "postcode": "LS61AN"},
    "CN": {"date_of_birth": "1979-11-03", "postcode": "310012"},
}
# how a borrower writes those facts
FACTS_TEXT = {
    "US": "sure, born 11/03/1979, zip is 60614",
    "UK": "It's 3/11/1979 and my postcode is ls6 1an",
    "CN": "我的出生日期是1979年11月3日，邮编310012",
}


def canonical_verifier(jurisdiction: str):
    expected = FACTS[jurisdiction]

    def verify(presented: dict[str, str]) -> bool:
        return presented == expected

    return verify


@dataclass
class Convo:
    """A conversation under test: state, account and offers that persist across turns."""

    jurisdiction: str = "US"
    balance: str = "1872.60"
    days_past_due: int = 95
    creditor: str = "Harborview Credit Union"
    borrower: str = "Marisol Vega"
    verified: bool = False
    language: str | None = None
    history: list[HistoryItem] = field(default_factory=list)

    def __post_init__(self) -> None:
        lang = self.language or LANGUAGE[self.jurisdiction]
        self.state = ConversationState(jurisdiction=self.jurisdiction, language=lang,  # type: ignore[arg-type]
                                       identity_verified=self.verified)
        self.account = AccountFacts(creditor=self.creditor, balance=Decimal(self.balance),
                                    currency=CURRENCY[self.jurisdiction], days_past_due=self.days_past_due)
        self.offers = approved_offers(self.account, self.jurisdiction)

    def turn(self, message: str, *intents: str, on_progress=None) -> TurnInput:
        toolbox = Toolbox(self.state, self.account, self.offers, self.jurisdiction, self.state.language,
                          canonical_verifier(self.jurisdiction))
        return TurnInput(
            conversation_id="c-test", state=self.state, account=self.account, borrower_name=self.borrower,
            collector_name="Crestline Recovery Partners", offers=self.offers, history=tuple(self.history),
            message=message, analysis=MessageAnalysis(tuple(intents), 0.2, self.state.language),
            toolbox=toolbox, on_progress=on_progress,
        )

    def sent(self, borrower_text: str, reply_text: str) -> None:
        """Record a delivered exchange, as the pipeline does after the guard passed it."""
        self.history += [HistoryItem("borrower", borrower_text), HistoryItem("mediator", reply_text)]
        self.state.replies_sent += 1


@pytest.fixture(scope="module")
def stub() -> Iterator[object]:
    from mediator.devtools.stub_openai import run_stub

    with run_stub(mode="helpful") as server:
        yield server


def llm_settings(url: str, timeout: float = 0.6, retries: int = 2) -> Settings:
    return Settings(OPENAI_BASE_URL=url, OPENAI_API_KEY=None, MEDIATOR_MODEL="stub-model",
                    MEDIATOR_LLM_TIMEOUT=timeout, MEDIATOR_LLM_MAX_RETRIES=retries)

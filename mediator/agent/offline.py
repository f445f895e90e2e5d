"""The offline mediator: deterministic replies from the state machine, the plan engine,
retrieval and the templates in ``prompts/``. It needs no model, so the service is
useful out of the box and every test runs without one. It is labelled ``offline``.
"""

from __future__ import annotations

from decimal import Decimal

from mediator.agent.base import AgentReply, TurnInput
from mediator.agent.compose import Composer, Prepared, prepare, shadow
from mediator.agent.prompts import PromptLibrary
from mediator.agent.tools import Toolbox
from mediator.plans import format_money


def handover_of(turn: TurnInput, prepared: Prepared) -> tuple[bool, str | None]:
    """Whether this turn ends with a human taking over, and why."""
    d = prepared.directive
    if d.handover:
        return True, d.handover_reason
    if prepared.verify == "locked" or turn.state.status == "escalated":
        return True, turn.state.handover_reason or "verification attempts exhausted"
    return False, None


def events_of(turn: TurnInput, prepared: Prepared) -> list[str]:
    toolbox_events = turn.toolbox.events if isinstance(turn.toolbox, Toolbox) else []
    return list(dict.fromkeys([*prepared.directive.events, *toolbox_events]))


class OfflineBackend:
    """Template mediator in English and Chinese."""

    name = "offline"

    def __init__(self, library: PromptLibrary | None = None) -> None:
        self.composer = Composer(library)

    async def reply(self, turn: TurnInput) -> AgentReply:
        prepared = prepare(turn)
        handover, reason = handover_of(turn, prepared)
        return AgentReply(
            text=self.composer.compose(turn, prepared),
            backend=self.name,
            prompt_version=self.composer.library.version(turn.state.language),
            handover=handover,
            handover_reason=reason,
            events=events_of(turn, prepared),
        )

    async def suggest(self, turn: TurnInput, n: int = 3) -> list[str]:
        """Drafts for a human mediator: the policy reply, then the options and a check-in.

        Suggestions read the state without changing it (the human decides what happens).
        """
        private = shadow(turn)
        prepared = prepare(private)
        lang = turn.state.language
        drafts = [self.composer.compose(private, prepared)]
        d = prepared.directive
        f = self.composer.facts(private, prepared)
        if d.may_request_payment and d.mode not in ("options",) and turn.offers:
            drafts.append(self.composer.library.fragment(lang, "options", f=f))
        if not d.template_only:
            drafts.append(self.composer.library.fragment(lang, "general", f=f))
        drafts.append(self.composer.library.fragment(lang, "fallback", f=f))
        return [t for t in dict.fromkeys(drafts) if t][:n]

    async def summarize(self, turn: TurnInput) -> str:
        return summarize_state(self.composer, turn)


def summarize_state(composer: Composer, turn: TurnInput) -> str:
    """A deterministic running summary from the state and the latest analysis."""
    s, lang = turn.state, turn.state.language
    zh = lang == "zh"
    flags = [name for name, on in (
        ("cease requested" if not zh else "要求停止联系", s.cease_requested),
        ("dispute open" if not zh else "异议处理中", s.dispute_open),
        ("hardship" if not zh else "经济困难", s.hardship),
        ("vulnerable" if not zh else "脆弱客户", s.vulnerable),
        ("represented" if not zh else "已委托代理人", s.attorney_represented),
        ("bankruptcy" if not zh else "破产", s.bankruptcy),
        ("third party" if not zh else "第三方", s.third_party),
    ) if on]
    if s.identity_verified:
        name = f" {turn.borrower_name}" if turn.borrower_name else ""
        who = ("已核实本人" if zh else "verified borrower") + name
    else:
        who = "未核实身份" if zh else "not verified"
    promise = ""
    if s.promise:
        amount = format_money(Decimal(s.promise["amount"]), turn.account.currency, lang)
        promise = f"{amount} @ {s.promise['date']}"
    next_step = {
        "human": "人工处理中" if zh else "a human mediator is handling it",
        "escalated": "等待人工接手" if zh else "waiting for a human to take over",
    }.get(s.status, ("继续沟通" if zh else "continue the conversation"))
    summary = {
        "who": who,
        "status": s.status,
        "flags": ", ".join(flags) if not zh else "、".join(flags),
        "intents": ", ".join(turn.analysis.intents),
        "promise": promise,
        "turns": sum(1 for h in turn.history if h.role == "borrower") + 1,
        "next_step": next_step,
    }
    return composer.library.fragment(lang, "summary", s=summary)

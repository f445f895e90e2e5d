"""The LLM mediator: any OpenAI-compatible server through the official ``openai`` client.

The model writes the words; deterministic code decides everything else. The state
machine picks the mode (crisis, attorney, bankruptcy, cease and third-party turns are
answered from templates without calling the model), the system prompt carries only the
facts the mode allows, and every figure comes from the tools. Failures never raise:
timeouts, 5xx and 429 are retried with backoff inside a time budget (429 honours
Retry-After); a malformed or unknown tool call is answered with an error result, and a
second one ends the attempt; an empty answer is retried once. After that the policy
fallback is returned with ``handover=True``.

Streaming is used to report progress (character counts, tool names) through
``TurnInput.on_progress``; the text itself is only returned whole, for the guard.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import openai
from openai import AsyncOpenAI

from mediator.agent import machine
from mediator.agent.base import AgentReply, HistoryItem, TurnInput
from mediator.agent.compose import Composer, Prepared, prepare, present_offers, shadow
from mediator.agent.offline import OfflineBackend, events_of, handover_of, summarize_state
from mediator.agent.prompts import PromptLibrary
from mediator.agent.tools import Toolbox
from mediator.plans import describe_offer, format_money
from mediator.settings import Settings, get_settings

_RETRYABLE = (openai.APITimeoutError, openai.APIConnectionError, openai.InternalServerError,
              openai.RateLimitError)
HISTORY_LIMIT = 20
MALFORMED_PREFIXES = (
    "unknown tool", "arguments are not", "arguments must", "bad arguments", "every argument",
)


class ModelFailure(Exception):
    """The model could not give a usable answer within the retry budget."""


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str


@dataclass
class Draft:
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)


def _retry_after(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    if response is None:
        return None
    headers = response.headers
    try:
        if headers.get("retry-after-ms"):
            return float(headers["retry-after-ms"]) / 1000
        if headers.get("retry-after"):
            return float(headers["retry-after"])
    except ValueError:
        return None
    return None


async def _notify(turn: TurnInput | None, event: dict[str, Any]) -> None:
    callback = turn.on_progress if turn is not None else None
    if callback is None:
        return
    try:
        result = callback(event)
        if inspect.isawaitable(result):
            await result
    except Exception:  # a broken progress listener must not break the turn
        return


async def _sse_chunks(response: Any) -> Any:
    """The JSON chunks of an OpenAI-style server-sent-event stream, up to ``[DONE]``. What
    follows ``[DONE]`` is read to the end, not abandoned: a response closed half-read also closes
    its connection, and every model call would pay for a new one."""
    done = False
    async for line in response.iter_lines():
        if done or not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            done = True
            continue
        try:
            chunk = json.loads(data)
        except ValueError as exc:
            raise openai.APIResponseValidationError(response=response.http_response, body=data,
                                                    message="a streamed chunk is not JSON") from exc
        if isinstance(chunk, dict):
            if chunk.get("error"):
                raise openai.APIError(str(chunk["error"])[:200], request=response.http_request, body=chunk)
            yield chunk


def _history_messages(history: tuple[HistoryItem, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in history[-HISTORY_LIMIT:]:
        if item.role == "borrower":
            out.append({"role": "user", "content": item.text})
        elif item.role in ("mediator", "agent"):
            out.append({"role": "assistant", "content": item.text})
    return out


class OpenAIBackend:
    """Mediator backed by an OpenAI-compatible chat-completions endpoint."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        client: AsyncOpenAI | None = None,
        model: str | None = None,
        max_rounds: int = 4,
        backoff_s: float = 0.25,
        budget_s: float | None = None,
        library: PromptLibrary | None = None,
    ) -> None:
        s = settings or get_settings()
        self.model = model or s.mediator_model or "gpt-4o-mini"
        self.name = f"openai:{self.model}"
        self.timeout_s = s.llm_timeout_s
        self.max_retries = max(s.llm_max_retries, 0)
        self.max_rounds = max_rounds
        self.backoff_s = backoff_s
        self.budget_s = budget_s if budget_s is not None else self.timeout_s * (self.max_retries + 1) + 5
        self.client = client or AsyncOpenAI(
            base_url=s.openai_base_url, api_key=s.openai_api_key or "none",
            timeout=self.timeout_s, max_retries=0,
        )
        self.composer = Composer(library)
        self.offline = OfflineBackend(self.composer.library)

    def warm_up(self) -> None:
        """Import what the client loads on its first call (its chat API modules, ~0.7 s), so
        a server's first borrower does not wait for it. No network."""
        _ = self.client.chat.completions.with_streaming_response

    async def aclose(self) -> None:
        """Close the HTTP client (the service calls this on shutdown)."""
        await self.client.close()

    # -- one model call, with bounded retries ------------------------------------
    async def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None,
                       turn: TurnInput | None = None) -> Draft:
        deadline = time.monotonic() + self.budget_s
        attempt = 0
        while True:
            try:
                return await self._stream_once(messages, tools, turn)
            except _RETRYABLE as exc:
                attempt += 1
                if attempt > self.max_retries:
                    raise ModelFailure(f"{type(exc).__name__} after {attempt} attempts") from exc
                wait = self.backoff_s * (2 ** (attempt - 1)) * (1 + random.random() / 4)
                if isinstance(exc, openai.RateLimitError):
                    wait = _retry_after(exc) or wait
                if time.monotonic() + wait > deadline:
                    raise ModelFailure(f"{type(exc).__name__}: retry budget exhausted") from exc
                await _notify(turn, {"stage": "retry", "attempt": attempt, "error": type(exc).__name__})
                await asyncio.sleep(wait)
            except openai.OpenAIError as exc:
                raise ModelFailure(f"{type(exc).__name__}: {str(exc)[:200]}") from exc

    async def _stream_once(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None,
                           turn: TurnInput | None) -> Draft:
        # messages and tools are already plain wire-format JSON: sent as the body as they are,
        # they skip the client's recursive typed transform (~2.5 ms of CPU per call, measured)
        body: dict[str, Any] = {"messages": messages}
        if tools:
            body["tools"] = tools
        content: list[str] = []
        calls: dict[int, dict[str, str]] = {}
        chars = 0
        # the client still does the HTTP, timeouts and error mapping; the server-sent chunks are
        # read as plain JSON (building typed objects per chunk was most of the client's CPU)
        async with self.client.chat.completions.with_streaming_response.create(
            model=self.model, messages=[], stream=True, temperature=0.3, extra_body=body
        ) as response:
            async for chunk in _sse_chunks(response):
                choices = chunk.get("choices") or []
                if not choices:
                    continue
                delta = choices[0].get("delta") or {}
                if delta.get("content"):
                    content.append(delta["content"])
                    chars += len(delta["content"])
                    await _notify(turn, {"stage": "drafting", "chars": chars})
                for tc in delta.get("tool_calls") or []:
                    slot = calls.setdefault(int(tc.get("index", 0)), {"id": "", "name": "", "arguments": ""})
                    slot["id"] = tc.get("id") or slot["id"]
                    function = tc.get("function") or {}
                    slot["name"] = function.get("name") or slot["name"]
                    slot["arguments"] += function.get("arguments") or ""
        return Draft(
            text="".join(content),
            tool_calls=[ToolCall(c["id"] or f"call_{i}", c["name"], c["arguments"])
                        for i, c in sorted(calls.items())],
        )

    # -- prompts -----------------------------------------------------------------
    def system_prompt(self, turn: TurnInput, prepared: Prepared) -> str:
        d, s, a = prepared.directive, turn.state, turn.account
        lang = s.language
        f = self.composer.facts(turn, prepared)
        options = [describe_offer(o, a.currency, lang) for o in present_offers(turn.offers, d.mode)] if (
            d.may_disclose_debt and d.may_request_payment) else []
        facts = None
        if d.may_disclose_debt:
            facts = {"creditor": a.creditor or "-", "days_past_due": a.days_past_due or 0,
                     "balance": format_money(a.balance, a.currency, lang) if a.balance is not None else "-"}
        return self.composer.library.render(
            lang, "mediator_system",
            collector=turn.collector_name, creditor=f["creditor"], jurisdiction=s.jurisdiction,
            may_disclose=d.may_disclose_debt, may_request_payment=d.may_request_payment,
            instruction=self.composer.instruction(lang, d.mode), decline_injection=d.decline_injection,
            complaint_route=d.complaint_route, complaints=f["complaints"], facts=facts, options=options,
            advice=f["advice"], postcode_word=f["postcode_word"],
        )

    # -- the turn ----------------------------------------------------------------
    def _reply(self, turn: TurnInput, prepared: Prepared, text: str, calls: list[dict[str, object]],
               handover: bool = False, reason: str | None = None) -> AgentReply:
        policy_handover, policy_reason = handover_of(turn, prepared)
        return AgentReply(
            text=text, backend=self.name, prompt_version=self.composer.library.version(turn.state.language),
            handover=handover or policy_handover, handover_reason=reason or policy_reason,
            tool_calls=calls, events=events_of(turn, prepared),
        )

    def _fallback(self, turn: TurnInput, prepared: Prepared, calls: list[dict[str, object]],
                  reason: str) -> AgentReply:
        body = self.composer.fallback(turn, prepared.directive)
        text = self.composer.compose(turn, prepared, body=body)
        return self._reply(turn, prepared, text, calls, handover=True, reason=reason)

    @staticmethod
    async def _run_tools(turn: TurnInput, toolbox: Toolbox, draft: Draft, conversation: list[dict[str, Any]],
                         calls: list[dict[str, object]]) -> int:
        """Run the draft's tool calls, append the exchange; return how many calls were malformed."""
        conversation.append({
            "role": "assistant", "content": draft.text or None,
            "tool_calls": [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in draft.tool_calls
            ],
        })
        bad = 0
        for c in draft.tool_calls:
            await _notify(turn, {"stage": "tool", "name": c.name})
            result = toolbox.dispatch(c.name, c.arguments)
            calls.append({"name": c.name, "arguments": c.arguments, "result": result})
            if str(result.get("error", "")).startswith(MALFORMED_PREFIXES):
                bad += 1
            conversation.append({"role": "tool", "tool_call_id": c.id,
                                 "content": json.dumps(result, ensure_ascii=False)})
        return bad

    async def reply(self, turn: TurnInput) -> AgentReply:
        prepared = prepare(turn)
        if prepared.directive.template_only or prepared.verify == "locked":
            return self._reply(turn, prepared, self.composer.compose(turn, prepared), [])
        toolbox = turn.toolbox if isinstance(turn.toolbox, Toolbox) else None
        tools = toolbox.schemas() if toolbox else None
        conversation = [*_history_messages(turn.history), {"role": "user", "content": turn.message}]
        calls: list[dict[str, object]] = []
        bad_calls = empties = 0
        for round_no in range(self.max_rounds):
            messages = [{"role": "system", "content": self.system_prompt(turn, prepared)}, *conversation]
            await _notify(turn, {"stage": "model_call", "round": round_no + 1})
            try:
                draft = await self.complete(messages, tools, turn)
            except ModelFailure as exc:
                return self._fallback(turn, prepared, calls, f"model failure: {exc}")
            if draft.tool_calls and toolbox is not None:
                bad_calls += await self._run_tools(turn, toolbox, draft, conversation, calls)
                if bad_calls >= 2:
                    return self._fallback(turn, prepared, calls, "malformed or unknown tool calls")
                # tools may have changed the state (verified, dispute, cease, hand-over): re-decide
                directive = machine.decide(turn.state, turn.analysis, prepared.directive.events)
                prepared = Prepared(directive, "verified" if "identity_verified" in toolbox.events
                                    else prepared.verify, prepared.missing)
                if directive.template_only:
                    return self._reply(turn, prepared, self.composer.compose(turn, prepared), calls)
                if turn.state.status != "active":  # a tool handed over (e.g. verification exhausted)
                    return self._fallback(turn, prepared, calls, turn.state.handover_reason or "handover")
                continue
            text = draft.text.strip()
            if not text:
                empties += 1
                if empties >= 2:
                    return self._fallback(turn, prepared, calls, "empty answer from the model")
                continue
            return self._reply(turn, prepared, self.composer.compose(turn, prepared, body=text), calls)
        return self._fallback(turn, prepared, calls, "too many tool rounds")

    # -- agent assist ----------------------------------------------------------------
    async def suggest(self, turn: TurnInput, n: int = 3) -> list[str]:
        private = shadow(turn)
        prepared = prepare(private)
        d, lang = prepared.directive, private.state.language
        if d.template_only:
            return await self.offline.suggest(turn, n)
        options = [describe_offer(o, private.account.currency, lang)
                   for o in present_offers(private.offers, d.mode)] if d.may_request_payment else []
        system = self.composer.library.render(
            lang, "assist", collector=private.collector_name, jurisdiction=private.state.jurisdiction, n=n,
            instruction=self.composer.instruction(lang, d.mode), options=options,
            may_disclose=d.may_disclose_debt, may_request_payment=d.may_request_payment,
        )
        messages = [{"role": "system", "content": system}, *_history_messages(turn.history),
                    {"role": "user", "content": turn.message}]
        try:
            draft = await self.complete(messages, None, None)
        except ModelFailure:
            return await self.offline.suggest(turn, n)
        drafts = [" ".join(p.split()) for p in draft.text.split("---")]
        drafts = [p for p in drafts if p][:n]
        return drafts or await self.offline.suggest(turn, n)

    async def summarize(self, turn: TurnInput) -> str:
        lang = turn.state.language
        known = summarize_state(self.composer, turn)
        transcript = "\n".join(f"{h.role}: {h.text}" for h in (*turn.history[-HISTORY_LIMIT:],
                                                                HistoryItem("borrower", turn.message)))
        messages = [{"role": "system", "content": self.composer.library.render(lang, "summary", known=known)},
                    {"role": "user", "content": transcript}]
        try:
            draft = await self.complete(messages, None, None)
        except ModelFailure:
            return known
        return " ".join(draft.text.split()) or known

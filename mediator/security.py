"""Secrets, tokens and hashes. Keys come from the environment; when absent, they are
generated once and kept under MEDIATOR_STATE_DIR (0600) so restarts and several workers
agree. Nothing here logs a secret."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import sys
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt

from mediator.settings import Settings

STAFF_ROLES = ("mediator", "supervisor", "admin")
_ROLE_RANK = {r: i for i, r in enumerate(STAFF_ROLES)}
_ALGO = "HS256"
STAFF_TOKEN_TTL = timedelta(hours=12)


class AuthError(Exception):
    """Credentials missing, malformed, expired or for something else."""


def _create_exclusive(path: Path, content: str) -> bool:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as fh:
        fh.write(content)
    return True


@dataclass(frozen=True)
class Keys:
    secret: bytes
    integration_key_hash: str

    def integration_key_ok(self, presented: str | None) -> bool:
        if not presented:
            return False
        digest = hashlib.sha256(presented.encode()).hexdigest()
        return hmac.compare_digest(digest, self.integration_key_hash)


def load_keys(settings: Settings, announce: bool = True) -> Keys:
    """Secrets from settings, or generated once under the state dir. A generated integration key
    is printed once, to the console only, at the start that creates it."""
    state = Path(settings.state_dir)
    if settings.secret_key:
        secret = settings.secret_key.encode()
    else:
        path = state / "secret_key"
        _create_exclusive(path, secrets.token_urlsafe(48))
        secret = path.read_text().strip().encode()
    if settings.integration_key:
        key_hash = hashlib.sha256(settings.integration_key.encode()).hexdigest()
    else:
        path = state / "integration_key.sha256"
        fresh = secrets.token_urlsafe(32)
        if _create_exclusive(path, hashlib.sha256(fresh.encode()).hexdigest()) and announce:
            print(
                f"mediator: generated MEDIATOR_INTEGRATION_KEY={fresh}\n"
                "mediator: it is shown only this once; store it, or set MEDIATOR_INTEGRATION_KEY yourself.",
                file=sys.stderr,
                flush=True,
            )
        key_hash = path.read_text().strip()
    return Keys(secret=secret, integration_key_hash=key_hash)


# --- tokens -------------------------------------------------------------------------------------


def issue_borrower_token(keys: Keys, conversation_id: str, ttl_s: int) -> str:
    now = datetime.now(UTC)
    claims = {"sub": conversation_id, "typ": "borrower", "iat": now, "exp": now + timedelta(seconds=ttl_s)}
    return jwt.encode(claims, keys.secret, algorithm=_ALGO)


def issue_staff_token(keys: Keys, username: str, role: str) -> str:
    now = datetime.now(UTC)
    claims = {"sub": username, "role": role, "typ": "staff", "iat": now, "exp": now + STAFF_TOKEN_TTL}
    return jwt.encode(claims, keys.secret, algorithm=_ALGO)


_VERIFIED: dict[tuple[bytes, str], dict[str, object]] = {}
"""Tokens whose signature checked out, by (secret, token): a borrower sends every message of a
conversation with the same token, and decoding it again each time cost more than the rest of
the auth. Expiry is checked again at every use; a changed secret misses the cache."""
_VERIFIED_MAX = 4096


def read_token(keys: Keys, token: str, typ: str) -> dict[str, object]:
    claims = _VERIFIED.get((keys.secret, token))
    if claims is None:
        try:
            claims = jwt.decode(token, keys.secret, algorithms=[_ALGO], options={"require": ["exp", "sub"]})
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("token expired") from exc
        except jwt.PyJWTError as exc:
            raise AuthError("invalid token") from exc
        if len(_VERIFIED) >= _VERIFIED_MAX:
            del _VERIFIED[next(iter(_VERIFIED))]  # the oldest entry
        _VERIFIED[(keys.secret, token)] = claims
    elif float(claims["exp"]) <= datetime.now(UTC).timestamp():  # type: ignore[arg-type]
        raise AuthError("token expired")
    if claims.get("typ") != typ:
        raise AuthError("wrong kind of token")
    return claims


def role_at_least(role: str, needed: str) -> bool:
    return _ROLE_RANK.get(role, -1) >= _ROLE_RANK[needed]


# --- passwords ----------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), n=2**14, r=8, p=1)
    return hmac.compare_digest(digest.hex(), digest_hex)


# --- verification facts -------------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"),
)


def normalise_fact(name: str, value: str) -> str:
    """Canonical form so "10001" and " 10001 ", "SW1A 1AA" and "sw1a1aa", "1985-4-12" and
    "1985/04/12" hash alike."""
    v = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if name == "date_of_birth":
        for pat in _DATE_PATTERNS:
            m = pat.match(v)
            if m:
                y, mo, d = (int(g) for g in m.groups())
                return f"{y:04d}-{mo:02d}-{d:02d}"
    return re.sub(r"[\s\-]", "", v)


def hash_fact(keys: Keys, name: str, value: str) -> str:
    return hmac.new(keys.secret, f"{name}\0{normalise_fact(name, value)}".encode(), hashlib.sha256).hexdigest()


def hash_facts(keys: Keys, facts: dict[str, str]) -> dict[str, str]:
    return {name: hash_fact(keys, name, value) for name, value in facts.items() if str(value).strip()}


def facts_match(keys: Keys, stored: dict[str, str], presented: dict[str, str]) -> bool:
    """True when every stored fact was presented and matches. No stored facts: never verified
    through chat (the lender must say so when creating the conversation)."""
    if not stored:
        return False
    for name, digest in stored.items():
        value = presented.get(name)
        if value is None or not hmac.compare_digest(hash_fact(keys, name, value), digest):
            return False
    return True


# --- system prompt canary -----------------------------------------------------------------------

_PROMPT_FILES = ("mediator_system.j2", "instructions.j2", "assist.j2", "summary.j2")
_TEMPLATE_TAG = re.compile(r"\{[{%#].*?[}%#]\}", re.S)
_TOKEN = re.compile(r"[\u3400-\u9fff]|[^\W_]+")


def _prompt_tokens(text: str) -> list[str]:
    from mediator.textnorm import normalize

    return _TOKEN.findall(normalize(text).lower())


class PromptCanary:
    """The fixed wording of the system prompts, as runs of ``n`` tokens (a Chinese character is a
    token). An outgoing text that repeats any run is quoting the prompt, whatever the model was
    talked into and however the leak is phrased around it; the guard's phrase rules cannot know
    the prompt's own sentences."""

    def __init__(self, prompts_dir: Path, n: int = 10) -> None:
        self.n = n
        self.runs: set[tuple[str, ...]] = set()
        for path in sorted(Path(prompts_dir).glob("*/*.j2")):
            if path.name not in _PROMPT_FILES:
                continue
            for piece in _TEMPLATE_TAG.split(path.read_text(encoding="utf-8")):  # never bridge a tag
                for line in piece.splitlines():
                    tokens = _prompt_tokens(line)
                    self.runs.update(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))

    def leaks(self, text: str) -> bool:
        tokens = _prompt_tokens(text)
        return any(tuple(tokens[i:i + self.n]) in self.runs for i in range(len(tokens) - self.n + 1))


_canaries: dict[Path, PromptCanary] = {}


def prompt_canary(prompts_dir: Path) -> PromptCanary:
    if prompts_dir not in _canaries:
        _canaries[prompts_dir] = PromptCanary(prompts_dir)
    return _canaries[prompts_dir]

"""Prompt and reply templates as files (``prompts/<language>/*.j2``), versioned by content.

Every draft records the version of the templates that produced it: a short content
hash of the files of its language, so an auditor can tell exactly which wording the
model was told or the offline mediator used. Templates are Jinja2 with
``StrictUndefined``: a missing variable is a bug, not a silently empty sentence.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from mediator.settings import get_settings

LANGUAGES = ("en", "zh")


def _wide(ch: str) -> bool:
    return ch >= "\u2e80"  # CJK characters and full-width punctuation


def squash(text: str) -> str:
    """One line from a template fragment: whitespace runs become one space, or nothing
    between Chinese characters (Chinese is written without spaces)."""
    out = ""
    for word in text.split():
        if out and not (_wide(out[-1]) or _wide(word[0])):
            out += " "
        out += word
    return out


@dataclass
class PromptLibrary:
    """Renders the templates of one prompts folder; one instance per process."""

    root: Path
    env: jinja2.Environment = field(init=False)
    _versions: dict[str, str] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(self.root)),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            trim_blocks=False,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )

    def version(self, language: str) -> str:
        """``<language>:<hash>`` of every template file of that language."""
        if language not in self._versions:
            digest = hashlib.sha256()
            for path in sorted((self.root / language).rglob("*.j2")):
                digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
            self._versions[language] = f"{language}:{digest.hexdigest()[:12]}"
        return self._versions[language]

    def render(self, language: str, name: str, **variables: Any) -> str:
        """Render a whole template (system prompts, assist and summary prompts)."""
        return self.env.get_template(f"{language}/{name}.j2").render(**variables).strip()

    def fragment(self, language: str, macro: str, template: str = "offline", **variables: Any) -> str:
        """Call one macro of ``<language>/<template>.j2`` (default: the offline mediator's sentences)."""
        module = self.env.get_template(f"{language}/{template}.j2").module
        func = getattr(module, macro, None)
        if func is None:
            raise KeyError(f"prompts/{language}/{template}.j2 has no macro {macro!r}")
        return squash(str(func(**variables)))


@lru_cache(maxsize=4)
def _library(root: str) -> PromptLibrary:
    return PromptLibrary(Path(root))


def get_prompts(root: Path | str | None = None) -> PromptLibrary:
    return _library(str(root or get_settings().prompts_dir))

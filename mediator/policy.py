"""Loads the policy corpus in ``policies/`` (rules as data) and fingerprints it.

Layout::

    policies/us|uk|cn/*.yaml   jurisdiction rules: id, citation, summary, codes, aliases
    policies/lender/*.yaml     the lender's own policy: offers, disclosures, fallbacks
    policies/<other>/*.yaml    detector and analyser data (lexicons, patterns)

The policy version is a content hash of every YAML file, recorded with every
verdict so an auditor can tell exactly which rules judged a message.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from mediator.settings import POLICIES_DIR

JURISDICTION_DIRS = ("us", "uk", "cn")


class PolicyError(ValueError):
    """A policy file is missing, malformed or contradicts itself."""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    jurisdiction: str
    citation: str
    title: str
    summary: str
    codes: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    """Ways the rule is cited in running text ("§ 809", "CONC 7.3.4", "第六十八条")."""
    summary_zh: str | None = None
    confidence: str = "memory"
    note: str | None = None
    """What the project changed or checked against the reference, in plain words."""


@dataclass(frozen=True)
class Policy:
    root: Path
    version: str
    rules: tuple[Rule, ...]
    documents: dict[str, Any] = field(default_factory=dict)
    """Every YAML file by its path relative to ``root`` ("lender/offers.yaml")."""

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def doc(self, relpath: str) -> Any:
        try:
            return self.documents[relpath]
        except KeyError as exc:
            raise PolicyError(f"policy file {relpath} is missing under {self.root}") from exc


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not valid YAML: {exc}") from exc


def _rules_from(doc: Any, path: Path) -> list[Rule]:
    if not isinstance(doc, dict) or "rules" not in doc:
        return []
    jurisdiction = str(doc.get("jurisdiction", path.parent.name.upper()))
    rules = []
    for item in doc["rules"]:
        try:
            rules.append(
                Rule(
                    id=str(item["id"]),
                    jurisdiction=jurisdiction,
                    citation=str(item["citation"]),
                    title=str(item.get("title", "")),
                    summary=" ".join(str(item["summary"]).split()),
                    codes=tuple(item.get("codes", ())),
                    aliases=tuple(str(a) for a in item.get("aliases", ())),
                    summary_zh=item.get("summary_zh"),
                    confidence=str(item.get("confidence", "memory")),
                    note=item.get("note"),
                )
            )
        except (KeyError, TypeError) as exc:
            raise PolicyError(f"{path}: rule {item!r} lacks {exc}") from exc
    return rules


def load_policy(root: Path | str | None = None) -> Policy:
    root = Path(root) if root else POLICIES_DIR
    if not root.is_dir():
        raise PolicyError(f"policy folder {root} does not exist")
    digest = hashlib.sha256()
    documents: dict[str, Any] = {}
    rules: list[Rule] = []
    for path in sorted(root.rglob("*.yaml")):
        rel = path.relative_to(root).as_posix()
        raw = path.read_bytes()
        digest.update(rel.encode() + b"\0" + raw + b"\0")
        doc = _read_yaml(path)
        documents[rel] = doc
        if rel.split("/", 1)[0] in JURISDICTION_DIRS:
            rules.extend(_rules_from(doc, path))
    ids = [r.id for r in rules]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise PolicyError(f"duplicate rule ids: {', '.join(sorted(dupes))}")
    return Policy(root=root, version=digest.hexdigest()[:16], rules=tuple(rules), documents=documents)


@lru_cache(maxsize=4)
def get_policy(root: str | None = None) -> Policy:
    """The loaded policy, cached per folder: load once at start-up, never per request."""
    return load_policy(root)

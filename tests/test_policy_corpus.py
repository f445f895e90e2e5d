"""The rule corpus and detector data: complete, well-formed, and usable by the resolver."""

from __future__ import annotations

import re

import pytest

from mediator.domain import VIOLATION_CODES
from mediator.guard import get_engine
from mediator.guard.detectors.citations import CitationDetector
from mediator.policy import get_policy
from mediator.settings import POLICIES_DIR

POLICY = get_policy()


def test_every_rule_is_complete() -> None:
    assert len(POLICY.rules) >= 50
    for r in POLICY.rules:
        assert re.fullmatch(r"(US|UK|CN)-[A-Z0-9]+(-[A-Za-z0-9.-]+)+", r.id), r.id
        assert r.id.startswith(r.jurisdiction + "-")
        assert r.citation and r.title and r.summary and r.codes
        assert set(r.codes) <= set(VIOLATION_CODES), r.id
        assert r.confidence.split()[0] in ("confirmed", "memory", "unconfirmed")
        if r.jurisdiction == "CN":
            assert r.summary_zh


def test_every_code_has_rules_in_every_jurisdiction() -> None:
    # China has no confirmed general right to stop contact (see the reference); CEASE_VIOLATION
    # there enforces the lender's own policy under the harassment ban (policies/guard/state.yaml).
    for j in ("US", "UK", "CN"):
        covered = {c for r in POLICY.rules if r.jurisdiction == j for c in r.codes}
        exempt = {"SYSTEM_LEAK"} | ({"CEASE_VIOLATION"} if j == "CN" else set())
        assert covered >= set(VIOLATION_CODES) - exempt, j


def test_rule_ids_named_in_detector_data_exist() -> None:
    ids = {r.id for r in POLICY.rules}
    named = set()
    for rel, doc in POLICY.documents.items():
        if rel.startswith("guard/"):
            named |= set(re.findall(r"\b(?:US|UK|CN)-[A-Z0-9]+-[A-Za-z0-9.-]+", str(doc)))
    assert named and named <= ids, named - ids


@pytest.mark.parametrize("name", sorted(p.name for p in (POLICIES_DIR / "guard").glob("*.yaml")))
def test_detector_files_have_a_header(name: str) -> None:
    assert (POLICIES_DIR / "guard" / name).read_text(encoding="utf-8").startswith("#")


@pytest.mark.parametrize(
    ("citation", "known"),
    [
        ("12 CFR 1006.34", True),
        ("§ 809", True),
        ("section 807(5)", True),
        ("CONC 7.3.4", True),
        ("《个人信息保护法》第十条", True),
        ("15 U.S.C. 1692c(c)", True),
        ("CONC 7.3", True),
        ("Regulation F §1006.99", False),
        ("CONC 7.21.4", False),
        ("Section 823 of the FDCPA", False),
        ("《民法典》第1368条", False),
        ("《互联网金融催收管理条例》第八条", False),
        ("§ 809(z)", False),
    ],
)
def test_citations_resolve_against_the_corpus(citation: str, known: bool) -> None:
    det = next(d for d in get_engine().detectors if isinstance(d, CitationDetector))
    found = det.extractor.extract(citation)
    assert found, citation
    assert (det.index.resolve(found[0]) is not None) is known


def test_policy_version_is_a_content_hash() -> None:
    assert re.fullmatch(r"[0-9a-f]{16}", POLICY.version)
    assert get_engine().policy_version == POLICY.version

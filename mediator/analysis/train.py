"""Train and validate the optional intent model: ``python -m mediator.analysis.train``.

Training data are the labelled messages shipped in the repository: every
``tests/data/messages.*.jsonl`` except the final untouched test set, and the sentence
lists of ``tests/test_analysis_generalisation.py`` and ``tests/test_analysis_probes.py``
(read with ``ast``, never imported). Each file was written by a different author or
pass, so validation is leave-one-file-out: train on the others, then compare the rules
alone with rules+model on the held-out file. The per-intent add thresholds come from
those out-of-fold probabilities only, and the model is written ``enabled`` only when
rules+model beats rules alone across the folds. Deterministic: no randomness at all
(full-batch gradient descent from zeros), so the same data give the same file.

``--report`` prints the validation tables; ``--check FILE`` scores one more labelled set
(rules alone vs rules+model) with the freshly trained model without training on it.
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mediator.analysis.intents import detect_intents
from mediator.analysis.lexicon import get_lexicon
from mediator.analysis.model import FeatureSpec, IntentModel, model_path
from mediator.domain import INTENT_CODES
from mediator.settings import PROJECT_ROOT

DATA_DIR = PROJECT_ROOT / "tests" / "data"
SENTENCE_FILES = ("test_analysis_generalisation.py", "test_analysis_probes.py")
FINAL_TEST = "messages.holdout4.jsonl"
"""Written before the rules were read; never trained on, only scored (``--check``)."""

SEED = 0
MIN_DF = 2
L2 = 1e-3
STEPS = 600
LEARNING_RATE = 1.0
PRUNE_BELOW = 0.02
MIN_PRECISION = 0.97
"""An intent may be added only where the model's out-of-fold precision is at least this high."""
MIN_SUPPORT = 5
"""...and only over at least this many out-of-fold hits, so a threshold is not set by one line."""


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled message and the file (author or pass) it came from."""

    source: str
    text: str
    intents: frozenset[str]


# --- data ----------------------------------------------------------------------------


def _literal(node: ast.AST, names: Mapping[str, str]) -> Any:
    """``ast.literal_eval`` plus ``set()``/``frozenset()`` calls and the module's code constants."""
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("set", "frozenset"):
        return frozenset(_literal(node.args[0], names)) if node.args else frozenset()
    if isinstance(node, ast.Set | ast.List | ast.Tuple):
        items = [_literal(e, names) for e in node.elts]
        return frozenset(items) if isinstance(node, ast.Set) else tuple(items)
    return ast.literal_eval(node)


def sentences_from_test(path: Path) -> list[Example]:
    """The (message, intents, high) tuples of a test module's list constants, without importing it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    out: list[Example] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Tuple):
            targets = stmt.targets[0]
            if isinstance(targets, ast.Tuple) and all(isinstance(v, ast.Constant) for v in stmt.value.elts):
                for t, v in zip(targets.elts, stmt.value.elts, strict=True):
                    if isinstance(t, ast.Name) and isinstance(v, ast.Constant) and v.value in INTENT_CODES:
                        names[t.id] = v.value
        value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
        if not isinstance(value, ast.List):
            continue
        for elt in value.elts:
            if not (isinstance(elt, ast.Tuple) and len(elt.elts) == 3):
                continue
            message, intents, _high = (_literal(e, names) for e in elt.elts)
            if isinstance(message, str) and set(intents) <= set(INTENT_CODES):
                out.append(Example(path.stem, message, frozenset(intents)))
    return out


def examples_from_jsonl(path: Path) -> list[Example]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Example(path.stem, r["message"], frozenset(r["gold"]["intents"])) for r in rows]


def training_examples(data_dir: Path = DATA_DIR, exclude: Iterable[str] = (FINAL_TEST,)) -> list[Example]:
    """Every labelled message of the repository but the final test set, first occurrence of each text kept."""
    skip = set(exclude)
    examples: list[Example] = []
    for path in sorted(data_dir.glob("messages.*.jsonl")):
        if path.name not in skip:
            examples += examples_from_jsonl(path)
    for name in SENTENCE_FILES:
        examples += sentences_from_test(data_dir.parent / name)
    seen: set[str] = set()
    unique: list[Example] = []
    for ex in examples:
        key = " ".join(ex.text.lower().split())
        if key not in seen:
            seen.add(key)
            unique.append(ex)
    return unique


# --- fitting -------------------------------------------------------------------------


class Featuriser:
    """Canonical text (the analyser's own) to feature sets, memoised per message."""

    def __init__(self, spec: FeatureSpec) -> None:
        self.spec = spec
        self._lexicon = get_lexicon()
        self._cache: dict[str, set[str]] = {}

    def canonical(self, text: str) -> str:
        return self._lexicon.doc(text).text

    def __call__(self, text: str) -> set[str]:
        feats = self._cache.get(text)
        if feats is None:
            feats = self._cache[text] = self.spec.features(self.canonical(text))
        return feats


def _design(featsets: Sequence[set[str]], vocab: Mapping[str, int]) -> np.ndarray:
    x = np.zeros((len(featsets), len(vocab)), dtype=np.float32)
    for i, feats in enumerate(featsets):
        idx = [vocab[f] for f in feats if f in vocab]
        if idx:
            x[i, idx] = 1.0 / math.sqrt(len(feats))
    return x


def fit(examples: Sequence[Example], featurise: Featuriser, intents: Sequence[str] = INTENT_CODES) -> IntentModel:
    """L2-regularised logistic regressions, one per intent, by full-batch gradient descent (Adam)."""
    featsets = [featurise(ex.text) for ex in examples]
    df = Counter(f for feats in featsets for f in feats)
    vocab = {f: i for i, f in enumerate(sorted(f for f, n in df.items() if n >= MIN_DF))}
    x = _design(featsets, vocab)
    y = np.array([[c in ex.intents for c in intents] for ex in examples], dtype=np.float32)
    n = len(examples)
    # positives are rare: weight them so each intent's two classes carry equal total weight
    pos = y.sum(axis=0).clip(min=1)
    sample_w = np.where(y > 0, (n - pos) / pos, 1.0).astype(np.float32)
    sample_w /= sample_w.mean(axis=0, keepdims=True)
    w = np.zeros((len(vocab), len(intents)), dtype=np.float32)
    b = np.zeros(len(intents), dtype=np.float32)
    m_w, v_w = np.zeros_like(w), np.zeros_like(w)
    m_b, v_b = np.zeros_like(b), np.zeros_like(b)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, STEPS + 1):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        g = (p - y) * sample_w / n
        grad_w = x.T @ g + L2 * w
        grad_b = g.sum(axis=0)
        for param, grad, m, v in ((w, grad_w, m_w, v_w), (b, grad_b, m_b, v_b)):
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad * grad
            param -= LEARNING_RATE * 0.01 * (m / (1 - beta1**step)) / (np.sqrt(v / (1 - beta2**step)) + eps)
    keep = np.abs(w).max(axis=1) >= PRUNE_BELOW
    kept = [f for f, i in vocab.items() if keep[i]]
    return IntentModel(
        intents=tuple(intents),
        spec=featurise.spec,
        vocab={f: i for i, f in enumerate(kept)},
        weights=w[keep],
        bias=b.astype(np.float64),
    )


# --- validation ----------------------------------------------------------------------

RulePredictor = Callable[[str], frozenset[str]]


def current_rules() -> RulePredictor:
    """The shipped rules alone, as a function of raw text."""
    lexicon = get_lexicon()
    return lambda text: frozenset(detect_intents(lexicon.doc(text), lexicon))


@dataclass
class Tally:
    """Intent counts of one comparison (the definitions of ``mediator.analysis.evaluate``)."""

    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)

    def add(self, want: frozenset[str], got: Iterable[str]) -> None:
        got = set(got)
        for c in want | got:
            self.tp[c] += c in want and c in got
            self.fp[c] += c in got and c not in want
            self.fn[c] += c in want and c not in got

    def micro_f1(self) -> float:
        t, p, n = sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values())
        return 2 * t / (2 * t + p + n) if t + p + n else 1.0

    def recall(self, c: str) -> float:
        return self.tp[c] / (self.tp[c] + self.fn[c]) if self.tp[c] + self.fn[c] else float("nan")

    def precision(self, c: str) -> float:
        return self.tp[c] / (self.tp[c] + self.fp[c]) if self.tp[c] + self.fp[c] else float("nan")


@dataclass
class Comparison:
    """Rules alone vs rules+model on one held-out file."""

    name: str
    n: int
    rules: Tally
    combined: Tally

    def row(self) -> str:
        r, c = self.rules, self.combined
        changes = sum(c.tp.values()) - sum(r.tp.values()), sum(c.fp.values()) - sum(r.fp.values())
        return (
            f"{self.name:34} n={self.n:4d}  rules F1={r.micro_f1():.3f} (fp={sum(r.fp.values())}, "
            f"fn={sum(r.fn.values())})  rules+model F1={c.micro_f1():.3f} (+tp={changes[0]}, +fp={changes[1]})"
        )

    def per_intent(self) -> list[str]:
        out = [f"  {'intent':22} {'R rec':>6} {'R prec':>7} {'R+M rec':>8} {'R+M prec':>9}"]
        for code in INTENT_CODES:
            r, c = self.rules, self.combined
            out.append(
                f"  {code:22} {r.recall(code):6.2f} {r.precision(code):7.2f} "
                f"{c.recall(code):8.2f} {c.precision(code):9.2f}"
            )
        return out


def compare(
    name: str, examples: Sequence[Example], model: IntentModel, featurise: Featuriser, rules: RulePredictor
) -> Comparison:
    result = Comparison(name, len(examples), Tally(), Tally())
    for ex in examples:
        got = rules(ex.text)
        result.rules.add(ex.intents, got)
        result.combined.add(ex.intents, model.combine(featurise.canonical(ex.text), got))
    return result


def out_of_fold(
    examples: Sequence[Example], featurise: Featuriser
) -> tuple[dict[str, IntentModel], list[dict[str, float]]]:
    """Leave-one-file-out models and every example's probabilities from the model that did not see it."""
    sources = sorted({ex.source for ex in examples})
    models: dict[str, IntentModel] = {}
    probs: list[dict[str, float]] = [{} for _ in examples]
    for source in sources:
        model = fit([ex for ex in examples if ex.source != source], featurise)
        models[source] = model
        for i, ex in enumerate(examples):
            if ex.source == source:
                probs[i] = model.probabilities(featurise.canonical(ex.text))
    return models, probs


def choose_thresholds(
    examples: Sequence[Example], probs: Sequence[Mapping[str, float]], rules: Sequence[frozenset[str]]
) -> dict[str, float]:
    """Per intent, the lowest threshold at which out-of-fold additions would be precise enough.

    Only messages where the rules did *not* already find the intent matter: an addition
    there is a gain when the intent is gold and a false alarm when it is not. Because the
    rules were tuned on these very files they rarely miss, so this mostly measures the
    false alarms; an intent gets a threshold only when the model's own out-of-fold
    precision over all messages is also high at that threshold (``MIN_PRECISION`` over at
    least ``MIN_SUPPORT`` hits) and no out-of-fold false alarm reaches it.
    """
    chosen: dict[str, float] = {}
    for code in INTENT_CODES:
        scored = sorted(((p[code], code in ex.intents) for p, ex in zip(probs, examples, strict=True)), reverse=True)
        false_alarms = [
            p[code]
            for p, ex, got in zip(probs, examples, rules, strict=True)
            if code not in got and code not in ex.intents
        ]
        ceiling = max(false_alarms, default=0.0)
        best: float | None = None
        hits = good = 0
        for prob, positive in scored:
            hits += 1
            good += positive
            if prob <= ceiling:
                break
            if hits >= MIN_SUPPORT and good / hits >= MIN_PRECISION:
                best = prob
        if best is not None:
            chosen[code] = max(best, (ceiling + best) / 2 if ceiling < best else best)
    return chosen


def leave_one_file_out(
    examples: Sequence[Example],
    featurise: Featuriser,
    rules: RulePredictor,
    thresholds: Mapping[str, float],
    models: Mapping[str, IntentModel],
) -> list[Comparison]:
    """Rules alone vs rules+model on each file, with the model that did not see it."""
    out: list[Comparison] = []
    for source, model in models.items():
        model.add_threshold = dict(thresholds)
        model.enabled = True
        held = [ex for ex in examples if ex.source == source]
        out.append(compare(source, held, model, featurise, rules))
    return out


def pooled(comparisons: Sequence[Comparison]) -> Comparison:
    total = Comparison("all files (pooled)", 0, Tally(), Tally())
    for c in comparisons:
        total.n += c.n
        for mine, theirs in ((total.rules, c.rules), (total.combined, c.combined)):
            mine.tp.update(theirs.tp)
            mine.fp.update(theirs.fp)
            mine.fn.update(theirs.fn)
    return total


# --- command -------------------------------------------------------------------------


def train(report: Callable[[str], None] = print, check: Sequence[Path] = ()) -> IntentModel:
    """Validate across files, then fit on everything and decide whether the model is enabled."""
    np.random.seed(SEED)  # nothing is random; kept so a future change cannot silently add randomness
    featurise = Featuriser(FeatureSpec())
    examples = training_examples()
    rules = current_rules()
    counts = Counter(ex.source for ex in examples)
    report(f"training examples: {len(examples)} " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    models, probs = out_of_fold(examples, featurise)
    rule_hits = [rules(ex.text) for ex in examples]
    thresholds = choose_thresholds(examples, probs, rule_hits)
    report("add thresholds (out-of-fold): " + json.dumps({k: round(v, 3) for k, v in thresholds.items()}))
    folds = leave_one_file_out(examples, featurise, rules, thresholds, models)
    total = pooled(folds)
    report("leave-one-file-out, rules alone vs rules+model:")
    for c in [*folds, total]:
        report("  " + c.row())
    for line in total.per_intent():
        report(line)
    gain = total.combined.micro_f1() - total.rules.micro_f1()
    final = fit(examples, featurise)
    final.add_threshold = dict(thresholds)
    final.enabled = bool(thresholds) and gain > 0
    final.meta = {
        "trained_on": dict(sorted(counts.items())),
        "not_trained_on": FINAL_TEST,
        "leave_one_file_out_micro_f1": {
            "rules": round(total.rules.micro_f1(), 4),
            "rules_plus_model": round(total.combined.micro_f1(), 4),
        },
        "why_enabled" if final.enabled else "why_disabled": (
            "rules+model beat rules alone across files"
            if final.enabled
            else "rules+model did not beat rules alone on leave-one-file-out validation"
        ),
    }
    for path in check:
        c = compare(path.name, examples_from_jsonl(path), _forced(final), featurise, rules)
        report("check (never trained on): " + c.row())
        for line in c.per_intent():
            report(line)
    return final


def _forced(model: IntentModel) -> IntentModel:
    """The same model with the combination on, to measure it even when it ships disabled."""
    return IntentModel(model.intents, model.spec, model.vocab, model.weights, model.bias,
                       dict(model.add_threshold), True, model.meta)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mediator.analysis.train", description=__doc__)
    parser.add_argument("--out", type=Path, default=model_path(), help="where to write the model JSON")
    parser.add_argument("--check", type=Path, action="append", default=[], help="also score this labelled set")
    parser.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    args = parser.parse_args(argv)
    model = train(check=args.check or [DATA_DIR / FINAL_TEST])
    print(f"features kept: {len(model.vocab)}; enabled: {model.enabled}")
    if not args.dry_run:
        model.save(args.out)
        print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

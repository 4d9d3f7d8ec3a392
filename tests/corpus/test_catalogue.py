"""Properties of the concept catalogue ``corpus/concepts.yaml``.

The catalogue names concepts (kind, English and Chinese names, aliases, gloss) and never
states relations. The linker matches its aliases with an automaton, so the checks that
matter most are about aliases: every one is long enough, specific, and owned by exactly
one concept, and every alias list of the golden relations is known to the catalogue.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = REPO / "corpus" / "concepts.yaml"
EVAL = REPO.parent / "shared" / "eval"
GOLDEN = EVAL / "golden_relations.jsonl"

KINDS = frozenset({"architecture", "layer", "technique", "problem", "role", "concept"})
ENTRY_KEYS = frozenset({"id", "kind", "category", "name", "zh", "aliases", "gloss"})
SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# Ids other code links to, with the kind each must have. GoogLeNet and Inception v1 are one
# network, catalogued as `googlenet`; `inception_v1` is only required when it exists separately.
REQUIRED: dict[str, str] = {
    "convolution": "layer",
    "padding": "concept",
    "stride": "concept",
    "conv_1x1": "layer",
    "bottleneck": "layer",
    "receptive_field": "concept",
    "effective_receptive_field": "concept",
    "convolution_factorization": "technique",
    "vgg": "architecture",
    "dilated_convolution": "layer",
    "depthwise_separable_convolution": "layer",
    "depthwise_convolution": "layer",
    "mobilenet": "architecture",
    "group_convolution": "layer",
    "pooling": "layer",
    "max_pooling": "layer",
    "average_pooling": "layer",
    "global_average_pooling": "layer",
    "fully_connected_layer": "layer",
    "batch_normalization": "technique",
    "dropout": "technique",
    "overfitting": "problem",
    "sigmoid": "concept",
    "tanh": "concept",
    "relu": "concept",
    "leaky_relu": "concept",
    "vanishing_gradient": "problem",
    "exploding_gradient": "problem",
    "residual_connection": "technique",
    "resnet": "architecture",
    "sgd": "concept",
    "momentum": "concept",
    "adagrad": "concept",
    "rmsprop": "concept",
    "adam": "concept",
    "weight_initialization": "technique",
    "xavier_initialization": "technique",
    "he_initialization": "technique",
    "transposed_convolution": "layer",
    "checkerboard_artifacts": "problem",
    "upsampling": "role",
    "downsampling": "role",
    "dimension_reduction": "role",
    "enlarge_receptive_field": "role",
    "label_smoothing": "technique",
    "exponential_moving_average": "technique",
    "spectral_normalization": "technique",
    "power_iteration": "technique",
    "lstm": "architecture",
    "gru": "architecture",
    "rnn": "architecture",
    "inception_v2": "architecture",
    "inception_v3": "architecture",
    "inception_v4": "architecture",
    "googlenet": "architecture",
    "densenet": "architecture",
    "dense_connection": "technique",
    "focal_loss": "concept",
    "class_imbalance": "problem",
    "internal_covariate_shift": "problem",
    "instance_normalization": "technique",
    "layer_normalization": "technique",
    "group_normalization": "technique",
    "gan": "architecture",
    "parameter_count": "concept",
    "flops": "concept",
}

# Categories the brief fixes for families of `concept` entries.
CATEGORY_OF: dict[str, str] = {
    **dict.fromkeys(["sgd", "momentum", "adagrad", "rmsprop", "adam"], "optimizer"),
    **dict.fromkeys(["sigmoid", "tanh", "relu", "leaky_relu"], "activation"),
    "focal_loss": "loss",
    "batch_normalization": "normalization",
}

# Words that would link everywhere: never an alias on their own.
GENERIC = [
    "作用", "方法", "问题", "模型", "网络", "参数", "层", "训练", "池", "特征", "深度", "残差",
    "feature", "features", "model", "models", "layer", "layers", "network", "networks",
    "method", "problem", "parameter", "parameters", "training", "kernel", "filter",
]

# Relation types whose golden target must be of a given kind.
TARGET_KIND = {"has_role": "role", "solves": "problem", "causes": "problem"}


def casefolded(name: str) -> str:
    """NFKC + casefold: the normal form in which aliases must be unique."""
    return unicodedata.normalize("NFKC", name).casefold().strip()


def compacted(name: str) -> str:
    """Casefolded, ``1×1``/``1*1`` as ``1x1``, without spaces, hyphens or underscores.

    The linker also keys aliases this way, so two concepts must not share this form either.
    """
    text = re.sub(r"(?<=\d)\s*[×*✕✖xX]\s*(?=\d)", "x", casefolded(name))
    return re.sub(r"[\s\-_\u2010-\u2014]+", "", text)


def names_of(entry: dict[str, Any]) -> list[str]:
    return [str(entry["name"]), *map(str, entry.get("zh") or []), *map(str, entry.get("aliases") or [])]


@cache
def load() -> dict[str, Any]:
    return yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))


def entries() -> list[dict[str, Any]]:
    return list(load()["concepts"])


def by_id() -> dict[str, dict[str, Any]]:
    return {str(e["id"]): e for e in entries()}


@cache
def owners(key: Callable[[str], str] = casefolded) -> dict[str, frozenset[str]]:
    """Normalised alias -> ids of the concepts that carry it."""
    found: dict[str, set[str]] = defaultdict(set)
    for entry in entries():
        for name in names_of(entry):
            found[key(name)].add(str(entry["id"]))
    return {alias: frozenset(ids) for alias, ids in found.items()}


def golden() -> list[dict[str, Any]]:
    if not GOLDEN.is_file():
        pytest.skip(f"golden relations not found at {GOLDEN}")
    lines = GOLDEN.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def resolve(aliases: list[str]) -> set[str]:
    """Ids of the concepts matching any of ``aliases`` (casefolded, then compacted)."""
    exact, loose = owners(casefolded), owners(compacted)
    return {cid for alias in aliases for cid in exact.get(casefolded(alias)) or loose.get(compacted(alias), ())}


# ------------------------------------------------------------------ shape


def test_top_level_is_version_1_with_a_concept_list() -> None:
    data = load()
    assert isinstance(data, dict) and set(data) == {"version", "concepts"}
    assert data["version"] == 1
    assert isinstance(data["concepts"], list)


def test_at_least_200_concepts() -> None:
    assert len(entries()) >= 200


def test_every_kind_is_used() -> None:
    assert {e["kind"] for e in entries()} == KINDS


@pytest.mark.parametrize("entry", entries(), ids=lambda e: str(e.get("id")))
def test_entry_shape(entry: dict[str, Any]) -> None:
    assert isinstance(entry, dict)
    assert set(entry) <= ENTRY_KEYS, f"unknown keys {set(entry) - ENTRY_KEYS}"
    assert isinstance(entry.get("id"), str) and SNAKE.fullmatch(entry["id"]), entry.get("id")
    assert entry.get("kind") in KINDS
    if "category" in entry:
        assert isinstance(entry["category"], str) and SNAKE.fullmatch(entry["category"])
    assert isinstance(entry.get("name"), str) and entry["name"].strip()
    assert not CJK.search(entry["name"]), "name must be the English name"
    for key in ("zh", "aliases"):
        value = entry.get(key, [])
        assert isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value), key
    assert entry.get("zh") or entry.get("aliases"), "needs at least one zh name or alias"
    assert all(CJK.search(z) for z in entry.get("zh") or []), "zh names must contain Chinese"


@pytest.mark.parametrize("entry", entries(), ids=lambda e: str(e.get("id")))
def test_gloss_is_one_short_english_sentence(entry: dict[str, Any]) -> None:
    gloss = entry.get("gloss")
    assert isinstance(gloss, str) and gloss.strip()
    assert len(gloss) <= 200, len(gloss)
    assert "\n" not in gloss.strip()
    assert gloss.rstrip().endswith("."), "a gloss is one full sentence"
    assert not CJK.search(gloss), "glosses are English, in our own words"


def test_ids_are_unique() -> None:
    ids = [e["id"] for e in entries()]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


# ------------------------------------------------------------------ aliases


def test_aliases_are_unique_across_concepts() -> None:
    shared = {alias: ids for alias, ids in owners(casefolded).items() if len(ids) > 1}
    assert not shared, shared


def test_aliases_are_unique_across_concepts_in_compact_form() -> None:
    # The linker also matches "maxpooling" for "max pooling": such keys must not collide either.
    shared = {alias: ids for alias, ids in owners(compacted).items() if len(ids) > 1}
    assert not shared, shared


@pytest.mark.parametrize("entry", entries(), ids=lambda e: str(e.get("id")))
def test_no_repeated_alias_within_a_concept(entry: dict[str, Any]) -> None:
    folded = [casefolded(n) for n in names_of(entry)]
    assert len(folded) == len(set(folded)), sorted({f for f in folded if folded.count(f) > 1})


def test_no_alias_shorter_than_two_characters() -> None:
    short = [(e["id"], n) for e in entries() for n in names_of(e) if len(casefolded(n)) < 2]
    assert not short, short


@pytest.mark.parametrize("word", GENERIC)
def test_generic_word_is_not_an_alias(word: str) -> None:
    assert casefolded(word) not in owners(casefolded), f"{word!r} would link everywhere"


@pytest.mark.parametrize(
    ("concept_id", "alias"),
    [
        ("conv_1x1", "1x1卷积"),
        ("conv_1x1", "1×1卷积"),
        ("conv_1x1", "1*1卷积"),
        ("conv_1x1", "1x1的卷积核"),
        ("conv_1x1", "pointwise convolution"),
        ("conv_1x1", "逐点卷积"),
        ("conv_1x1", "点卷积"),
        ("relu", "Relu"),
        ("batch_normalization", "BN层"),
        ("batch_normalization", "Batch-normalization"),
        ("local_convolution", "local-Conv"),
        ("max_pooling", "max-pooling"),
        ("average_pooling", "average-pooling"),
        ("depthwise_separable_convolution", "depthwise separable convolutions"),
        ("depthwise_separable_convolution", "深度级可分离卷积"),
        ("googlenet", "GoogleNet"),
        ("googlenet", "Inception v1"),
        ("googlenet", "Inception-v1"),
        ("googlenet", "InceptionV1"),
        ("residual_connection", "skip connection"),
        ("residual_connection", "恒等映射"),
        ("dimension_reduction", "降维"),
        ("enlarge_receptive_field", "增大感受野"),
    ],
)
def test_spelling_used_in_the_notes_is_known(concept_id: str, alias: str) -> None:
    assert resolve([alias]) == {concept_id}


# ------------------------------------------------------------------ required ids


@pytest.mark.parametrize(("concept_id", "kind"), sorted(REQUIRED.items()))
def test_required_id_exists_with_its_kind(concept_id: str, kind: str) -> None:
    concepts = by_id()
    assert concept_id in concepts, f"missing required concept {concept_id!r}"
    assert concepts[concept_id]["kind"] == kind


def test_inception_v1_is_googlenet_or_its_own_concept() -> None:
    concepts = by_id()
    if "inception_v1" in concepts:
        assert resolve(["Inception v1"]) == {"inception_v1"}
    else:
        assert resolve(["Inception v1", "Inception-v1", "GoogLeNet"]) == {"googlenet"}


@pytest.mark.parametrize(("concept_id", "category"), sorted(CATEGORY_OF.items()))
def test_family_category(concept_id: str, category: str) -> None:
    assert by_id()[concept_id].get("category") == category


# ------------------------------------------------------------------ golden relations


def golden_lists() -> list[tuple[str, list[str]]]:
    """(label, alias list) for each side of each golden relation; empty when the file is absent."""
    if not GOLDEN.is_file():
        return []
    rows = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(f"{i}-{side}-{row[side][0]}", row[side]) for i, row in enumerate(rows) for side in ("source", "target")]


@pytest.mark.skipif(not GOLDEN.is_file(), reason=f"golden relations not found at {GOLDEN}")
@pytest.mark.parametrize(("label", "aliases"), golden_lists() or [("none", [])])
def test_golden_alias_list_is_matched_by_a_concept(label: str, aliases: list[str]) -> None:
    assert resolve(aliases), f"no concept carries any of {aliases}"


def test_every_golden_alias_is_in_the_catalogue_verbatim() -> None:
    # Stricter than the linker needs (it also folds 1×1 to 1x1 and drops spaces and hyphens):
    # every golden spelling is a name, zh name or alias after NFKC + casefold alone.
    known = owners(casefolded)
    missing = sorted({a for row in golden() for side in ("source", "target") for a in row[side] if casefolded(a) not in known})
    assert not missing, missing


def test_golden_targets_have_the_kind_their_relation_implies() -> None:
    concepts = by_id()
    wrong = []
    for row in golden():
        for relation in row["relation"]:
            if relation in TARGET_KIND:
                kinds = {concepts[cid]["kind"] for cid in resolve(row["target"])}
                if kinds != {TARGET_KIND[relation]}:
                    wrong.append((row["source"][0], relation, row["target"][0], kinds))
    assert not wrong, wrong

"""Kinds of concepts as the relation patterns see them: who can act, what is a problem.

A relation slot accepts concepts by kind: only an actor (architecture, layer, technique, or
a typed tool like ReLU or Adam) solves a problem; only an architecture introduces something.
Building blocks every network has (:data:`GENERIC`) and whole networks (:data:`CONTAINERS`)
get no credit for the effect of a part.

>>> from kg.model import Concept
>>> is_actor(Concept("relu", "ReLU", "concept", category="activation")), is_problem(Concept("p", "网格效应", "concept", proposed=True))
(True, True)
"""
from __future__ import annotations

import re

from kg.model import Concept

__all__ = ["CONTAINERS", "GENERIC", "TASK_ROLES", "is_actor", "is_problem", "is_thing", "looks_like_architecture"]

# Building blocks every network has: using them is never an architecture's contribution.
# Whole networks: a layer's effect is never theirs ("为构造深度卷积神经网络提供方向(减少参数").
CONTAINERS = frozenset({"cnn", "dnn", "ann", "neural_network", "hidden_layer"})
GENERIC = frozenset({"convolution", "pooling", "fully_connected_layer", "activation_function", "loss_function",
                     "optimizer", "cnn", "dnn", "ann", "feature_map", "neural_network", "backpropagation",
                     "normalization"})  # "BN就是通过规范化手段...": the family, not the subject
# Task words: "分类" in a sentence is not a role unless a role phrase says so ("用于分类").
TASK_ROLES = frozenset({"classification", "feature_extraction", "feature_selection"})
_ACTOR_CATEGORIES = {"activation", "optimizer", "loss"}
_PROBLEM_NAME = re.compile(r"(效应|问题|现象|困难|崩溃|退化)$|\b(effect|problem|collapse|artifacts?|degradation)\b", re.I)
_NET_NAME = re.compile(r"Net\b|Net-|former\b|GAN\b|^[A-Z]{2,}[a-z]*-?v?\d*$")


def is_actor(concept: Concept) -> bool:
    """Things that do something: architectures, layers, techniques, and typed tools like ReLU or Adam.

    A proposed term counts only when its kind says so, or its name is shaped like a network.
    """
    if concept.proposed and concept.kind == "concept" and not concept.category:
        return looks_like_architecture(concept)
    if concept.kind in {"architecture", "layer", "technique"}:
        return True
    return concept.kind == "concept" and (concept.category or "") in _ACTOR_CATEGORIES


def looks_like_architecture(concept: Concept) -> bool:
    """Architectures by kind, or proposed names shaped like one (EfficientNet, SENet, RetinaNet, ViT-B)."""
    return concept.kind == "architecture" or (
        concept.proposed and concept.kind == "concept" and _NET_NAME.search(concept.name) is not None)


def is_problem(c: Concept) -> bool:
    """Problems by kind, or proposed names that say so (网格效应, gridding effect, 模式崩溃问题)."""
    return c.kind == "problem" or (c.proposed and c.kind == "concept"
                                   and any(_PROBLEM_NAME.search(n) for n in (c.name, *c.zh)))


def is_thing(c: Concept) -> bool:
    return c.kind != "role" and not is_problem(c)


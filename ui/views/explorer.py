"""The 知识图谱 / Graph explorer tab: a concept's neighbourhood, its details, and a whole-graph overview.

Handlers return two HTML blocks, the drawing (:mod:`ui.views.diagram`) and the details panel;
both carry ``data-pick`` values that ``ui/assets/graph.js`` sends back on click.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr

from kg.errors import InputError
from kg.model import KINDS, RELATIONS, Concept, Relation
from kg.queries import neighbourhood
from qa import KnowledgeBase
from qa.demos import demos_for_concepts, get_demo
from ui.views import demos, diagram
from ui.views.errors import friendly
from ui.views.i18n import Lang, kind_name, lang_of, relation_name, t
from ui.views.markup import cite, display_name, esc, kind_badge, pick

__all__ = ["START", "concept_choices", "concept_name", "details", "focus", "refresh", "overview", "ExplorerView",
           "build"]

GRAPH_JS = Path(__file__).resolve().parents[1] / "assets" / "graph.js"
START = "BN层"  # the concept shown before the user picks one (any alias; skipped if absent)
_EVIDENCE, _SECTIONS, _HUBS = 3, 12, 15


def concept_choices(kb: KnowledgeBase) -> list[str]:
    """Every name and alias of every concept, for the autocompleting dropdown."""
    names = {a for c in kb.graph.concepts() for a in (c.name, *c.zh, *c.aliases)}
    return sorted(names, key=lambda n: (n.casefold(), n))


def _link(concept: Concept, lang: str, current: str) -> str:
    name = esc(display_name(concept, lang))
    if concept.id == current:
        return f"<b>{name}</b>"
    return f'<a class="kg-link" data-pick="{esc(pick("concept", concept.id))}">{name}</a>'


def _relation_item(kb: KnowledgeBase, rel: Relation, lang: str, current: str) -> str:
    g = kb.graph
    label = f'<span class="kg-rel">{esc(relation_name(lang, rel.relation))}</span>'
    head = f"{_link(g.concept(rel.source), lang, current)} {label} {_link(g.concept(rel.target), lang, current)}"
    evidence = "".join(f"<blockquote>{esc(e.text)} {cite(e.doc, e.line)}</blockquote>"
                       for e in rel.evidence[:_EVIDENCE])
    extra = len(rel.evidence) - _EVIDENCE
    more = f'<div class="kg-muted">{esc(t(lang, "more").format(n=extra))}</div>' if extra > 0 else ""
    return f"<li>{head}{evidence}{more}</li>"


def _sections(kb: KnowledgeBase, concept_id: str) -> list[tuple[str, str]]:
    """(title path, citation HTML) of the sections that mention the concept, heading mentions first."""
    by_id = {s.id: s for s in kb.snapshot.sections}
    hits: dict[str, bool] = {}
    for m in kb.snapshot.mentions:
        if m.concept == concept_id and m.section in by_id:
            in_heading = m.line == by_id[m.section].start_line
            hits[m.section] = hits.get(m.section, False) or in_heading
    ordered = sorted(hits, key=lambda s: (not hits[s], by_id[s].doc, by_id[s].start_line))
    return [(" › ".join((*by_id[s].path, by_id[s].title)), cite(by_id[s].doc, by_id[s].start_line, by_id[s].end_line))
            for s in ordered]


def _items(items: Sequence[str], lang: str) -> str:
    """``<li>`` items, or one saying there are none."""
    return "".join(items) or f'<li class="kg-muted">{esc(t(lang, "none"))}</li>'


def _section_items(sections: Sequence[tuple[str, str]], lang: str) -> list[str]:
    items = [f"<li>{esc(path)} {c}</li>" for path, c in sections[:_SECTIONS]]
    if len(sections) > _SECTIONS:
        items.append(f'<li class="kg-muted">{esc(t(lang, "more").format(n=len(sections) - _SECTIONS))}</li>')
    return items


def _demo_items(concept_id: str, lang: str) -> list[str]:
    return [f'<li><a class="kg-link" data-pick="{esc(pick("demo", d))}">▶ {esc(demos.title(get_demo(d), lang))}</a></li>'
            for d in demos_for_concepts([concept_id])]


def details(kb: KnowledgeBase, concept: Concept, lang: str) -> str:
    """The details panel: names, gloss, every relation with evidence, sections and demos."""
    shown = display_name(concept, lang)
    other = concept.name if lang == "zh" else concept.display_zh
    sub = f" <small>{esc(other)}</small>" if other != shown else ""
    proposed = f' <span class="kg-kind kg-proposed">{esc(t(lang, "proposed"))}</span>' if concept.proposed else ""
    aliases = " ".join(f'<span class="kg-alias">{esc(a)}</span>' for a in dict.fromkeys((*concept.zh, *concept.aliases)))
    relations = [_relation_item(kb, r, lang, concept.id) for r in kb.graph.relations_of(concept.id)]
    found = _sections(kb, concept.id)
    sections, demo_items = _section_items(found, lang), _demo_items(concept.id, lang)
    gloss = f'<p class="kg-gloss">{esc(concept.gloss)}</p>' if concept.gloss else ""
    return (
        f'<div class="kg-details"><h3>{esc(shown)}{sub} {kind_badge(concept.kind, lang)}{proposed}</h3>{gloss}'
        f'<div class="kg-aliases"><b>{esc(t(lang, "aliases"))}</b> {aliases}</div>'
        f'<h4>{esc(t(lang, "relations_of"))} ({len(relations)})</h4><ul class="kg-rels">{_items(relations, lang)}</ul>'
        f'<h4>{esc(t(lang, "sections"))} ({len(found)})</h4>'
        f'<ul class="kg-sections">{_items(sections, lang)}</ul>'
        f'<h4>{esc(t(lang, "demos_of"))} ({len(demo_items)})</h4><ul class="kg-demos">{_items(demo_items, lang)}</ul></div>'
    )


def _depth(depth: object) -> int:
    """The depth as an int (API clients may send "2" or 2.0); ``neighbourhood`` checks the range."""
    try:
        return int(float(depth or 1))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"depth={depth!r} is not a number: choose 1 or 2") from None


def focus(kb: KnowledgeBase, name: str | None, relations: Sequence[str] | None, depth: int | str | None,
          lang: str) -> tuple[str, str]:
    """(drawing, details) of the neighbourhood of the concept called ``name`` (any alias)."""
    lang = lang_of(lang)
    if not (name or "").strip():
        return diagram.render([], [], lang), ""
    with friendly(lang):
        concept = kb.graph.resolve(str(name).strip())
        concepts, edges = neighbourhood(kb.graph, concept.id, relations=list(relations or []), depth=_depth(depth))
    caption = "" if edges else t(lang, "no_edges")
    return diagram.render(concepts, edges, lang, centre=concept.id, caption=caption), details(kb, concept, lang)


def refresh(kb: KnowledgeBase, name: str | None, relations: Sequence[str] | None, depth: int | str | None,
            lang: str) -> tuple[Any, Any]:
    """Redraw the selected concept (after a language switch); leave an overview or an empty view alone."""
    if not (name or "").strip():
        return gr.skip(), gr.skip()
    return focus(kb, name, relations, depth, lang)


def overview(kb: KnowledgeBase, kinds: Sequence[str] | None, lang: str) -> tuple[str, str]:
    """(drawing, hubs panel) of every concept of the chosen kinds that has an edge among them."""
    lang = lang_of(lang)
    chosen = set(kinds or KINDS)
    graph = kb.graph
    edges = [r for r in graph.relations()
             if graph.concept(r.source).kind in chosen and graph.concept(r.target).kind in chosen]
    degree = Counter(end for r in edges for end in (r.source, r.target))
    concepts = [c for c in graph.concepts() if c.id in degree]
    isolated = sum(1 for c in graph.concepts() if c.kind in chosen and c.id not in degree)
    caption = t(lang, "overview_caption").format(nodes=len(concepts), edges=len(edges), isolated=isolated)
    hubs = "".join(
        f"<li>{_link(c, lang, '')} {kind_badge(c.kind, lang)} <span class=\"kg-muted\">{degree[c.id]}</span></li>"
        for c in sorted(concepts, key=lambda c: (-degree[c.id], c.name))[:_HUBS]
    )
    panel = f'<div class="kg-details"><h3>{esc(t(lang, "hubs"))}</h3><ol class="kg-hubs">{hubs}</ol></div>' if hubs else ""
    return diagram.render(concepts, edges, lang, caption=caption), panel


def concept_name(kb: KnowledgeBase, concept_id: str) -> str:
    """The dropdown value that selects ``concept_id``."""
    return kb.graph.concept(concept_id).name


@dataclass(frozen=True)
class ExplorerView:
    tab: gr.Tab
    concept: gr.Dropdown
    relations: gr.CheckboxGroup
    depth: gr.Radio
    kinds: gr.CheckboxGroup
    show_all: gr.Button
    graph: gr.HTML
    details: gr.HTML

    @property
    def labelled(self) -> list[gr.blocks.Block]:
        return [self.tab, self.concept, self.relations, self.depth, self.kinds, self.show_all]

    def relabel(self, lang: Lang) -> list[object]:
        """Updates for :attr:`labelled`, in the same order."""
        return [gr.Tab(label=t(lang, "tab_graph")),
                gr.Dropdown(label=t(lang, "concept"), info=t(lang, "concept_hint")),
                gr.CheckboxGroup(label=t(lang, "relations"), choices=_relation_choices(lang)),
                gr.Radio(label=t(lang, "depth")),
                gr.CheckboxGroup(label=t(lang, "kinds"), choices=_kind_choices(lang)),
                gr.Button(value=t(lang, "overview"))]


def _relation_choices(lang: str) -> list[tuple[str, str]]:
    return [(relation_name(lang, r), r) for r in RELATIONS]


def _kind_choices(lang: str) -> list[tuple[str, str]]:
    return [(kind_name(lang, k), k) for k in KINDS]


def build(kb: KnowledgeBase, lang: gr.Radio) -> ExplorerView:
    """The tab's components and events (call inside ``gr.Tabs``)."""
    js = GRAPH_JS.read_text(encoding="utf-8")
    start = kb.graph.find(START)
    name = start.name if start else None
    first_graph, first_details = focus(kb, name, RELATIONS, 1, "zh")
    with gr.Tab(t("zh", "tab_graph"), id="graph") as tab:
        with gr.Row(equal_height=True):
            concept = gr.Dropdown(concept_choices(kb), value=name, label=t("zh", "concept"), info=t("zh", "concept_hint"),
                                  allow_custom_value=True, filterable=True, scale=4, elem_id="kg-concept")
            depth = gr.Radio([1, 2], value=1, label=t("zh", "depth"), scale=1, min_width=120)
        with gr.Row(equal_height=True):
            relations = gr.CheckboxGroup(_relation_choices("zh"), value=list(RELATIONS), label=t("zh", "relations"),
                                         scale=4)
            kinds = gr.CheckboxGroup(_kind_choices("zh"), value=list(KINDS), label=t("zh", "kinds"), scale=3)
            show_all = gr.Button(t("zh", "overview"), scale=1, min_width=120, elem_id="kg-overview")
        with gr.Row():
            graph = gr.HTML(first_graph, js_on_load=js, elem_id="kg-graph", scale=3)
            info = gr.HTML(first_details, js_on_load=js, elem_id="kg-details", scale=2)
    show = partial(focus, kb)
    concept.change(show, [concept, relations, depth, lang], [graph, info], api_name="focus")
    gr.on([relations.change, depth.change], show, [concept, relations, depth, lang], [graph, info],
          api_visibility="private")
    show_all.click(partial(overview, kb), [kinds, lang], [graph, info], api_name="overview")
    return ExplorerView(tab, concept, relations, depth, kinds, show_all, graph, info)

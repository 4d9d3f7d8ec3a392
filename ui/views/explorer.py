"""The 知识图谱 / Graph explorer tab: search a concept, see its neighbourhood, or the graph's communities.

The search box ranks like a search box (:func:`kg.queries.search`): Enter, Tab or leaving the
box opens the best match, typing an exact alias opens it at once, and the ranked matches show
under the box. What is drawn is a small per-session :data:`View` (``("focus", ID)``,
``("overview", "")`` or ``("community", HUB_ID)``), so the filters (relation, depth, kind) and
the language switch redraw the current view at once. The drawing comes from
:mod:`ui.views.diagram`, the side panels from :mod:`ui.views.panels`; both carry ``data-pick``
values that ``ui/assets/graph.js`` sends back on click. The current view downloads as GraphML.

>>> view_of("focus", "relu")
('focus', 'relu')
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr
import networkx as nx

from kg.errors import InputError
from kg.model import KINDS, RELATIONS, Concept, Relation
from kg.queries import communities, close_names, neighbourhood, search
from qa import KnowledgeBase
from ui.views import diagram
from ui.views.errors import friendly, user_error
from ui.views.i18n import Lang, kind_name, lang_of, relation_name, t
from ui.views.markup import display_name, parse_pick
from ui.views.panels import community_label, details, matches_panel, overview_panel

__all__ = ["START", "View", "view_of", "best_match", "focus", "overview", "community", "show", "typed", "submitted",
           "picked", "to_overview", "graphml", "concept_name", "ExplorerView", "build"]

ASSETS = Path(__file__).resolve().parents[1] / "assets"
GRAPH_JS, CYTOSCAPE = ASSETS / "graph.js", ASSETS / "cytoscape.min.js"
EXPORTS = Path(tempfile.gettempdir()) / "kgqa-graph-exports"
START = "BN层"  # the concept shown before the user picks one (any alias; skipped if absent)
View = tuple[str, str]
Drawn = tuple[str, str, list[Concept], list[Relation]]  # drawing, panel, and what they show (for export)
_SUGGESTIONS = 8


def view_of(mode: str, key: str = "") -> View:
    """A view state; unknown modes mean "nothing drawn"."""
    return (mode, key) if mode in ("focus", "overview", "community") else ("empty", "")


def best_match(kb: KnowledgeBase, text: str | None, lang: str) -> Concept:
    """The concept the search box opens for ``text``; else an error toast in ``lang`` naming near spellings."""
    query = str(text or "").strip()
    found = search(kb.graph, query, limit=1)
    if found:
        return found[0].concept
    near = [display_name(c, lang) for c in close_names(kb.graph, query)]
    if near:
        raise user_error(lang, "no_concept_near", name=query, names=", ".join(near))
    raise user_error(lang, "no_concept", name=query)


def _depth(depth: object) -> int:
    """The depth as an int (API clients may send "2" or 2.0); ``neighbourhood`` checks the range."""
    try:
        return int(float(depth or 1))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"depth={depth!r} is not a number: choose 1 or 2") from None


def _rings(concepts: Sequence[Concept], relations: Sequence[Relation], centre: str) -> dict[str, int]:
    """Hops from ``centre`` over the drawn edges (either direction)."""
    g = nx.Graph()
    g.add_nodes_from(c.id for c in concepts)
    g.add_edges_from((r.source, r.target) for r in relations)
    return dict(nx.single_source_shortest_path_length(g, centre))


def _focus(kb: KnowledgeBase, concept: Concept, relations: Sequence[str] | None, depth: object,
           kinds: Sequence[str] | None, lang: str) -> Drawn:
    with friendly(lang):
        concepts, edges = neighbourhood(kb.graph, concept.id, relations=list(relations or []), depth=_depth(depth),
                                        kinds=None if kinds is None else list(kinds))
    caption = "" if edges else t(lang, "no_edges")
    drawing = diagram.render(concepts, edges, lang, centre=concept.id, rings=_rings(concepts, edges, concept.id),
                             caption=caption)
    return drawing, details(kb, concept, lang), concepts, edges


def focus(kb: KnowledgeBase, name: str | None, relations: Sequence[str] | None, depth: int | str | None,
          lang: str, kinds: Sequence[str] | None = None) -> tuple[str, str]:
    """(drawing, details) of the neighbourhood of the best match for ``name`` (any alias, ranked)."""
    lang = lang_of(lang)
    if not (name or "").strip():
        return diagram.render([], [], lang), ""
    drawing, panel, _, _ = _focus(kb, best_match(kb, name, lang), relations, depth, kinds, lang)
    return drawing, panel


def _overview(kb: KnowledgeBase, kinds: Sequence[str] | None, relations: Sequence[str] | None, lang: str) -> Drawn:
    with friendly(lang):
        view = communities(kb.graph, kinds=list(kinds or KINDS), relations=None if relations is None else list(relations))
    home = {m: c.hub for c in view.communities for m in c.members}
    links = Counter(tuple(sorted((home[r.source], home[r.target]))) for r in view.relations
                    if home[r.source] != home[r.target])
    kinds_of = {c.hub: Counter(kb.graph.concept(m).kind for m in c.members) for c in view.communities}
    nodes = [diagram.Node(c.hub, community_label(kb, c.members, lang, names=2), kinds_of[c.hub].most_common(1)[0][0],
                          f"community:{c.hub}", members=len(c.members),
                          kinds=tuple(sorted(kinds_of[c.hub].items(), key=lambda kv: KINDS.index(kv[0]))))
             for c in view.communities]
    edges = [diagram.Edge(f"l{i}", a, b, "link", str(n), weight=n) for i, ((a, b), n) in enumerate(sorted(links.items()))]
    members = sum(len(c.members) for c in view.communities)
    caption = t(lang, "overview_caption").format(communities=len(nodes), nodes=members, edges=len(view.relations),
                                                 isolated=len(view.isolated))
    drawing = diagram.draw(nodes, edges, lang, mode="overview", caption=caption)
    concepts = [kb.graph.concept(m) for c in view.communities for m in c.members]
    return drawing, overview_panel(kb, view, lang), concepts, list(view.relations)


def overview(kb: KnowledgeBase, kinds: Sequence[str] | None, lang: str,
             relations: Sequence[str] | None = None) -> tuple[str, str]:
    """(drawing, communities panel): the communities of the chosen kinds, and the isolated concepts listed."""
    drawing, panel, _, _ = _overview(kb, kinds, relations, lang_of(lang))
    return drawing, panel


def _community(kb: KnowledgeBase, hub: str, kinds: Sequence[str] | None, relations: Sequence[str] | None,
               lang: str) -> Drawn:
    with friendly(lang):
        view = communities(kb.graph, kinds=list(kinds or KINDS), relations=None if relations is None else list(relations))
    group = view.community_of(hub)
    if group is None:  # the filters changed under it: show the overview instead
        return _overview(kb, kinds, relations, lang)
    inside = set(group.members)
    concepts = [kb.graph.concept(m) for m in group.members]
    edges = [r for r in view.relations if r.source in inside and r.target in inside]
    caption = t(lang, "community_caption").format(name=community_label(kb, group.members, lang), nodes=len(concepts),
                                                  edges=len(edges))
    drawing = diagram.render(concepts, edges, lang, caption=caption)
    return drawing, overview_panel(kb, view, lang), concepts, edges


def community(kb: KnowledgeBase, hub: str, kinds: Sequence[str] | None, relations: Sequence[str] | None,
              lang: str) -> tuple[str, str]:
    """(drawing, panel) of the community that ``hub`` belongs to."""
    drawing, panel, _, _ = _community(kb, hub, kinds, relations, lang_of(lang))
    return drawing, panel


def graphml(concepts: Sequence[Concept], relations: Sequence[Relation]) -> str:
    """The drawn concepts and relations as GraphML, evidence and citations included.

    >>> from kg.model import Concept
    >>> "<graphml" in graphml([Concept("a", "A", "layer")], [])
    True
    """
    g = nx.MultiDiGraph()
    for c in concepts:
        g.add_node(c.id, name=c.name, kind=c.kind, zh=" / ".join(c.zh), gloss=c.gloss)
    ids = {c.id for c in concepts}
    for r in relations:
        if r.source in ids and r.target in ids:
            g.add_edge(r.source, r.target, key=r.relation, relation=r.relation, rule=getattr(r, "rule", ""),
                       confidence=float(getattr(r, "confidence", 1.0)),
                       evidence=" | ".join(e.text for e in r.evidence),
                       citations=" ".join(f"{e.doc}:{e.line}" for e in r.evidence))
    return "\n".join(nx.generate_graphml(g))


def _export(concepts: Sequence[Concept], relations: Sequence[Relation]) -> str:
    """Write the GraphML of a view to a temporary file (atomically, named by content) and return its path."""
    text = graphml(concepts, relations)
    EXPORTS.mkdir(parents=True, exist_ok=True)
    path = EXPORTS / f"kgqa-graph-{hashlib.sha256(text.encode()).hexdigest()[:16]}.graphml"
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=EXPORTS, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    return str(path)


def show(kb: KnowledgeBase, view: View | Sequence[str] | None, relations: Sequence[str] | None, depth: object,
         kinds: Sequence[str] | None, lang: str) -> tuple[Any, Any, Any, View]:
    """(drawing, panel, GraphML path, view) of ``view`` under the current filters."""
    lang = lang_of(lang)
    mode, key = view_of(*(view or ("empty", "")))
    if mode == "focus" and key in kb.graph:
        drawn = _focus(kb, kb.graph.concept(key), relations, depth, kinds, lang)
    elif mode == "community":
        drawn = _community(kb, key, kinds, relations, lang)
    elif mode == "overview":
        drawn = _overview(kb, kinds, relations, lang)
    else:
        return diagram.render([], [], lang), "", None, ("empty", "")
    drawing, panel, concepts, edges = drawn
    return drawing, panel, _export(concepts, edges), (mode, key)


def typed(kb: KnowledgeBase, text: str | None, view: View | None, relations: Sequence[str] | None, depth: object,
          kinds: Sequence[str] | None, lang: str) -> tuple[Any, ...]:
    """While typing: the ranked matches; an exact alias opens at once (the other outputs are skipped otherwise)."""
    lang = lang_of(lang)
    query = str(text or "").strip()
    if not query:
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), ""
    matches = search(kb.graph, query, limit=_SUGGESTIONS)
    if matches and matches[0].tier == "exact":
        target = ("focus", matches[0].concept.id)
        if tuple(view or ()) == target:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), ""
        return (*show(kb, target, relations, depth, kinds, lang), "")
    return gr.skip(), gr.skip(), gr.skip(), gr.skip(), matches_panel(matches, lang)


def submitted(kb: KnowledgeBase, text: str | None, view: View | None, relations: Sequence[str] | None, depth: object,
              kinds: Sequence[str] | None, lang: str) -> tuple[Any, ...]:
    """Enter or Tab in the search box: open the best match, or say (escaped, in ``lang``) that there is none."""
    lang = lang_of(lang)
    if not str(text or "").strip():
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), ""
    target = ("focus", best_match(kb, text, lang).id)
    if tuple(view or ()) == target:
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), ""
    return (*show(kb, target, relations, depth, kinds, lang), "")


def picked(kb: KnowledgeBase, value: str, relations: Sequence[str] | None, depth: object,
           kinds: Sequence[str] | None, lang: str) -> tuple[Any, ...]:
    """A clicked suggestion opens its concept; a clicked community opens that community. (The app routes
    concept and demo clicks in the drawing and panels itself.) Returns the outputs and the search box text."""
    kind, payload = parse_pick(value)
    if kind == "concept" and payload in kb.graph:
        return (*show(kb, ("focus", payload), relations, depth, kinds, lang), "", concept_name(kb, payload))
    if kind == "community":
        return (*show(kb, ("community", payload), relations, depth, kinds, lang), "", "")
    return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()


def to_overview(kb: KnowledgeBase, relations: Sequence[str] | None, depth: object, kinds: Sequence[str] | None,
                lang: str) -> tuple[Any, ...]:
    """The overview button: draw the communities and empty the search box (no concept is open)."""
    return (*show(kb, ("overview", ""), relations, depth, kinds, lang), "")


def concept_name(kb: KnowledgeBase, concept_id: str) -> str:
    """The search-box text that opens ``concept_id``."""
    return kb.graph.concept(concept_id).name


@dataclass(frozen=True)
class ExplorerView:
    tab: gr.Tab
    concept: gr.Textbox
    suggest: gr.HTML
    relations: gr.CheckboxGroup
    depth: gr.Radio
    kinds: gr.CheckboxGroup
    show_all: gr.Button
    export: gr.DownloadButton
    graph: gr.HTML
    details: gr.HTML
    view: gr.State

    @property
    def labelled(self) -> list[gr.blocks.Block]:
        return [self.tab, self.concept, self.relations, self.depth, self.kinds, self.show_all, self.export]

    def relabel(self, lang: Lang) -> list[object]:
        """Updates for :attr:`labelled`, in the same order."""
        return [gr.Tab(label=t(lang, "tab_graph")),
                gr.Textbox(label=t(lang, "concept"), placeholder=t(lang, "concept_hint")),
                gr.CheckboxGroup(label=t(lang, "relations"), choices=_relation_choices(lang)),
                gr.Radio(label=t(lang, "depth")),
                gr.CheckboxGroup(label=t(lang, "kinds"), choices=_kind_choices(lang)),
                gr.Button(value=t(lang, "overview")),
                gr.DownloadButton(label=t(lang, "export_graph"))]


def _relation_choices(lang: str) -> list[tuple[str, str]]:
    return [(relation_name(lang, r), r) for r in RELATIONS]


def _kind_choices(lang: str) -> list[tuple[str, str]]:
    return [(kind_name(lang, k), k) for k in KINDS]


def build(kb: KnowledgeBase, lang: gr.Radio) -> ExplorerView:
    """The tab's components and events (call inside ``gr.Tabs``)."""
    js = GRAPH_JS.read_text(encoding="utf-8")
    # The library is inlined into the page head (served by us, never a CDN); Gradio adds it once.
    head = f"<script>{CYTOSCAPE.read_text(encoding='utf-8')}</script>"
    start = kb.graph.find(START)
    first = show(kb, ("focus", start.id) if start else None, RELATIONS, 1, KINDS, "zh")
    with gr.Tab(t("zh", "tab_graph"), id="graph") as tab:
        with gr.Row(equal_height=True):
            with gr.Column(scale=4, min_width=320):
                concept = gr.Textbox(start.name if start else "", label=t("zh", "concept"), lines=1, max_lines=1,
                                     placeholder=t("zh", "concept_hint"), elem_id="kg-concept")
                suggest = gr.HTML("", js_on_load=js, elem_id="kg-suggest")
            depth = gr.Radio([1, 2], value=1, label=t("zh", "depth"), scale=1, min_width=120)
            show_all = gr.Button(t("zh", "overview"), scale=1, min_width=120, elem_id="kg-overview")
            export = gr.DownloadButton(t("zh", "export_graph"), value=first[2], scale=1, min_width=160,
                                       elem_id="kg-export")
        with gr.Row(equal_height=True):
            relations = gr.CheckboxGroup(_relation_choices("zh"), value=list(RELATIONS), label=t("zh", "relations"),
                                         scale=4, elem_id="kg-relations")
            kinds = gr.CheckboxGroup(_kind_choices("zh"), value=list(KINDS), label=t("zh", "kinds"), scale=3,
                                     elem_id="kg-kinds")
        with gr.Row():
            graph = gr.HTML(first[0], js_on_load=js, head=head, elem_id="kg-graph", scale=3)
            info = gr.HTML(first[1], js_on_load=js, elem_id="kg-details", scale=2)
        view = gr.State(first[3])
        parts = ExplorerView(tab, concept, suggest, relations, depth, kinds, show_all, export, graph, info, view)
        _wire(kb, parts, lang)  # inside the tab: gr.api adds a (hidden) block to the current layout
    return parts


def _wire(kb: KnowledgeBase, v: ExplorerView, lang: gr.Radio) -> None:
    """The tab's events: typing, Enter/Tab, the filters, the language, clicks, and the two API endpoints."""
    filters = [v.relations, v.depth, v.kinds, lang]
    drawn = [v.graph, v.details, v.export, v.view]
    private: dict[str, Any] = {"api_visibility": "private"}
    v.concept.change(partial(typed, kb), [v.concept, v.view, *filters], [*drawn, v.suggest],
                     trigger_mode="always_last", show_progress="hidden", **private)
    # A miss is told by a toast; the drawing and panels stay as they were, without an error badge.
    gr.on([v.concept.submit, v.concept.blur], partial(submitted, kb), [v.concept, v.view, *filters],
          [*drawn, v.suggest], show_progress="hidden", **private)
    gr.on([v.relations.change, v.depth.change, v.kinds.change, lang.change], partial(show, kb), [v.view, *filters],
          drawn, **private)
    v.show_all.click(partial(to_overview, kb), filters, [*drawn, v.concept], **private)

    # A closure, not functools.partial: Gradio finds the SelectData parameter from the annotations.
    def on_pick(relations: list[str], depth: int, kinds: list[str], lang_value: str,
                event: gr.SelectData) -> tuple[Any, ...]:
        return picked(kb, event.value, relations, depth, kinds, lang_value)

    gr.on([v.graph.select, v.details.select, v.suggest.select], on_pick, filters, [*drawn, v.suggest, v.concept],
          **private)

    def focus_api(name: str, relations: list[str], depth: int, lang: str = "zh") -> tuple[str, str]:
        """The neighbourhood of the concept best matching ``name``: (drawing HTML, details HTML)."""
        return focus(kb, name, relations, depth, lang)

    def overview_api(kinds: list[str], lang: str = "zh") -> tuple[str, str]:
        """The communities of the chosen kinds: (drawing HTML, panel HTML)."""
        return overview(kb, kinds, lang)

    gr.api(focus_api, api_name="focus")
    gr.api(overview_api, api_name="overview")

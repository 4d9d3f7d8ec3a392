"""The graph explorer in a real headless Chromium: search, drag, click an edge, filter, export.

The network is drawn by the vendored cytoscape.js on a canvas; the test reads node positions
and ids from the cytoscape instance the page keeps on ``.kg-cy`` (``box._cy``) and drives the
mouse at their on-screen coordinates. Screenshots of each step go to tests/artifacts/explorer-*.png.
Every request must stay on loopback, and no injected markup may render.
"""
from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

pytestmark = pytest.mark.slow

EVIL_TYPED = "<b>bold</b><img src=x onerror=alert(9)>"

from tests.ui.browsing import ARTIFACTS, WAIT, expect  # noqa: E402

CY = "document.querySelector('#kg-graph .kg-cy')._cy"
CENTRE = "() => { const b = document.querySelector('#kg-graph .kg-cy'); return b && b._cy ? " \
         "(b._cy.nodes('.centre').nonempty() ? b._cy.nodes('.centre').id() : '') : null; }"


@pytest.fixture()
def page(open_page) -> object:
    """The explorer tab of a fresh page, drawn around BN (requests are checked to stay on loopback)."""
    page = open_page(tab="知识图谱", height=1100, downloads=True)
    wait_centre(page, "batch_normalization")
    return page


def wait_centre(page, concept_id: str) -> None:
    """Wait until the network is drawn around ``concept_id`` (and has had a moment to frame itself)."""
    page.wait_for_function(f"({CENTRE})() === {concept_id!r}", timeout=WAIT)
    page.wait_for_timeout(300)


def shot(page, name: str, *, graph: bool = False) -> None:
    """Save a screenshot of the viewport, or of the whole drawing (scrolled into view) with ``graph``."""
    target = page.locator("#kg-graph") if graph else page
    target.screenshot(path=str(ARTIFACTS / f"explorer-{name}.png"))


def on_screen(page, selector: str) -> tuple[float, float]:
    """Page coordinates of the first cytoscape element matching ``selector`` (a node's centre, an edge's midpoint)."""
    x, y = page.evaluate(
        f"""() => {{
            const cy = {CY}; const el = cy.elements({selector!r})[0];
            const p = el.isNode() ? el.renderedPosition() : el.renderedMidpoint();
            const box = cy.container().getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }}""")
    return x, y


def search(page, text: str, key: str = "Enter") -> None:
    box = page.locator("#kg-concept input")
    box.fill(text)
    box.press(key)


@pytest.mark.parametrize(("text", "expected"), [("Transformer", "transformer"), ("resnet", "resnet"),
                                                  ("relu", "relu"), ("感受野", "receptive_field")])
def test_search_by_an_exact_alias_lands_on_that_concept(page, text: str, expected: str) -> None:
    search(page, text)
    wait_centre(page, expected)
    expect(page.locator("#kg-details h3")).to_be_visible()
    shot(page, f"01-search-{expected}")


def test_a_partial_name_lists_ranked_matches_and_enter_opens_the_first(page) -> None:
    box = page.locator("#kg-concept input")
    box.fill("transf")
    first = page.locator("#kg-suggest .kg-chip").first
    expect(first).to_have_attribute("data-pick", "concept:transformer", timeout=WAIT)
    shot(page, "02-matches")
    box.press("Enter")
    wait_centre(page, "transformer")


def test_typed_markup_in_the_search_box_shows_literally_in_the_toast(page) -> None:
    search(page, EVIL_TYPED, key="Tab")
    toast = page.locator("[data-testid='toast-body']").first
    expect(toast).to_contain_text("没有叫", timeout=WAIT)  # the UI's language, title included
    expect(toast.locator(".toast-title")).to_have_text("出错了")
    expect(toast).to_contain_text(EVIL_TYPED)
    assert toast.locator("img, b").count() == 0
    shot(page, "03-escaped-toast")


def test_drag_a_node_then_click_an_edge_to_read_its_evidence(page) -> None:
    node = "node[id != 'batch_normalization']"
    before = page.evaluate(f"() => {CY}.elements({node!r})[0].position()")
    x, y = on_screen(page, node)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 90, y + 70, steps=10)
    page.mouse.up()
    after = page.evaluate(f"() => {CY}.elements({node!r})[0].position()")
    assert abs(after["x"] - before["x"]) + abs(after["y"] - before["y"]) > 40, (before, after)
    wait_centre(page, "batch_normalization")  # a drag is not a click: the view did not re-centre
    shot(page, "04-dragged", graph=True)
    x, y = on_screen(page, "edge")
    page.mouse.click(x, y)
    panel = page.locator("#kg-graph .kg-edge-info section:not([hidden])")
    expect(panel).to_be_visible(timeout=WAIT)
    expect(panel).to_contain_text("抽取规则")
    expect(panel.locator(".kg-cite").first).to_contain_text(".md:")
    expect(panel.locator("blockquote").first).not_to_be_empty()
    shot(page, "05-edge-evidence", graph=True)


def test_filters_apply_immediately(page) -> None:
    count = f"() => {CY}.nodes().length"
    one = page.evaluate(count)
    page.locator("#kg-relations").get_by_text("作用", exact=True).click()
    page.wait_for_function(f"() => {CY}.nodes().length < {one}", timeout=WAIT)
    shot(page, "06-without-has-role", graph=True)
    page.locator("#kg-relations").get_by_text("作用", exact=True).click()
    page.get_by_text("2", exact=True).click()
    page.wait_for_function(f"() => {CY}.nodes().length > {one}", timeout=WAIT)
    page.wait_for_timeout(500)
    shot(page, "07-depth-two", graph=True)
    page.locator("#kg-kinds").get_by_text("概念", exact=True).click()
    page.wait_for_function(f"() => {CY}.nodes().filter(n => n.data('line') === '#868E96').length === 0",
                           timeout=WAIT)
    shot(page, "08-without-plain-concepts", graph=True)


def test_overview_shows_communities_and_opens_one(page) -> None:
    page.locator("#kg-overview").click()
    page.wait_for_function(f"() => {CY} && {CY}.nodes('.community').length > 2", timeout=WAIT)
    expect(page.locator("#kg-details .kg-isolated")).to_be_visible()
    page.wait_for_timeout(500)
    shot(page, "09-overview", graph=True)
    x, y = on_screen(page, "node.community")
    page.mouse.click(x, y)
    page.wait_for_function(f"() => {CY} && {CY}.nodes('.community').length === 0 && {CY}.nodes().length > 3",
                           timeout=WAIT)
    expect(page.locator("#kg-graph .kg-caption")).to_contain_text("社区")
    page.wait_for_timeout(500)
    shot(page, "10-community", graph=True)


def test_export_png_and_graphml(page, tmp_path: Path) -> None:
    with page.expect_download(timeout=WAIT) as png:
        page.locator("#kg-graph [data-act='png']").click()
    target = tmp_path / "view.png"
    png.value.save_as(target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and target.stat().st_size > 5_000
    with page.expect_download(timeout=WAIT) as graphml:
        page.locator("#kg-export").click()
    saved = tmp_path / "view.graphml"
    graphml.value.save_as(saved)
    g = nx.read_graphml(saved)
    drawn = set(page.evaluate(f"() => {CY}.nodes().map(n => n.id())"))
    assert set(g.nodes) == drawn and "batch_normalization" in g
    shot(page, "11-exported")


def test_english_labels_the_explorer_in_english(page) -> None:
    with page.expect_event("load", timeout=WAIT):  # the switch reloads the page
        page.get_by_text("English", exact=True).click()
    expect(page.locator("#kg-graph .kg-toolbar")).to_contain_text("click an edge", timeout=WAIT)
    expect(page.locator("#kg-details h3")).to_contain_text("Batch Normalization")
    page.wait_for_timeout(500)
    shot(page, "12-english")


def test_clicking_a_node_recentres_on_it(page) -> None:
    neighbour = page.evaluate(f"() => {CY}.nodes().not('.centre')[0].id()")
    x, y = on_screen(page, f"#{neighbour}")
    page.mouse.click(x, y)
    wait_centre(page, neighbour)
    expect(page.locator("#kg-concept input")).not_to_have_value("Batch Normalization")
    shot(page, "13-recentred", graph=True)


def test_a_concept_picked_in_the_chat_opens_in_the_explorer(page) -> None:
    page.get_by_role("tab", name="问答").click()
    page.locator("#kg-question textarea").fill("What does 1x1 convolution do?")
    page.locator("#kg-ask").click()
    option = page.locator("#kg-chat .option", has_text="概念 · 1x1").first
    expect(option).to_be_visible(timeout=WAIT)
    option.click()
    expect(page.get_by_role("tab", name="知识图谱")).to_have_attribute("aria-selected", "true", timeout=WAIT)
    wait_centre(page, "conv_1x1")
    expect(page.locator("#kg-details")).to_contain_text("关系与证据")
    shot(page, "14-from-the-chat")

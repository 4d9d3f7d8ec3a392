// Runs as gr.HTML(js_on_load=...): `element` is the component's root, `trigger` sends an event,
// `watch("value", cb)` calls back after Python replaces the HTML.
// - Clicks on [data-pick] send {value: "concept:ID" | "demo:ID" | "ask:..." | "community:ID"} as a select event.
// - A .kg-cy block becomes a cytoscape.js network (ui/assets/cytoscape.min.js, loaded through the
//   component's `head`): positions come from Python (preset layout, labels already kept apart),
//   nodes can be dragged, a tap on a node sends its pick, a tap on an edge shows its evidence
//   panel (pre-rendered and escaped by Python; this file never builds HTML from data).
// - [data-act=fit] fits the view, [data-act=png] downloads the current view as PNG (cytoscape's own export).

const STYLE = [
  { selector: "node", style: {
    shape: "round-rectangle", width: "data(w)", height: "data(h)", label: "data(label)",
    "background-color": "data(fill)", "border-color": "data(line)", "border-width": 2,
    "font-size": "data(font)", color: "#1f2937", "text-valign": "center", "text-halign": "center",
    "font-family": "Source Sans Pro, Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif",
  } },
  { selector: "node.centre", style: { "border-width": 4, "font-weight": 700 } },
  { selector: "node.community", style: {
    shape: "ellipse", "text-valign": "bottom", "text-margin-y": 6, "text-wrap": "wrap", "text-max-width": 160,
    "background-color": "#f8fafc", "border-color": "#adb5bd",
    "pie-size": "88%", "pie-1-background-color": "data(c1)", "pie-1-background-size": "data(p1)",
    "pie-2-background-color": "data(c2)", "pie-2-background-size": "data(p2)",
    "pie-3-background-color": "data(c3)", "pie-3-background-size": "data(p3)",
    "pie-4-background-color": "data(c4)", "pie-4-background-size": "data(p4)",
    "pie-5-background-color": "data(c5)", "pie-5-background-size": "data(p5)",
    "pie-6-background-color": "data(c6)", "pie-6-background-size": "data(p6)",
  } },
  { selector: "node:selected, node.hot", style: { "border-color": "#1f2937", "border-width": 3 } },
  { selector: "edge", style: {
    width: "mapData(weight, 1, 12, 1.6, 7)", "line-color": "data(colour)", "target-arrow-color": "data(colour)",
    "target-arrow-shape": "triangle", "curve-style": "bezier", "arrow-scale": 0.9, opacity: 0.75,
    "font-size": 12, color: "#495057", "text-background-color": "#ffffff", "text-background-opacity": 0.85,
    "text-background-padding": 2, "text-rotation": "autorotate", "overlay-padding": 6,
  } },
  { selector: "edge.labelled, edge.hot, edge:selected", style: { label: "data(label)" } },
  { selector: "edge.link", style: { "target-arrow-shape": "none", "line-color": "#adb5bd", label: "data(label)" } },
  { selector: "edge.contrasts_with", style: { "line-style": "dashed", "target-arrow-shape": "none" } },
  { selector: "edge.hot, edge:selected", style: { opacity: 1, width: 3.5, "z-index": 10 } },
];

const parse = (box) => {
  try { return JSON.parse(box.dataset.elements || "[]"); } catch (err) { return []; }
};

function send(value) {
  if (value) trigger("select", { index: 0, value });
}

function showEdge(graph, id) {
  const info = graph.querySelector(".kg-edge-info");
  if (!info) return;
  info.querySelectorAll("section[data-edge]").forEach((s) => { s.hidden = s.dataset.edge !== id; });
  const hint = info.querySelector(":scope > p");
  if (hint) hint.hidden = Boolean(id);
}

function tip(graph, text, event) {
  const box = graph.querySelector(".kg-tip");
  if (!box) return;
  box.hidden = !text;
  if (!text) return;
  box.textContent = text;  // text only: names and glosses come from notes
  const pos = event.renderedPosition || { x: 0, y: 0 };
  box.style.left = `${pos.x + 14}px`;
  box.style.top = `${pos.y + 14}px`;
}

function download(uri, name) {
  const link = document.createElement("a");
  link.href = uri;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
}

// Fit the view, but never so small that labels cannot be read: then zoom in on the centre instead.
function frame(cy) {
  cy.fit(undefined, 24);
  const centre = cy.nodes(".centre");
  const least = centre.nonempty() ? 0.75 : 0.55;  // an overview may be smaller: its labels are larger
  if (cy.zoom() < least) {
    cy.zoom(least);
    cy.center(centre.nonempty() ? centre : undefined);
  }
}

// Gradio may patch the new HTML into the old elements rather than replace them, so a box is
// (re)drawn whenever its data differs from what it was drawn from.
function mount(box) {
  if (typeof window.cytoscape !== "function" || (box._cy && box._drawn === box.dataset.elements)) return;
  if (box._cy) {
    box._cy.destroy();
    box._resize.disconnect();
  }
  box._drawn = box.dataset.elements;
  const graph = box.closest(".kg-graph");
  const cy = window.cytoscape({
    container: box, elements: parse(box), style: STYLE, layout: { name: "preset", fit: true, padding: 24 },
    minZoom: 0.15, maxZoom: 3, boxSelectionEnabled: false,
  });
  box._cy = cy;  // the browser test reads positions from here
  frame(cy);
  // The tab may still be laying out when the network mounts: re-frame when the box changes size,
  // until the user has moved something.
  let touched = false;
  cy.on("dragfree", "node", () => { touched = true; });
  cy.on("scrollzoom", () => { touched = true; });
  box._resize = new ResizeObserver(() => {
    cy.resize();
    if (!touched) frame(cy);
  });
  box._resize.observe(box);
  cy.on("tap", "node", (event) => send(event.target.data("pick")));
  cy.on("tap", "edge", (event) => {
    cy.edges().removeClass("hot");
    event.target.addClass("hot");
    showEdge(graph, event.target.id());
  });
  cy.on("tap", (event) => { if (event.target === cy) { cy.edges().removeClass("hot"); showEdge(graph, ""); } });
  cy.on("mouseover", "node", (event) => {
    event.target.connectedEdges().addClass("hot");
    tip(graph, event.target.data("tip"), event);
  });
  cy.on("mouseout", "node", (event) => {
    event.target.connectedEdges().not(":selected").removeClass("hot");
    tip(graph, "", event);
  });
  cy.on("grab", "node", (event) => tip(graph, "", event));
}

function mountAll() {
  element.querySelectorAll(".kg-cy").forEach(mount);
}

element.addEventListener("click", (event) => {
  const act = event.target.closest("[data-act]");
  if (act) {
    const box = act.closest(".kg-graph")?.querySelector(".kg-cy");
    const cy = box && box._cy;
    if (!cy) return;
    if (act.dataset.act === "fit") cy.fit(undefined, 24);  // everything, however small
    if (act.dataset.act === "png") download(cy.png({ full: true, scale: 2, bg: "#ffffff" }), "kgqa-graph.png");
    return;
  }
  const picked = event.target.closest("[data-pick]");
  if (picked && element.contains(picked)) send(picked.dataset.pick);
});

// Choosing a suggestion must not blur the search box first (a blur opens the best match).
element.addEventListener("mousedown", (event) => {
  if (event.target.closest(".kg-suggest [data-pick]")) event.preventDefault();
});

element.addEventListener("keydown", (event) => {
  const picked = event.target.closest("[data-pick]");
  if (event.key === "Enter" && picked) send(picked.dataset.pick);
});

// Gradio 6 heads every error toast with the English word "Error" and ignores the title we send;
// show the explorer's own title (in the UI's language, carried by the drawing) instead. Once per page.
function localiseToasts() {
  const title = document.querySelector("#kg-graph .kg-graph")?.dataset.errorTitle;
  if (!title) return;
  document.querySelectorAll(".toast-title.error").forEach((span) => {
    const text = span.firstChild;
    if (text && text.nodeType === Node.TEXT_NODE && text.textContent.trim() !== title) text.textContent = `${title} `;
  });
}
if (!window.kgqaToasts) {
  window.kgqaToasts = new MutationObserver(localiseToasts);
  window.kgqaToasts.observe(document.body, { childList: true, subtree: true });
}

mountAll();
watch("value", mountAll);

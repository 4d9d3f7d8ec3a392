// Runs as gr.HTML(js_on_load=...): `element` is the component's root, `trigger` sends an event.
// Clicks on [data-pick] send {value: "concept:ID" | "demo:ID" | "ask:..."} as a select event;
// on an svg.kg-svg the wheel zooms around the cursor, a drag pans, [data-zoom] buttons zoom.
// Listeners sit on the root, so they keep working when Python replaces the HTML inside it.
const FULL = { x: 0, y: 0, w: 800, h: 560 };  // diagram.WIDTH, diagram.HEIGHT
let drag = null;
let dragged = false;

const svgOf = (node) => (node && node.closest ? node.closest("svg.kg-svg") : null);
const viewOf = (svg) => {
  const v = svg.viewBox.baseVal;
  return { x: v.x, y: v.y, w: v.width, h: v.height };
};
const setView = (svg, v) => svg.setAttribute("viewBox", `${v.x} ${v.y} ${v.w} ${v.h}`);
// Screen pixels -> drawing units ("meet" scaling keeps the aspect ratio, so one factor).
const unitsPerPixel = (svg, v) => {
  const box = svg.getBoundingClientRect();
  return Math.max(v.w / box.width, v.h / box.height);
};

function zoom(svg, factor, cx, cy) {
  const v = viewOf(svg);
  const w = v.w * factor;
  if (w < FULL.w / 10 || w > FULL.w * 4) return;
  setView(svg, { x: cx - (cx - v.x) * factor, y: cy - (cy - v.y) * factor, w, h: v.h * factor });
}

function pointAt(svg, event) {
  const v = viewOf(svg);
  const box = svg.getBoundingClientRect();
  const k = unitsPerPixel(svg, v);
  return [
    v.x + (event.clientX - box.left) * k - (box.width * k - v.w) / 2,
    v.y + (event.clientY - box.top) * k - (box.height * k - v.h) / 2,
  ];
}

element.addEventListener("wheel", (event) => {
  const svg = svgOf(event.target);
  if (!svg) return;
  event.preventDefault();
  const [x, y] = pointAt(svg, event);
  zoom(svg, event.deltaY > 0 ? 1.15 : 1 / 1.15, x, y);
}, { passive: false });

element.addEventListener("pointerdown", (event) => {
  const svg = svgOf(event.target);
  if (!svg || event.button !== 0) return;
  drag = { svg, x: event.clientX, y: event.clientY, v: viewOf(svg) };
  dragged = false;
});

element.addEventListener("pointermove", (event) => {
  if (!drag) return;
  const dx = event.clientX - drag.x;
  const dy = event.clientY - drag.y;
  if (!dragged && Math.abs(dx) + Math.abs(dy) < 5) return;
  dragged = true;
  const k = unitsPerPixel(drag.svg, drag.v);
  setView(drag.svg, { x: drag.v.x - dx * k, y: drag.v.y - dy * k, w: drag.v.w, h: drag.v.h });
});

window.addEventListener("pointerup", () => { drag = null; });

function send(target) {
  const picked = target.closest("[data-pick]");
  if (picked && element.contains(picked)) trigger("select", { index: 0, value: picked.dataset.pick });
}

element.addEventListener("click", (event) => {
  if (dragged) { dragged = false; return; }
  const button = event.target.closest("[data-zoom]");
  if (button) {
    const svg = element.querySelector("svg.kg-svg");
    if (!svg) return;
    const v = viewOf(svg);
    if (button.dataset.zoom === "reset") setView(svg, FULL);
    else zoom(svg, button.dataset.zoom === "in" ? 0.8 : 1.25, v.x + v.w / 2, v.y + v.h / 2);
    return;
  }
  send(event.target);
});

element.addEventListener("keydown", (event) => {
  if (event.key === "Enter") send(event.target);
});

// Hovering a node lights up its edges.
element.addEventListener("pointerover", (event) => {
  const node = event.target.closest ? event.target.closest(".kg-node") : null;
  element.querySelectorAll(".kg-hot").forEach((e) => e.classList.remove("kg-hot"));
  if (!node) return;
  const id = node.dataset.id;
  element.querySelectorAll(".kg-edge").forEach((edge) => {
    if (edge.dataset.ends.split(" ").includes(id)) edge.classList.add("kg-hot");
  });
});

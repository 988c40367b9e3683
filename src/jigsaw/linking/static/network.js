/* Jigsaw network view: draws a subject's neighbourhood as SVG with a small force layout.
 * No dependencies, no inline script (CSP script-src 'self'), text only through textContent.
 * The page works without this file: the tables below the graph hold the same nodes and edges. */
(function () {
  "use strict";
  var box = document.getElementById("network-graph");
  if (!box || !window.fetch) { return; }
  var panel = document.getElementById("network-evidence");
  var SVG = "http://www.w3.org/2000/svg";
  var W = 900, H = 560;
  var ROLE_COLOURS = { suspect: "#b10e1e", victim: "#005ea5", recipient: "#6f72af" };

  function el(name, attrs) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function layout(nodes, edges) {
    // Fruchterman-Reingold, deterministic start on a circle; fine for the 300 nodes the server sends.
    var n = nodes.length, k = Math.sqrt((W * H) / Math.max(n, 1)) * 0.75;
    nodes.forEach(function (d, i) {
      var a = (2 * Math.PI * i) / Math.max(n, 1);
      d.x = W / 2 + (W / 3) * Math.cos(a); d.y = H / 2 + (H / 3) * Math.sin(a);
    });
    var index = {}; nodes.forEach(function (d, i) { index[d.key] = i; });
    var temp = W / 8;
    for (var it = 0; it < 250; it++) {
      var dx = new Float64Array(n), dy = new Float64Array(n), i, j;
      for (i = 0; i < n; i++) {
        for (j = i + 1; j < n; j++) {
          var ex = nodes[i].x - nodes[j].x, ey = nodes[i].y - nodes[j].y;
          var d2 = ex * ex + ey * ey + 0.01, f = (k * k) / d2;
          dx[i] += ex * f; dy[i] += ey * f; dx[j] -= ex * f; dy[j] -= ey * f;
        }
      }
      edges.forEach(function (e) {
        var a = index[e.s], b = index[e.t];
        if (a === undefined || b === undefined) { return; }
        var ex = nodes[a].x - nodes[b].x, ey = nodes[a].y - nodes[b].y;
        var d = Math.sqrt(ex * ex + ey * ey) + 0.01, f = d / k;
        dx[a] -= ex * f; dy[a] -= ey * f; dx[b] += ex * f; dy[b] += ey * f;
      });
      for (i = 0; i < n; i++) {
        var len = Math.sqrt(dx[i] * dx[i] + dy[i] * dy[i]) + 0.01, step = Math.min(len, temp);
        nodes[i].x = Math.min(W - 20, Math.max(20, nodes[i].x + (dx[i] / len) * step));
        nodes[i].y = Math.min(H - 20, Math.max(20, nodes[i].y + (dy[i] / len) * step));
      }
      temp *= 0.98;
    }
    return index;
  }

  function describe(item) {
    if (item.kind === "identifier") {
      return item.type.replace(/_/g, " ") + " " + item.value + (item.platform ? " on " + item.platform : "");
    }
    if (item.kind === "media") {
      return "same image (group " + item.image_group + "): " + item.items.map(function (m) {
        return (m.sha256 || m.md5 || m.pdq || "").slice(0, 16) + "… (subject " + m.subject_id + ")";
      }).join(", ");
    }
    return "analyst merge by " + item.merged_by + ": " + item.reason;
  }

  function showEvidence(edge) {
    if (!panel) { return; }
    panel.hidden = false;
    panel.textContent = "";
    var h = document.createElement("h2");
    h.textContent = "Subject " + edge.source + " – subject " + edge.target;
    panel.appendChild(h);
    var list = document.createElement("ul");
    edge.evidence.forEach(function (item) {
      var li = document.createElement("li"); li.textContent = describe(item); list.appendChild(li);
    });
    panel.appendChild(list);
    var p = document.createElement("p");
    p.textContent = "Reports: " + edge.reports.join(", ");
    panel.appendChild(p);
  }

  function shortName(n) {
    // What an analyst recognises a subject by: its first identifier, clipped to fit the drawing.
    var first = (n.identifiers || [])[0];
    if (!first) { return "subject " + n.id; }
    var text = first.value + (first.platform ? " @" + first.platform : "");
    return text.length > 26 ? text.slice(0, 25) + "\u2026" : text;
  }

  function draw(view) {
    var nodes = view.nodes.map(function (n) {
      var idents = (n.identifiers || []).map(function (i) { return i.type + ": " + i.value; });
      return { key: "s" + n.id, id: n.id, role: n.role, start: n.start, short: shortName(n),
               label: "Subject " + n.id + " (" + n.role + ", report " + n.report_reference + ")" +
                      (idents.length ? "\n" + idents.join("\n") : "") };
    });
    view.hubs.forEach(function (h) {
      nodes.push({ key: "h" + h.via, id: h.via, hub: true, label: h.count + " more via subject " + h.via });
    });
    var edges = view.edges.map(function (e) { return { s: "s" + e.source, t: "s" + e.target, data: e }; });
    view.hubs.forEach(function (h) { edges.push({ s: "s" + h.via, t: "h" + h.via, data: null }); });
    var index = layout(nodes, edges);
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, width: "100%", role: "img",
                          "aria-label": "Network graph of " + nodes.length + " subjects; the tables below hold the same data" });
    edges.forEach(function (e) {
      var a = nodes[index[e.s]], b = nodes[index[e.t]];
      var line = el("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, stroke: e.data ? "#505a5f" : "#b1b4b6",
                              "stroke-width": e.data ? Math.min(1 + e.data.evidence.length, 6) : 1,
                              "stroke-dasharray": e.data ? "" : "4 3" });
      if (e.data) {
        line.setAttribute("tabindex", "0");
        line.setAttribute("cursor", "pointer");
        var t = el("title"); t.textContent = "Show the evidence for this link"; line.appendChild(t);
        var open = function () { showEvidence(e.data); };
        line.addEventListener("click", open);
        line.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { open(); } });
      }
      svg.appendChild(line);
    });
    nodes.forEach(function (d) {
      var shape = d.hub
        ? el("rect", { x: d.x - 9, y: d.y - 9, width: 18, height: 18, fill: "#f3f2f1", stroke: "#0b0c0c" })
        : el("circle", { cx: d.x, cy: d.y, r: d.start ? 11 : 7, fill: ROLE_COLOURS[d.role] || "#505a5f",
                         stroke: d.start ? "#ffdd00" : "#ffffff", "stroke-width": d.start ? 4 : 1.5 });
      shape.setAttribute("tabindex", "0");
      shape.setAttribute("cursor", "pointer");
      var title = el("title"); title.textContent = d.label; shape.appendChild(title);
      var go = function () { window.location.href = "/networks/subject/" + d.id; };
      shape.addEventListener("click", go);
      shape.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { go(); } });
      svg.appendChild(shape);
      var nearRight = d.x > W - 180;  // keep the name inside the drawing
      var text = el("text", { x: nearRight ? d.x - 10 : d.x + 10, y: d.y - 8, "font-size": 11, fill: "#0b0c0c",
                              "text-anchor": nearRight ? "end" : "start" });
      text.textContent = d.hub ? d.label : d.short;
      svg.appendChild(text);
    });
    box.appendChild(svg);
    box.hidden = false;
  }

  fetch(box.getAttribute("data-src"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
    .then(draw)
    .catch(function () { box.hidden = true; });
})();

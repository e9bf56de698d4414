// ldb ui: the embedding view (docs/ui.md "The embedding view"). The stored
// 2-D projection (`ldb project`) of the grid's selection drawn with WebGL:
// one upload of the points as the server sends them (float32 x,y), gl.POINTS,
// pan with a drag, zoom with the wheel, colour by a key, a click opens an
// object, a lasso (shift-drag, or the lasso button) pins its objects on the
// server and narrows the grid to them.
"use strict";

(() => {
  const PALETTE = [
    [0.35, 0.66, 1.0], [1.0, 0.71, 0.33], [0.48, 0.85, 0.56], [1.0, 0.42, 0.6], [0.78, 0.57, 0.92],
    [0.3, 0.82, 0.88], [0.97, 0.55, 0.42], [0.83, 0.88, 0.34], [0.62, 0.62, 1.0], [1.0, 0.84, 0.5],
    [0.45, 0.7, 0.62], [0.9, 0.5, 0.85], [0.6, 0.8, 1.0], [0.85, 0.65, 0.45], [0.7, 0.9, 0.7], [0.55, 0.57, 0.62],
  ];
  const CLICK_PIXELS = 4;  // a press that moves less is a click
  const PICK_PIXELS = 8;   // a click takes the nearest point this close

  const view = ldb.registerView({ name: "embedding", title: "Embedding", onShow: () => { if (stale) load(); } });
  const make = (tag, props = {}, testid = "") => {
    const e = Object.assign(document.createElement(tag), props);
    if (testid) e.dataset.testid = testid;
    return e;
  };
  const field = (label, input) => {
    const l = make("label", { className: "field" });
    l.append(make("span", { textContent: label }), input);
    return l;
  };
  const modelInput = make("input", { value: "builtin", spellcheck: false, title: "the embedding model (ldb embed -m)" },
                          "embedding-model-input");
  const methodInput = make("input", { value: "pca", spellcheck: false, title: "the projection (ldb project --method)" },
                           "embedding-method-input");
  const colorInput = make("input", { spellcheck: false, placeholder: "e.g. class",
                                     title: "colour by this key (JMESPath over annotations)" }, "embedding-color-input");
  const lassoButton = make("button", { type: "button", className: "tab", textContent: "lasso",
                                       title: "draw a lasso to select (or shift-drag)" }, "embedding-lasso");
  const toolbar = make("div", { className: "embedding-bar" });
  toolbar.append(field("model", modelInput), field("method", methodInput), field("colour", colorInput), lassoButton);
  const status = make("div", { className: "embedding-status" }, "embedding-status");
  const stage = make("div", { className: "embedding-stage" });
  const canvas = make("canvas", {}, "embedding-canvas");
  const overlay = make("canvas", { className: "embedding-overlay" });
  stage.append(canvas, overlay);
  const legend = make("ul", { className: "embedding-legend" }, "embedding-legend");
  view.append(toolbar, status, stage, legend);
  canvas.dataset.state = "idle";

  // ---- WebGL ----------------------------------------------------------------

  const gl = canvas.getContext("webgl", { antialias: false, preserveDrawingBuffer: true, alpha: false });
  let program = null;
  let loc = {};
  const buffers = {};
  if (gl) {
    const vertex = `
      attribute vec2 aPos; attribute float aCat; attribute float aSel;
      uniform vec2 uScale; uniform vec2 uOffset; uniform float uSize; uniform float uAnySel;
      uniform vec3 uPalette[16];
      varying vec4 vColor;
      void main() {
        gl_Position = vec4(aPos * uScale + uOffset, 0.0, 1.0);
        gl_PointSize = aSel > 0.5 ? uSize + 1.0 : uSize;
        vec3 c = uPalette[15];
        for (int i = 0; i < 16; i++) { if (float(i) == min(aCat, 15.0)) c = uPalette[i]; }
        if (aSel > 0.5) c = mix(c, vec3(1.0), 0.45);
        vColor = vec4(c, uAnySel > 0.5 && aSel < 0.5 ? 0.22 : 0.9);
      }`;
    const fragment = `precision mediump float; varying vec4 vColor; void main() { gl_FragColor = vColor; }`;
    const shader = (type, text) => {
      const s = gl.createShader(type);
      gl.shaderSource(s, text);
      gl.compileShader(s);
      if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(s));
      return s;
    };
    program = gl.createProgram();
    gl.attachShader(program, shader(gl.VERTEX_SHADER, vertex));
    gl.attachShader(program, shader(gl.FRAGMENT_SHADER, fragment));
    gl.linkProgram(program);
    gl.useProgram(program);
    for (const name of ["aPos", "aCat", "aSel"]) loc[name] = gl.getAttribLocation(program, name);
    for (const name of ["uScale", "uOffset", "uSize", "uAnySel", "uPalette"]) loc[name] = gl.getUniformLocation(program, name);
    gl.uniform3fv(loc.uPalette, new Float32Array(PALETTE.flat()));
    for (const name of ["pos", "cat", "sel"]) buffers[name] = gl.createBuffer();
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
  } else {
    canvas.dataset.state = "no-webgl";
    showStatus("WebGL is not available in this browser, and the embedding view needs it",
               "turn on hardware acceleration, or read the points with ldb project --json", true);
  }

  // ---- the points ------------------------------------------------------------

  // What is drawn: the answer of /api/points, the selection it is of, and
  // the lasso's points (1 in `selected`).
  let data = null;  // { n, objects, without, xy, positions, categories, legend, params }
  let selected = null;
  let selectedCount = 0;
  let stale = true;
  let loadSerial = 0;
  const ourPins = new Set();
  let camera = { cx: 0, cy: 0, k: 1 };  // data centre and CSS pixels per data unit

  function showStatus(message, hint = "", error = false) {
    status.replaceChildren(make("span", { textContent: message }));
    if (hint) status.append(make("span", { className: "hint", textContent: ` — ${hint}` }));
    status.classList.toggle("error", error);
    status.dataset.error = error ? "1" : "";
  }

  // The grid's selection without the pins this view made: the points stay
  // those of the selection the lasso was drawn on.
  function baseParams() {
    const p = new URLSearchParams(ldb.selectionParams());
    const kept = new URLSearchParams();
    for (const [name, value] of p) if (!(name === "pin" && ourPins.has(value))) kept.append(name, value);
    return kept.toString();
  }

  function pointsUrl(params) {
    const q = new URLSearchParams(params);
    q.set("model", modelInput.value.trim() || "builtin");
    q.set("method", methodInput.value.trim() || "pca");
    if (colorInput.value.trim()) q.set("color", colorInput.value.trim());
    return `/api/points?${q}`;
  }

  async function load() {
    if (!gl) return;
    const serial = ++loadSerial;
    const params = baseParams();
    const started = performance.now();
    canvas.dataset.state = "loading";
    showStatus("loading the points…");
    let buffer;
    try {
      const res = await fetch(pointsUrl(params), { credentials: "same-origin" });
      if (!res.ok) {
        let error = { message: `${res.status} ${res.statusText}`, hint: "" };
        try { error = (await res.json()).error || error; } catch { /* not JSON */ }
        throw Object.assign(new Error(error.message), { hint: error.hint });
      }
      buffer = await res.arrayBuffer();
    } catch (e) {
      if (serial !== loadSerial) return;
      data = null;
      canvas.dataset.state = "error";
      canvas.dataset.count = "0";
      legend.replaceChildren();
      draw();
      showStatus(e.message, e.hint || "", true);
      return;
    }
    if (serial !== loadSerial) return;
    const fetched = performance.now();
    const head = new Uint32Array(buffer, 0, 6);
    const n = head[1];
    let offset = 24;
    const xy = new Float32Array(buffer, offset, 2 * n);
    offset += 8 * n;
    const positions = new Uint32Array(buffer, offset, n);
    offset += 4 * n;
    let categories = null;
    let legendEntries = [];
    if (head[4] > 0) {
      categories = new Uint16Array(buffer, offset, n);
      offset += 2 * n;
      offset += (4 - (offset % 4)) % 4;
      legendEntries = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, offset, head[5])));
    }
    const samePoints = data && data.params === params && data.n === n;
    data = { n, objects: head[2], without: head[3], xy, positions, categories, legend: legendEntries, params };
    if (!samePoints) {
      selected = new Uint8Array(n);
      selectedCount = 0;
      fit();
    }
    upload();
    renderLegend();
    drawNow();
    gl.finish();
    const drawn = performance.now();
    canvas.dataset.count = String(n);
    canvas.dataset.objects = String(data.objects);
    canvas.dataset.without = String(data.without);
    canvas.dataset.selected = String(selectedCount);
    canvas.dataset.fetchMs = String(Math.round(fetched - started));
    canvas.dataset.loadMs = String(Math.round(drawn - started));
    canvas.dataset.state = "drawn";
    stale = false;
    const without = data.without ? `; ${data.without.toLocaleString()} without a point` : "";
    showStatus(`${n.toLocaleString()} point${n === 1 ? "" : "s"}${without}`,
               "drag to pan, wheel to zoom, click a point to open it, shift-drag to lasso");
  }

  function upload() {
    gl.bindBuffer(gl.ARRAY_BUFFER, buffers.pos);
    gl.bufferData(gl.ARRAY_BUFFER, data.xy, gl.STATIC_DRAW);
    if (data.categories) {
      gl.bindBuffer(gl.ARRAY_BUFFER, buffers.cat);
      gl.bufferData(gl.ARRAY_BUFFER, data.categories, gl.STATIC_DRAW);
    }
    gl.bindBuffer(gl.ARRAY_BUFFER, buffers.sel);
    gl.bufferData(gl.ARRAY_BUFFER, selected, gl.DYNAMIC_DRAW);
  }

  function renderLegend() {
    legend.replaceChildren();
    data.legend.forEach((entry, index) => {
      const [r, g, b] = PALETTE[Math.min(index, 15)];
      const li = make("li");
      li.dataset.label = entry.label;
      li.dataset.count = String(entry.count);
      const swatch = make("span", { className: "swatch" });
      swatch.style.background = `rgb(${r * 255}, ${g * 255}, ${b * 255})`;
      li.append(swatch, make("span", { textContent: `${entry.label} (${entry.count.toLocaleString()})` }));
      legend.append(li);
    });
  }

  // ---- the camera ------------------------------------------------------------

  function fit() {
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    const xy = data.xy;
    for (let i = 0; i < xy.length; i += 2) {
      const x = xy[i], y = xy[i + 1];
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    if (!(minX <= maxX)) { minX = maxX = minY = maxY = 0; }
    const w = canvas.clientWidth || 1, h = canvas.clientHeight || 1;
    const spanX = Math.max(maxX - minX, 1e-9), spanY = Math.max(maxY - minY, 1e-9);
    camera = { cx: (minX + maxX) / 2, cy: (minY + maxY) / 2, k: 0.9 * Math.min(w / spanX, h / spanY) };
  }

  const screenOf = (x, y) => [canvas.clientWidth / 2 + (x - camera.cx) * camera.k,
                              canvas.clientHeight / 2 - (y - camera.cy) * camera.k];
  const dataOf = (sx, sy) => [camera.cx + (sx - canvas.clientWidth / 2) / camera.k,
                              camera.cy - (sy - canvas.clientHeight / 2) / camera.k];

  function resize() {
    const dpr = window.devicePixelRatio || 1;
    for (const c of [canvas, overlay]) {
      const w = Math.max(1, Math.round(c.clientWidth * dpr)), h = Math.max(1, Math.round(c.clientHeight * dpr));
      if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
    }
    draw();
  }
  new ResizeObserver(resize).observe(stage);

  let frame = 0;
  function draw() {
    if (!frame) frame = requestAnimationFrame(() => { frame = 0; drawNow(); });
  }

  function drawNow() {
    if (!gl) return;
    gl.viewport(0, 0, canvas.width, canvas.height);
    gl.clearColor(0.086, 0.094, 0.114, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (!data || data.n === 0) return;
    const w = canvas.clientWidth || 1, h = canvas.clientHeight || 1;
    const sx = (2 * camera.k) / w, sy = (2 * camera.k) / h;
    gl.uniform2f(loc.uScale, sx, sy);
    gl.uniform2f(loc.uOffset, -camera.cx * sx, -camera.cy * sy);
    const dpr = window.devicePixelRatio || 1;
    gl.uniform1f(loc.uSize, (data.n > 200000 ? 2 : data.n > 20000 ? 3 : 7) * dpr);
    gl.uniform1f(loc.uAnySel, selectedCount > 0 ? 1 : 0);
    gl.bindBuffer(gl.ARRAY_BUFFER, buffers.pos);
    gl.enableVertexAttribArray(loc.aPos);
    gl.vertexAttribPointer(loc.aPos, 2, gl.FLOAT, false, 0, 0);
    if (data.categories) {
      gl.bindBuffer(gl.ARRAY_BUFFER, buffers.cat);
      gl.enableVertexAttribArray(loc.aCat);
      gl.vertexAttribPointer(loc.aCat, 1, gl.UNSIGNED_SHORT, false, 0, 0);
    } else {
      gl.disableVertexAttribArray(loc.aCat);
      gl.vertexAttrib1f(loc.aCat, 0);
    }
    gl.bindBuffer(gl.ARRAY_BUFFER, buffers.sel);
    gl.enableVertexAttribArray(loc.aSel);
    gl.vertexAttribPointer(loc.aSel, 1, gl.UNSIGNED_BYTE, false, 0, 0);
    gl.drawArrays(gl.POINTS, 0, data.n);
  }

  // ---- pan, zoom, click and lasso ---------------------------------------------

  canvas.addEventListener("wheel", (e) => {
    if (!data) return;
    e.preventDefault();
    const rect = canvas.getBoundingClientRect();
    const sx = e.clientX - rect.left, sy = e.clientY - rect.top;
    const [x, y] = dataOf(sx, sy);
    camera.k *= Math.exp(-e.deltaY * 0.0015);
    camera.cx = x - (sx - canvas.clientWidth / 2) / camera.k;
    camera.cy = y + (sy - canvas.clientHeight / 2) / camera.k;
    draw();
  }, { passive: false });

  let lassoMode = false;
  lassoButton.addEventListener("click", () => {
    lassoMode = !lassoMode;
    lassoButton.classList.toggle("active", lassoMode);
  });

  let press = null;  // { x, y, lasso, path: [[sx, sy]...], moved }
  canvas.addEventListener("pointerdown", (e) => {
    if (!data || e.button !== 0) return;
    const rect = canvas.getBoundingClientRect();
    press = { x: e.clientX - rect.left, y: e.clientY - rect.top, lasso: lassoMode || e.shiftKey, moved: false };
    press.path = [[press.x, press.y]];
    press.last = [press.x, press.y];
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!press) return;
    const rect = canvas.getBoundingClientRect();
    const sx = e.clientX - rect.left, sy = e.clientY - rect.top;
    if (Math.hypot(sx - press.x, sy - press.y) >= CLICK_PIXELS) press.moved = true;
    if (press.lasso) {
      press.path.push([sx, sy]);
      drawLasso(press.path);
    } else {
      camera.cx -= (sx - press.last[0]) / camera.k;
      camera.cy += (sy - press.last[1]) / camera.k;
      draw();
    }
    press.last = [sx, sy];
  });
  canvas.addEventListener("pointerup", (e) => {
    if (!press) return;
    const done = press;
    press = null;
    canvas.releasePointerCapture(e.pointerId);
    drawLasso(null);
    if (!done.moved) {
      pick(done.x, done.y);
    } else if (done.lasso && done.path.length > 2) {
      lasso(done.path);
    }
  });

  function drawLasso(path) {
    const ctx = overlay.getContext("2d");
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    if (!path) return;
    ctx.beginPath();
    path.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.closePath();
    ctx.strokeStyle = "#ffffff";
    ctx.lineWidth = 1.5;
    ctx.setLineDash([4, 3]);
    ctx.stroke();
    ctx.fillStyle = "rgba(90, 169, 255, 0.12)";
    ctx.fill();
  }

  // The id at position `position` of the selection the points are of.
  async function idAt(position) {
    const body = await ldb.getJson(`/api/objects?${data.params}&offset=${position}&limit=1`);
    return body.ids[0];
  }

  async function pick(sx, sy) {
    const [x, y] = dataOf(sx, sy);
    const limit = PICK_PIXELS / camera.k;
    let best = -1, bestDistance = limit * limit;
    const xy = data.xy;
    for (let i = 0; i < data.n; i++) {
      const dx = xy[2 * i] - x, dy = xy[2 * i + 1] - y;
      const d = dx * dx + dy * dy;
      if (d <= bestDistance) { bestDistance = d; best = i; }
    }
    if (best < 0) return;
    const id = await idAt(data.positions[best]);
    canvas.dataset.clicked = id;
    ldb.openObject(id);
  }

  // Even-odd rule over the polygon, in data coordinates.
  function inside(polygon, x, y) {
    let hit = false;
    for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
      const [xi, yi] = polygon[i], [xj, yj] = polygon[j];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
    }
    return hit;
  }

  async function lasso(path) {
    const polygon = path.map(([sx, sy]) => dataOf(sx, sy));
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (const [x, y] of polygon) {
      minX = Math.min(minX, x); maxX = Math.max(maxX, x);
      minY = Math.min(minY, y); maxY = Math.max(maxY, y);
    }
    const chosen = [];
    const xy = data.xy;
    selected.fill(0);
    for (let i = 0; i < data.n; i++) {
      const x = xy[2 * i], y = xy[2 * i + 1];
      if (x < minX || x > maxX || y < minY || y > maxY || !inside(polygon, x, y)) continue;
      selected[i] = 1;
      chosen.push(data.positions[i]);
    }
    selectedCount = chosen.length;
    canvas.dataset.selected = String(selectedCount);
    gl.bindBuffer(gl.ARRAY_BUFFER, buffers.sel);
    gl.bufferSubData(gl.ARRAY_BUFFER, 0, selected);
    draw();
    const isOurs = (f) => f.param === "pin" && ourPins.has(f.value);
    if (!chosen.length) {
      if (ldb.filters.some(isOurs)) ldb.removeFilters(isOurs);
      return;
    }
    try {
      const res = await fetch(`/api/pin?${data.params}`, {
        method: "POST",
        credentials: "same-origin",
        // The header and the page's own Origin mark a write of the page (docs/ui.md).
        referrerPolicy: "same-origin",
        headers: { "Content-Type": "application/octet-stream", "X-Ldb": "1" },
        body: new Uint32Array(chosen),
      });
      const body = await res.json();
      if (!res.ok) throw Object.assign(new Error(body.error.message), { hint: body.error.hint });
      ourPins.add(body.pin);
      canvas.dataset.pin = body.pin;
      if (ldb.filters.some(isOurs)) ldb.removeFilters(isOurs);
      await ldb.addFilter({ param: "pin", value: body.pin,
                            label: `lasso: ${body.count.toLocaleString()} object${body.count === 1 ? "" : "s"}` });
    } catch (e) {
      showStatus(e.message, e.hint || "", true);
    }
  }

  // ---- following the grid ----------------------------------------------------

  ldb.onSelection(() => {
    // The chip removed: the highlight goes with it.
    if (selectedCount && !ldb.filters.some((f) => f.param === "pin" && ourPins.has(f.value))) {
      selected.fill(0);
      selectedCount = 0;
      canvas.dataset.selected = "0";
      if (gl && data) {
        gl.bindBuffer(gl.ARRAY_BUFFER, buffers.sel);
        gl.bufferSubData(gl.ARRAY_BUFFER, 0, selected);
        draw();
      }
    }
    if (data && data.params === baseParams()) return;
    stale = true;
    if (ldb.isShown("embedding")) load();
  });
  for (const input of [modelInput, methodInput, colorInput]) {
    input.addEventListener("keydown", (e) => { if (e.key === "Enter") load(); });
    input.addEventListener("change", () => load());
  }

  // For tests and scripts: where a data point is drawn (CSS pixels in the canvas).
  window.ldbEmbedding = { screenOf, get pointCount() { return data ? data.n : 0; } };
})();

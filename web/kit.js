// What the views made of thumbnails share (dups.js, diff.js): building
// elements, a thumbnail that opens its object, and the one-line error with
// its hint. Loaded before them; plain functions on window.ldbKit.
"use strict";

window.ldbKit = (() => {
  // An element with properties, data- attributes and children.
  const el = (tag, { dataset = {}, ...props } = {}, ...children) => {
    const node = Object.assign(document.createElement(tag), props);
    Object.assign(node.dataset, dataset);
    node.append(...children);
    return node;
  };

  // A thumbnail of object `id` (a button with data-testid `testid` and
  // data-object-id) that opens the object panel; `badge`, if given, is drawn
  // in its corner.
  function thumb(id, testid, badge, title = `id:${id}`) {
    const img = el("img", { alt: "", loading: "lazy", decoding: "async", src: `/api/thumb/${id}` });
    const item = el("button", { type: "button", className: "thumb", title, dataset: { testid, objectId: id } }, img);
    if (badge !== undefined) item.append(el("span", { className: "distance", textContent: badge }));
    img.addEventListener("error", () => item.classList.add("failed"));
    item.addEventListener("click", () => ldb.openObject(id));
    return item;
  }

  // A hidden error line (data-testid `testid`) and show(detail) that draws
  // the server's {message, hint} in it, or hides it for a null detail.
  function errorLine(testid) {
    const line = el("div", { className: "view-error", hidden: true, dataset: { testid } });
    const show = (detail) => {
      line.hidden = !detail;
      line.replaceChildren();
      if (!detail) return;
      line.append(el("span", { className: "message", textContent: detail.message || String(detail) }));
      if (detail.hint) line.append(el("span", { className: "hint", textContent: ` — ${detail.hint}` }));
    };
    return { line, show };
  }

  return { el, thumb, errorLine };
})();

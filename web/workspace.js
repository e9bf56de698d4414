// ldb ui: the workspace view and box editing in the object panel (docs/ui.md
// "The workspace"). When ldb ui runs in a workspace, the grid's selection can
// be added to or deleted from the staged dataset, tagged and committed, and a
// staged object's boxes relabelled or deleted (a new annotation version,
// staged). Every change is one POST to the server, which calls the same app
// functions as ldb add, del, tag and commit.
"use strict";

(() => {
  const el = (tag, props = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "testid") node.dataset.testid = value;
      else if (key === "class") node.className = value;
      else node[key] = value;
    }
    node.append(...children);
    return node;
  };
  const plural = (n, word) => `${n.toLocaleString()} ${word}${n === 1 ? "" : "s"}`;
  const label = (ws) => (ws && ws.dataset ? `ds:${ws.dataset}` : "the unnamed dataset");
  const errorLine = (e) => {
    const detail = e.detail || { message: e.message };
    return `error: ${detail.message}${detail.hint ? ` (hint: ${detail.hint})` : ""}`;
  };

  let workspace = null;  // ldb status --json's shape, or null outside a workspace
  let known = false;     // whether /api/info has answered

  const view = ldb.registerView({ name: "workspace", title: "Workspace", onShow: () => loadInfo() });

  // ---- the view ---------------------------------------------------------------

  const summary = el("div", { class: "ws-summary", testid: "ws-summary" });
  const status = el("div", { class: "ws-status", testid: "ws-status", role: "status" });
  const addButton = el("button", { type: "button", testid: "ws-add", textContent: "Add selection" });
  const deleteButton = el("button", { type: "button", testid: "ws-delete", textContent: "Delete selection" });
  const showButton = el("button", { type: "button", testid: "ws-show-staged", textContent: "Show staged (ws:)" });
  const tagInput = el("input", { testid: "ws-tag-input", placeholder: "tags, comma-separated", spellcheck: false });
  const tagButton = el("button", { type: "button", testid: "ws-tag", textContent: "Tag" });
  const untagButton = el("button", { type: "button", testid: "ws-untag", textContent: "Untag" });
  const messageInput = el("input", { testid: "ws-commit-message", placeholder: "commit message", spellcheck: false });
  const commitButton = el("button", { type: "button", testid: "ws-commit", textContent: "Commit" });
  const selectionNote = el("div", { class: "ws-note", testid: "ws-selection" });
  const controls = [addButton, deleteButton, showButton, tagInput, tagButton, untagButton, messageInput, commitButton];

  view.append(
    el("h3", { textContent: "staged dataset" }),
    summary,
    el("h3", { textContent: "the grid's selection" }),
    selectionNote,
    el("div", { class: "ws-row" }, addButton, deleteButton, showButton),
    el("div", { class: "ws-row" }, tagInput, tagButton, untagButton),
    el("h3", { textContent: "commit" }),
    el("div", { class: "ws-row" }, messageInput, commitButton),
    status,
  );

  function renderSummary() {
    for (const control of controls) control.disabled = !workspace;
    if (!known) {
      summary.textContent = "…";
      return;
    }
    if (!workspace) {
      summary.textContent =
        "ldb ui runs outside a workspace: nothing here can change the instance. " +
        "Start it in one: ldb stage ds:NAME DIR, then cd DIR and run ldb ui there.";
      summary.dataset.count = "";
      return;
    }
    const u = workspace.uncommitted || {};
    const version = workspace.version ? `.v${workspace.version}` : " (new, not committed)";
    summary.replaceChildren(
      el("div", {}, el("strong", { testid: "ws-dataset", textContent: `${label(workspace)}${version}` })),
      el("div", { testid: "ws-count", textContent: `${plural(workspace.objects, "object")} staged, ` +
        `${plural(workspace.annotations, "annotation")}` }),
      el("div", { class: "ws-note", textContent: `uncommitted: ${u.added || 0} added, ${u.deleted || 0} deleted, ` +
        `${u.modified || 0} annotation versions changed` }),
      el("div", { class: "ws-note", textContent: workspace.workspace }),
    );
    summary.dataset.count = String(workspace.objects);
  }

  function renderSelection() {
    const s = ldb.selection;
    selectionNote.textContent = `${plural(s.count || 0, "object")}: ${[...new URLSearchParams(s.params || "")].map(([k, v]) => `${k}=${v}`).join("  ")}`;
  }
  ldb.onSelection(renderSelection);

  async function loadInfo() {
    try {
      const info = await ldb.getJson("/api/info");
      workspace = info.workspace;
    } catch (e) {
      workspace = null;
      status.textContent = errorLine(e);
    }
    known = true;
    renderSummary();
    renderSelection();
  }

  // The grid's selection as the write routes take it: {"objects": [...], "query": [...], ...}.
  function selectionBody() {
    const out = {};
    for (const [name, value] of new URLSearchParams(ldb.selectionParams())) (out[name] ||= []).push(value);
    return out;
  }

  // Runs one change: the answer's line (or the error's) in ws-status, the
  // counts updated, the grid asked again (its selection may have changed).
  async function change(url, body, describe) {
    for (const control of controls) control.disabled = true;
    status.classList.remove("error");
    status.textContent = "…";
    try {
      const answer = await ldb.postJson(url, body);
      workspace = answer.workspace;
      renderSummary();
      status.textContent = describe(answer);
      await ldb.refresh();
      return answer;
    } catch (e) {
      status.classList.add("error");
      status.textContent = errorLine(e);
      return null;
    } finally {
      renderSummary();
    }
  }

  addButton.addEventListener("click", () =>
    change("/api/workspace/add", { selection: selectionBody() }, (a) =>
      `Added ${plural(a.added, "object")} to ${label(a.workspace)} (${a.selected} selected, ` +
      `${a.modified} with another annotation version)`));
  deleteButton.addEventListener("click", () =>
    change("/api/workspace/delete", { selection: selectionBody() }, (a) =>
      `Deleted ${plural(a.deleted, "object")} from ${label(a.workspace)}`));
  const tag = (field) =>
    change("/api/workspace/tag", { selection: selectionBody(), [field]: tagInput.value.trim() }, (a) =>
      `${field === "add" ? "Tagged" : "Untagged"} '${tagInput.value.trim()}': ${plural(a.changed, "object")} ` +
      `changed (${a.selected} selected)`);
  tagButton.addEventListener("click", () => tag("add"));
  untagButton.addEventListener("click", () => tag("remove"));
  commitButton.addEventListener("click", async () => {
    const answer = await change("/api/workspace/commit", { message: messageInput.value }, (a) =>
      a.committed
        ? `Committed ds:${a.dataset}.v${a.version} (${plural(a.objects, "object")}, ${plural(a.annotations, "annotation")})`
        : `Nothing to commit: ds:${a.dataset}.v${a.version} already holds these ${plural(a.objects, "object")}`);
    if (answer && answer.committed) messageInput.value = "";
  });
  showButton.addEventListener("click", () => {
    document.getElementById("objects").value = "ws:";
    ldb.refresh();
  });

  // ---- box editing in the object panel --------------------------------------

  const editor = el("section", { class: "box-editor", testid: "box-editor", hidden: true });
  document.getElementById("panel-figure").after(editor);
  let editing = null;  // { id, version, rows: [{ index, input, original, deleted }] }
  let savedLine = "";  // the result of the last save, shown when the editor is drawn again

  function renderEditor(id, staged) {
    editor.replaceChildren(el("h3", { textContent: "boxes" }));
    editor.hidden = false;
    editing = null;
    if (!staged.staged) {
      editor.append(el("div", { class: "ws-note", testid: "box-editor-note",
        textContent: `not staged in ${label({ dataset: staged.dataset })}: add it (Workspace → Add selection) to edit its boxes` }));
      return;
    }
    const objects = staged.annotation && Array.isArray(staged.annotation.objects) ? staged.annotation.objects : null;
    if (!objects) {
      editor.append(el("div", { class: "ws-note", testid: "box-editor-note",
        textContent: staged.version ? "its annotation has no boxes (\"objects\") to edit" : "it has no annotation" }));
      return;
    }
    editing = { id, version: staged.version, rows: [] };
    const list = el("ol", { class: "box-list", start: 0 });
    objects.forEach((object, index) => {
      if (!object || typeof object !== "object") return;
      const original = typeof object.category === "string" ? object.category : String(object.category ?? object.category_id ?? "");
      const input = el("input", { testid: "box-class-input", value: original, spellcheck: false });
      input.dataset.index = String(index);
      const row = { index, input, original, deleted: false };
      const remove = el("button", { type: "button", testid: "box-delete", textContent: "delete", title: "delete this box" });
      remove.dataset.index = String(index);
      const item = el("li", { class: "box-row" },
        el("span", { class: "ws-note", textContent: Array.isArray(object.bbox) ? `[${object.bbox.join(", ")}]` : "(no bbox)" }),
        input, remove);
      remove.addEventListener("click", () => {
        row.deleted = !row.deleted;
        item.classList.toggle("deleted", row.deleted);
        input.disabled = row.deleted;
        remove.textContent = row.deleted ? "undo" : "delete";
      });
      editing.rows.push(row);
      list.append(item);
    });
    const save = el("button", { type: "button", testid: "annotation-save", textContent: "Save as a new annotation version" });
    const result = el("div", { class: "ws-status", testid: "annotation-status", role: "status", textContent: savedLine });
    savedLine = "";
    save.addEventListener("click", () => saveEdits(save, result));
    editor.append(
      el("div", { class: "ws-note", textContent: `annotation version ${staged.version}, staged in ${label({ dataset: staged.dataset })}` }),
      list, save, result);
  }

  async function saveEdits(save, result) {
    if (!editing) return;
    const edits = [];
    for (const row of editing.rows) {
      if (row.deleted) edits.push({ index: row.index, delete: true });
      else if (row.input.value.trim() !== row.original) edits.push({ index: row.index, category: row.input.value.trim() });
    }
    result.classList.remove("error");
    if (!edits.length) {
      result.textContent = "nothing changed";
      return;
    }
    save.disabled = true;
    const { id, version } = editing;
    try {
      const answer = await ldb.postJson("/api/workspace/annotation", { id, version, edits });
      workspace = answer.workspace;
      renderSummary();
      // Shows the object again (the new boxes; the editor reloads with this line).
      savedLine = answer.changed
        ? `Saved annotation version ${answer.version} of id:${id} (was ${answer.previous_version}); staged`
        : "the edit changed nothing";
      ldb.openObject(id);
      ldb.refresh();
    } catch (e) {
      result.classList.add("error");
      result.textContent = errorLine(e);
      save.disabled = false;
    }
  }

  let editorRequest = 0;
  ldb.onObject(async (id) => {
    const request = ++editorRequest;
    if (!known) await loadInfo();
    if (!workspace) {
      editor.hidden = true;
      return;
    }
    try {
      const staged = await ldb.getJson(`/api/workspace/annotation/${id}`);
      if (request === editorRequest) renderEditor(id, staged);
    } catch (e) {
      if (request !== editorRequest) return;
      editor.replaceChildren(el("div", { class: "ws-status error", textContent: errorLine(e) }));
      editor.hidden = false;
    }
  });

  loadInfo();
})();

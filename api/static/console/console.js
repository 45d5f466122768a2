/* The managers' console: plain JavaScript over the /v1 API, signed in by the session cookie and
   the CSRF token (the X-CSRFToken header). Nothing is loaded from anywhere else. */
"use strict";

const Console = (() => {
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

  async function api(method, path, body, type) {
    const headers = { "X-CSRFToken": csrf(), Accept: "application/json" };
    let payload = body;
    if (body !== undefined && !(body instanceof Blob) && typeof body !== "string") {
      payload = JSON.stringify(body);
      headers["Content-Type"] = "application/json";
    } else if (type) {
      headers["Content-Type"] = type;
    }
    const response = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = text; }
    return { ok: response.ok, status: response.status, data, text };
  }

  const el = (tag, props = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
    return node;
  };

  /* Problem details as a table: where (feature, row, field, pointer) and what. */
  function problemsTable(data, id) {
    const errors = (data && data.errors) || [];
    const table = el("table", { id, class: "problems" },
      el("caption", {}, (data && (data.title || data.detail)) || "Problems"),
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Where"), el("th", { scope: "col" }, "Code"), el("th", { scope: "col" }, "Problem"))));
    const body = el("tbody");
    for (const e of errors) {
      const where = e.feature_id || (e.row !== undefined && e.row !== null ? `row ${e.row}` : "") || e.pointer || "";
      const row = el("tr", { "data-feature": e.feature_id || "" }, el("td", {}, where), el("td", {}, e.code || ""), el("td", {}, e.message || ""));
      body.append(row);
    }
    table.append(body);
    return table;
  }

  /* The map: an SVG drawn by the server, zoomed and panned by its viewBox. */
  class MapView {
    constructor(container, info) {
      this.container = container; this.info = info; this.onpick = null; this.drawing = null;
      container.addEventListener("wheel", (e) => { e.preventDefault(); this.zoom(e.deltaY < 0 ? 0.8 : 1.25, e); }, { passive: false });
      container.addEventListener("keydown", (e) => this.key(e));
      let drag = null;
      container.addEventListener("pointerdown", (e) => { drag = { x: e.clientX, y: e.clientY, moved: false }; });
      container.addEventListener("pointermove", (e) => {
        if (!drag || !this.svg) return;
        const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
        if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
        if (drag.moved) { this.pan(-dx, -dy); drag.x = e.clientX; drag.y = e.clientY; }
      });
      container.addEventListener("pointerup", (e) => { const moved = drag && drag.moved; drag = null; if (!moved) this.click(e); });
      container.addEventListener("mouseover", (e) => {
        const target = e.target.closest("[id]");
        if (target && this.svg && this.svg.contains(target)) {
          const title = target.querySelector("title");
          this.info.textContent = `${target.id}${title ? ": " + title.textContent : ""}`;
        }
      });
    }
    async load(url, caption) {
      const response = await fetch(url, { credentials: "same-origin", headers: { "X-CSRFToken": csrf() } });
      if (!response.ok) { this.container.textContent = `No picture (${response.status}).`; return false; }
      this.show(await response.text(), caption);
      return true;
    }
    show(svgText, caption) {
      this.container.innerHTML = svgText;
      this.svg = this.container.querySelector("svg");
      this.svg.removeAttribute("width"); this.svg.removeAttribute("height");
      this.home = this.svg.getAttribute("viewBox").split(/\s+/).map(Number);
      this.box = [...this.home];
      document.getElementById("map-caption").textContent = caption || "";
    }
    setBox() { this.svg.setAttribute("viewBox", this.box.map((v) => v.toFixed(2)).join(" ")); }
    zoom(factor) {
      if (!this.svg) return;
      const [x, y, w, h] = this.box;
      const nw = w * factor, nh = h * factor;
      this.box = [x + (w - nw) / 2, y + (h - nh) / 2, nw, nh]; this.setBox();
    }
    pan(dx, dy) {
      const scale = this.box[2] / this.container.clientWidth;
      this.box[0] += dx * scale; this.box[1] += dy * scale; this.setBox();
    }
    reset() { if (this.svg) { this.box = [...this.home]; this.setBox(); } }
    key(e) {
      const step = 40, keys = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      if (keys[e.key]) { e.preventDefault(); this.pan(...keys[e.key]); }
      else if (e.key === "+" || e.key === "=") this.zoom(0.8);
      else if (e.key === "-") this.zoom(1.25);
      else if (e.key === "0") this.reset();
    }
    /* Store-frame metres of a click (SVG y grows downwards: the picture flips it). */
    point(e) {
      const pt = this.svg.createSVGPoint(); pt.x = e.clientX; pt.y = e.clientY;
      const p = pt.matrixTransform(this.svg.getScreenCTM().inverse());
      return [p.x, this.flip - p.y];
    }
    get flip() { return parseFloat(this.svg.dataset.flip); }
    click(e) {
      if (!this.svg) return;
      if (this.drawing) { this.addCorner(this.point(e)); return; }
      const shelf = e.target.closest('[id^="shelf-"]');
      if (shelf) this.choose(shelf.id.slice(6));
    }
    /* A shelf chosen by a click, or by its id typed in (the keyboard's way). */
    choose(id) {
      if (this.svg && !this.svg.getElementById(`shelf-${id}`)) { this.info.textContent = `No shelf ${id} on this map.`; return; }
      this.mark([id], "picked");
      this.info.textContent = `Chosen: ${id}`;
      if (this.onpick) { const pick = this.onpick; this.onpick = null; pick(id); }
    }
    mark(shelves, cls) {
      if (!this.svg) return;
      this.svg.querySelectorAll(`.${cls}`).forEach((n) => n.classList.remove(cls));
      for (const id of shelves) { const n = this.svg.getElementById(`shelf-${id}`); if (n) n.classList.add(cls); }
    }
    startDrawing() { this.drawing = []; this.info.textContent = "Click the area's corners on the map, then Finish."; }
    addCorner([x, y]) {
      this.drawing.push([+x.toFixed(2), +y.toFixed(2)]);
      const ns = "http://www.w3.org/2000/svg";
      let poly = this.svg.getElementById("drawing");
      if (!poly) { poly = document.createElementNS(ns, "polygon"); poly.id = "drawing"; poly.setAttribute("class", "drawing"); this.svg.append(poly); }
      poly.setAttribute("points", this.drawing.map(([px, py]) => `${px},${this.flip - py}`).join(" "));
      this.info.textContent = `${this.drawing.length} corner(s)`;
    }
    finishDrawing() { const ring = this.drawing; this.drawing = null; return ring; }
  }

  function store() {
    const root = document.querySelector(".store");
    const id = root.dataset.store;
    const base = `/v1/stores/${encodeURIComponent(id)}`;
    const map = new MapView(document.getElementById("map"), document.getElementById("map-info"));
    const levelSelect = document.getElementById("level");
    const level = () => (levelSelect ? levelSelect.value : null);
    const levelQuery = (sep = "?") => (level() ? `${sep}level_id=${encodeURIComponent(level())}` : "");
    const live = () => map.load(`${base}/floorplan.svg${levelQuery()}`, "live plan");
    document.querySelectorAll("[data-zoom]").forEach((b) => b.addEventListener("click", () => {
      const how = b.dataset.zoom; if (how === "in") map.zoom(0.8); else if (how === "out") map.zoom(1.25); else map.reset();
    }));
    document.getElementById("show-live").addEventListener("click", live);
    document.getElementById("shelf-form").addEventListener("submit", (e) => { e.preventDefault(); map.choose(document.getElementById("shelf-id").value.trim()); });
    if (levelSelect) levelSelect.addEventListener("change", live);
    if (root.dataset.version) live(); else map.container.textContent = "No floor plan yet: upload one.";

    /* Floor plans: upload a draft, see its problems on the map or its diff, preview, publish. */
    const planResult = document.getElementById("plan-result");
    document.getElementById("plan-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const file = document.getElementById("plan-file").files[0];
      const type = file.name.endsWith(".zip") ? "application/zip" : file.name.toLowerCase().endsWith(".dxf") ? "image/vnd.dxf" : "application/json";
      planResult.replaceChildren(el("p", { class: "muted" }, "Checking…"));
      const answer = await api("PUT", `${base}/floorplan`, file, type);
      if (answer.status === 422) {
        planResult.replaceChildren(el("p", { class: "error", role: "alert" }, `The plan has ${(answer.data.errors || []).length} problem(s); they are drawn on the map.`), problemsTable(answer.data, "plan-problems"));
        const drawn = await fetch(`/console/stores/${encodeURIComponent(id)}/problems.svg`, { method: "POST", body: file, credentials: "same-origin", headers: { "X-CSRFToken": csrf(), "Content-Type": type } });
        if (drawn.ok) map.show(await drawn.text(), "the upload, with its problems");
        return;
      }
      if (!answer.ok) { planResult.replaceChildren(problemsTable(answer.data, "plan-problems")); return; }
      showDraft(answer.data);
      versions();
    });

    function showDraft(draft) {
      const diff = (draft.report && draft.report.diff) || {};
      const list = (title, names) => el("li", {}, `${title}: ${names && names.length ? names.join(", ") : "none"}`);
      const shelves = diff.shelves || {};
      const dropped = diff.placements_dropped || 0;
      const publish = el("button", { type: "button", id: "publish", onclick: () => activate(draft.version, dropped) }, `Publish v${draft.version}`);
      planResult.replaceChildren(
        el("h3", {}, `Draft v${draft.version}`),
        el("ul", { id: "diff" }, list("Shelves added", shelves.added), list("Shelves removed", shelves.removed), list("Shelves moved", shelves.moved),
          el("li", {}, `Placed products that would be dropped: ${dropped}`)),
        el("div", { class: "row" },
          el("button", { type: "button", onclick: () => map.load(`${base}/floorplan/versions/${draft.version}/plan.svg${levelQuery()}`, `draft v${draft.version}`) }, "Preview plan"),
          el("button", { type: "button", id: "preview-route", onclick: () => map.load(`/console/stores/${encodeURIComponent(id)}/versions/${draft.version}/preview.svg`, `draft v${draft.version}: sample route`) }, "Preview a route"),
          publish));
      map.load(`${base}/floorplan/versions/${draft.version}/plan.svg${levelQuery()}`, `draft v${draft.version}`);
      if (shelves.removed && shelves.removed.length) map.mark(shelves.removed, "removed");
    }

    async function activate(version, dropped) {
      const warning = dropped ? ` It drops ${dropped} placed product(s).` : "";
      if (!window.confirm(`Publish version ${version}? Shoppers get it at once.${warning}`)) return;
      const answer = await api("POST", `${base}/floorplan/versions/${version}/activate${dropped ? "?confirm_drops=true" : ""}`);
      if (!answer.ok) { planResult.replaceChildren(problemsTable(answer.data, "publish-problems")); return; }
      planResult.replaceChildren(el("p", { class: "notice", role: "status", id: "published" }, `Version ${version} is live.`));
      root.dataset.version = String(version);
      versions(); live();
    }

    async function versions() {
      const answer = await api("GET", `${base}/floorplan/versions`);
      const body = document.querySelector("#versions tbody");
      body.replaceChildren();
      if (!answer.ok) return;
      for (const v of answer.data.versions.slice().reverse()) {
        const actions = el("td");
        if (v.status !== "live") actions.append(el("button", { type: "button", onclick: () => activate(v.version, 0) }, v.status === "draft" ? "Publish" : "Roll back to this"));
        body.append(el("tr", { "data-version": v.version }, el("td", {}, `v${v.version}`), el("td", {}, v.status), el("td", {}, (v.created_at || "").slice(0, 16).replace("T", " ")), actions));
      }
    }
    versions();

    /* Products and planogram. */
    const productsResult = document.getElementById("products-result");
    document.getElementById("planogram-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const file = document.getElementById("planogram-file").files[0];
      const replace = document.getElementById("planogram-replace").checked;
      const answer = await api(replace ? "PUT" : "POST", `${base}/placements.csv`, file, "text/csv");
      productsResult.replaceChildren(answer.ok
        ? el("p", { class: "notice", role: "status", id: "planogram-saved" }, `Planogram saved (${JSON.stringify(answer.data)}).`)
        : problemsTable(answer.data, "planogram-problems"));
    });
    const catalogForm = document.getElementById("catalog-form");
    if (catalogForm) catalogForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      const answer = await api("PUT", "/v1/products.csv", document.getElementById("catalog-file").files[0], "text/csv");
      productsResult.replaceChildren(answer.ok ? el("p", { class: "notice", role: "status" }, `Products saved: ${answer.data.upserted}.`) : problemsTable(answer.data, "catalog-problems"));
    });
    document.getElementById("search-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const q = document.getElementById("search").value;
      const answer = await api("GET", `${base}/products?q=${encodeURIComponent(q)}&limit=10`);
      const list = document.getElementById("search-results");
      list.replaceChildren();
      for (const hit of (answer.data && answer.data.results) || []) {
        const shelves = hit.locations.filter((l) => l.shelf && !l.approximate).map((l) => l.shelf);
        const where = shelves.length ? shelves.join(", ") : "not placed";
        const show = el("button", { type: "button", onclick: () => { map.mark(shelves, "found"); map.info.textContent = `${hit.name}: ${where}`; } }, "Show");
        const move = el("button", { type: "button", onclick: () => {
          map.info.textContent = `Click the shelf to move ${hit.name} to.`;
          map.onpick = async (shelf) => {
            const body = { shelf }; if (shelves.length === 1) body.from_shelf = shelves[0];
            const moved = await api("POST", `${base}/placements/${encodeURIComponent(hit.sku)}/move`, body);
            productsResult.replaceChildren(moved.ok ? el("p", { class: "notice", role: "status" }, `${hit.name} is now on ${shelf}.`) : problemsTable(moved.data, "move-problems"));
            if (moved.ok) map.mark([shelf], "found");
          };
        } }, "Move…");
        list.append(el("li", {}, `${hit.name} (${hit.sku}): ${where} `, show, " ", move));
      }
      if (!list.children.length) list.append(el("li", {}, "Nothing found."));
    });

    /* Closures: a shelf picked on the map, or an area drawn on it; with an end time. */
    const closuresResult = document.getElementById("closures-result");
    const until = () => { const v = document.getElementById("close-until").value; return v ? new Date(v).toISOString() : undefined; };
    async function close(body) {
      const answer = await api("POST", `${base}/closures`, { ...body, until: until() });
      closuresResult.replaceChildren(answer.ok ? el("p", { class: "notice", role: "status", id: "closure-made" }, "Closed: routes avoid it from now on.") : problemsTable(answer.data, "closure-problems"));
      closures();
    }
    document.getElementById("close-shelf").addEventListener("click", () => { map.info.textContent = "Click the shelf to close."; map.onpick = (shelf) => close({ shelf }); });
    const finish = document.getElementById("close-finish");
    document.getElementById("close-area").addEventListener("click", () => { map.startDrawing(); finish.disabled = false; });
    finish.addEventListener("click", () => {
      const ring = map.finishDrawing(); finish.disabled = true;
      if (!ring || ring.length < 3) { closuresResult.replaceChildren(el("p", { class: "error" }, "An area needs three corners or more.")); return; }
      const body = { polygon: { type: "Polygon", coordinates: [[...ring, ring[0]]] } };
      if (level()) body.level_id = level();
      close(body);
    });
    async function closures() {
      const answer = await api("GET", `${base}/closures`);
      const body = document.querySelector("#closure-list tbody");
      body.replaceChildren();
      for (const c of (answer.data && answer.data.closures) || []) {
        const what = c.shelf ? `shelf ${c.shelf}` : c.connector ? `connector ${c.connector}` : `area${c.level_id ? " on " + c.level_id : ""}`;
        const lift = el("button", { type: "button", onclick: async () => { await api("DELETE", `${base}/closures/${c.id}`); closures(); } }, "Lift");
        body.append(el("tr", {}, el("td", {}, what), el("td", {}, c.until ? c.until.slice(0, 16).replace("T", " ") : "until lifted"), el("td", {}, lift)));
      }
    }
    closures();
    document.getElementById("route-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const skus = document.getElementById("route-skus").value;
      map.load(`${base}/route.svg?skus=${encodeURIComponent(skus)}${levelQuery("&")}`, "route");
    });

    /* What shoppers say. */
    const sinceInput = document.getElementById("since");
    sinceInput.value = new Date(Date.now() - 30 * 86400000).toISOString().slice(0, 10);
    const since = () => new Date(sinceInput.value || 0).toISOString();
    async function insights() {
      const answer = await api("GET", `${base}/insights?since=${encodeURIComponent(since())}`);
      if (!answer.ok) return;
      const suspects = document.querySelector("#suspects tbody"); suspects.replaceChildren();
      for (const s of answer.data.suspects) {
        const actions = el("td");
        if (s.accept) actions.append(el("button", { type: "button", class: "accept", onclick: async () => { await api(s.accept.method, s.accept.path, s.accept.body); insights(); } }, "Accept suggestion"));
        for (const listed of s.listed) actions.append(" ", el("button", { type: "button", onclick: async () => { await api("POST", `${base}/placements/${encodeURIComponent(s.sku)}/confirm`, { shelf: listed.shelf }); insights(); } }, `Confirm ${listed.shelf}`));
        const show = s.suggested ? el("button", { type: "button", onclick: () => { map.mark([s.suggested.shelf], "found"); map.mark(s.listed.map((l) => l.shelf), "picked"); } }, "Show") : "";
        suspects.append(el("tr", { "data-sku": s.sku }, el("td", {}, s.name || s.sku), el("td", {}, s.listed.map((l) => `${l.shelf} (${l.wrong_reports})`).join(", ")),
          el("td", {}, s.suggested ? `${s.suggested.shelf} (${s.suggested.found_reports} found it there) ` : "—", show), actions));
      }
      const searches = document.querySelector("#searches tbody"); searches.replaceChildren();
      for (const s of answer.data.searches) searches.append(el("tr", {}, el("td", {}, s.query), el("td", {}, s.count)));
      const r = answer.data.ratings;
      document.getElementById("ratings").textContent = r.count ? `${r.count} rating(s), mean ${r.mean}` : "No ratings yet.";
      const changed = await api("GET", `${base}/changes?since=${encodeURIComponent(since())}`);
      const changes = document.querySelector("#changes tbody"); changes.replaceChildren();
      lastChanges = changed.ok ? changed.data.changes : [];
      for (const c of lastChanges) changes.append(el("tr", {}, el("td", {}, c.name || c.sku), el("td", {}, c.before.map((p) => p.shelf).join(", ") || "—"), el("td", {}, c.after.map((p) => p.shelf).join(", ") || "—"), el("td", {}, c.changed_at.slice(0, 16).replace("T", " "))));
    }
    let lastChanges = [];
    for (const section of ["products", "suspects", "searches", "ratings"]) {
      document.getElementById(`export-${section}`).addEventListener("click", (e) => { e.target.href = `${base}/insights.csv?section=${section}&since=${encodeURIComponent(since())}`; });
    }
    document.getElementById("export-changes").addEventListener("click", (e) => {
      const quote = (v) => `"${String(v).replace(/"/g, '""').replace(/^([=+\-@])/, "'$1")}"`;
      const rows = [["sku", "name", "from", "to", "changed_at"], ...lastChanges.map((c) => [c.sku, c.name || "", c.before.map((p) => p.shelf).join(" "), c.after.map((p) => p.shelf).join(" "), c.changed_at])];
      e.target.href = URL.createObjectURL(new Blob([rows.map((r) => r.map(quote).join(",")).join("\r\n")], { type: "text/csv" }));
      e.target.download = `${id}-changes.csv`;
    });
    document.getElementById("refresh-insights").addEventListener("click", insights);
    insights();
  }

  function tokens() {
    const storeForm = document.getElementById("store-form");
    if (storeForm) storeForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      const value = (name) => document.getElementById(name).value;
      const answer = await api("POST", "/v1/stores", { id: value("store-id"), name: value("store-name"), lat: Number(value("store-lat")), lon: Number(value("store-lon")) });
      if (answer.ok) window.location.href = `/console/stores/${encodeURIComponent(answer.data.id)}`;
      else document.getElementById("store-result").replaceChildren(problemsTable(answer.data, "store-problems"));
    });
    const form = document.getElementById("token-form");
    if (!form) return;
    async function list() {
      const answer = await api("GET", "/v1/tokens");
      const body = document.querySelector("#token-table tbody"); body.replaceChildren();
      for (const t of (answer.data && answer.data.tokens) || []) {
        const revoke = t.revoked_at ? "" : el("button", { type: "button", onclick: async () => { await api("DELETE", `/v1/tokens/${t.id}`); list(); } }, "Revoke");
        body.append(el("tr", {}, el("td", {}, t.id), el("td", {}, t.name || ""), el("td", {}, t.role), el("td", {}, (t.stores || []).join(", ")), el("td", {}, t.revoked_at ? "revoked" : "active"), el("td", {}, revoke)));
      }
    }
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const stores = document.getElementById("token-stores").value.split(",").map((s) => s.trim()).filter(Boolean);
      const body = { role: document.getElementById("token-role").value, name: document.getElementById("token-name").value || undefined };
      if (body.role === "manager") body.stores = stores;
      const answer = await api("POST", "/v1/tokens", body);
      const out = document.getElementById("token-issued"); out.hidden = false;
      out.textContent = answer.ok ? `Token ${answer.data.id} issued. Give it to its holder now: it is not shown again. ${answer.data.token}` : (answer.data.errors || []).map((x) => x.message).join("; ");
      list();
    });
    list();
  }

  return { store, tokens, api };
})();

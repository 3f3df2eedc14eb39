// coursepack preview: keeps the page in step with the course (Server-Sent Events from
// /_preview/events). "html": the body's changed parts replaced in place (no reload, no flash),
// then the first block the edit changed scrolled into view; "errors": shown in the panel, the
// last good pack kept; "pdf": the PDF page of the edit drawn again.
(function () {
  "use strict";
  const panel = () => document.getElementById("cp-preview");
  let version = Number(document.body.dataset.cpVersion || 0);

  function sameAttributes(a, b) {
    if (a.attributes.length !== b.attributes.length) return false;
    for (const attr of a.attributes) if (b.getAttribute(attr.name) !== attr.value) return false;
    return true;
  }

  // Make the children of `old` those of `fresh`: equal nodes are kept, elements of the same
  // kind with the same attributes are morphed, anything else is replaced.
  function morph(old, fresh) {
    const a = Array.from(old.childNodes).filter((n) => n.id !== "cp-preview");
    const b = Array.from(fresh.childNodes);
    if (a.length !== b.length) {
      const keep = panel();
      for (const n of a) n.remove();
      const frag = document.createDocumentFragment();
      for (const n of b) frag.appendChild(document.importNode(n, true));
      old.insertBefore(frag, old === document.body ? keep : null);
      return;
    }
    for (let i = 0; i < a.length; i++) {
      const x = a[i], y = b[i];
      if (x.isEqualNode(y)) continue;
      if (x.nodeType === 1 && y.nodeType === 1 && x.tagName === y.tagName && sameAttributes(x, y) && x.tagName !== "svg") {
        morph(x, y);
      } else {
        x.replaceWith(document.importNode(y, true));
      }
    }
  }

  function setBodyAttributes(attrs) {
    const t = document.createElement("template");
    t.innerHTML = "<div" + attrs + "></div>";
    const d = t.content.firstChild;
    for (const attr of Array.from(document.body.attributes)) {
      if (!attr.name.startsWith("data-cp") && !d.hasAttribute(attr.name)) document.body.removeAttribute(attr.name);
    }
    for (const attr of d.attributes) document.body.setAttribute(attr.name, attr.value);
  }

  // The page lists of the index and glossary are filled in by the build from the PDF's pages;
  // a screen has none: each list becomes links to the places, named by the unit they are in.
  function fillPageLists() {
    for (const span of document.querySelectorAll(".cp-pages")) {
      if (span.childNodes.length) continue;
      const places = new Map();
      for (const id of (span.dataset.anchors || "").split(/\s+/).filter(Boolean)) {
        const target = document.getElementById(id);
        if (!target) continue;
        const section = target.closest("body > *");
        const heading = section && section.querySelector("h1");
        const name = heading ? heading.textContent.replace(/\s+/g, " ").trim() : "↑";
        if (!places.has(name)) places.set(name, id);
      }
      const parts = [];
      for (const [name, id] of places) {
        if (parts.length) parts.push(document.createTextNode(span.dataset.sep || ", "));
        parts.push(Object.assign(document.createElement("a"), { href: "#" + id, textContent: name, className: "cp-place" }));
      }
      span.replaceChildren(...parts);
    }
  }

  function showErrors(errors) {
    const box = document.getElementById("cp-errors");
    const list = box.querySelector("ul");
    list.replaceChildren(...errors.map((e) => Object.assign(document.createElement("li"), { textContent: e })));
    box.hidden = errors.length === 0;
  }

  function scrollTo(src) {
    if (!src) return;
    const el = document.querySelector('[data-src="' + CSS.escape(src) + '"]');
    if (!el) return;
    el.scrollIntoView({ block: "center" });
    el.classList.remove("cp-changed");
    void el.offsetWidth;  // (restart the highlight)
    el.classList.add("cp-changed");
    setTimeout(() => el.classList.remove("cp-changed"), 1700);
  }

  function applyHtml(d) {
    const t = document.createElement("template");
    t.innerHTML = d.body;
    morph(document.body, t.content);
    setBodyAttributes(d.bodyAttrs);
    version = d.version;
    document.body.dataset.cpVersion = String(version);
    showErrors([]);
    fillPageLists();
    scrollTo(d.scroll);
  }

  function showPdf(d) {
    const box = document.getElementById("cp-pdf");
    box.classList.remove("cp-building");
    document.getElementById("cp-pdf-status").textContent = d.status;
    if (!d.ok) return;
    const img = document.getElementById("cp-pdf-page");
    img.src = "/_preview/page.png?v=" + d.version;
    img.hidden = false;
    img.alt = "Page " + d.page + " of the PDF";
    document.body.dataset.cpPdf = String(d.version);
  }

  // An image or a stylesheet of the course changed (the text did not): load it again.
  function reloadAssets(files) {
    const stamp = "?v=" + Date.now();
    for (const img of document.querySelectorAll("img[src]")) {
      const src = img.getAttribute("src").split("?")[0];
      if (files.includes(src.replace(/^\//, ""))) img.setAttribute("src", src + stamp);
    }
    if (files.some((f) => f.endsWith(".css"))) {
      for (const link of document.querySelectorAll('link[href^="/_preview/sheet/"]')) {
        link.href = link.getAttribute("href").split("?")[0] + stamp;
      }
    }
  }

  function connect() {
    const events = new EventSource("/_preview/events");
    events.addEventListener("hello", (e) => {
      const s = JSON.parse(e.data);
      if (s.version !== version) {  // (a change while the page was loading or the stream was down)
        fetch("/_preview/state").then((r) => r.json()).then((full) => {
          applyHtml({ body: full.body, bodyAttrs: full.bodyAttrs, version: full.version, scroll: null });
          showErrors(full.errors);
        });
      } else {
        showErrors(s.errors);
      }
      // (a PDF page drawn while the page was loading or the stream was down)
      if (s.pdf.version > Number(document.body.dataset.cpPdf || 0)) {
        showPdf({ ok: true, version: s.pdf.version, page: s.pdf.page, status: s.pdf.status });
      }
    });
    events.addEventListener("html", (e) => applyHtml(JSON.parse(e.data)));
    events.addEventListener("errors", (e) => showErrors(JSON.parse(e.data).errors));
    events.addEventListener("assets", (e) => reloadAssets(JSON.parse(e.data).files));
    events.addEventListener("pdf-start", () => document.getElementById("cp-pdf").classList.add("cp-building"));
    events.addEventListener("pdf", (e) => showPdf(JSON.parse(e.data)));
  }
  fillPageLists();
  connect();
})();

/* 附件 on every staff page that lists tickets: a strip of thumbnails under each [data-ticket] row or card,
   an upload button (the phone camera on the grid page: 处置前 / 处置后), paste-to-upload on the console,
   and live refresh: a ticket.updated event re-reads that ticket's files (e.g. when its thumbnail is ready). */
"use strict";
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const phone = document.body.classList.contains("phone");
  const cache = new Map();      // number -> attachments
  const loading = new Set();
  const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  const toast = (m, k) => (window.H && H.toast ? H.toast(m, k) : console.log(m));

  function strip(number, items) {
    const files = items.map((a) => {
      if (a.thumbnail_url) {
        return `<a href="${esc(a.web_url || a.url)}" target="_blank" rel="noopener" title="${esc(a.stage_name)} · ${esc(a.name)}">
          <img class="att-thumb" src="${esc(a.thumbnail_url)}" alt="${esc(a.name)}" data-attachment="${a.id}" width="64" height="48" style="object-fit:cover;border-radius:3px"></a>`;
      }
      if (a.kind === "image") return `<span class="att-pending muted" data-attachment="${a.id}">图片处理中…</span>`;
      return `<a class="att-file" href="${esc(a.url)}" data-attachment="${a.id}">附件：${esc(a.name)}</a>`;
    }).join(" ");
    const buttons = phone
      ? `<label class="att-upload btn secondary">拍照：处置前<input type="file" accept="image/*" capture="environment" data-stage="before" hidden></label>
         <label class="att-upload btn secondary">拍照：处置后<input type="file" accept="image/*" capture="environment" data-stage="after" hidden></label>`
      : `<label class="att-upload link" title="上传附件（图片、视频、PDF、Office 文档）">上传附件<input type="file" data-stage="" hidden></label>`;
    return `<div class="att-strip" data-for="${esc(number)}" style="margin-top:4px;display:flex;gap:4px;flex-wrap:wrap;align-items:center">${files}${buttons}</div>`;
  }

  function place(el) {
    return el.tagName === "TR" ? (el.querySelector("td:nth-child(2)") || el.lastElementChild) : el;
  }

  function paint(el) {
    const number = el.dataset.ticket;
    const target = place(el);
    if (!target || !cache.has(number)) return;
    const html = strip(number, cache.get(number));
    const old = target.querySelector(":scope > .att-strip");
    if (old && old.dataset.html === html) return;
    if (old) old.remove();
    target.insertAdjacentHTML("beforeend", html);
    target.querySelector(":scope > .att-strip").dataset.html = html;
  }

  async function load(numbers) {
    const wanted = numbers.filter((n) => !cache.has(n) && !loading.has(n)).slice(0, 100);
    if (!wanted.length) return;
    wanted.forEach((n) => loading.add(n));
    try {
      const r = await fetch(`/api/v1/attachments?tickets=${wanted.map(encodeURIComponent).join(",")}`,
                            {credentials: "same-origin", headers: {"Accept": "application/json"}});
      if (!r.ok) return;
      const data = await r.json();
      for (const n of wanted) cache.set(n, (data.tickets || {})[n] || []);
    } finally { wanted.forEach((n) => loading.delete(n)); }
    decorate();
  }

  // The lists that show files: the handler's inbox, the grid worker's cards, the console's ticket lists.
  const LISTS = "#inbox-body tr[data-ticket], #cards .tcard[data-ticket], #my-tickets tr[data-ticket], #callbacks tr[data-ticket]";
  function rows() { return Array.from(document.querySelectorAll(LISTS)); }

  // A row that appears because a live event brought its ticket costs no request (the event said whether its
  // files changed: see "changed" below); rows shown by the user (a tab, a reload) or after a reconnect are read.
  let eventAt = 0;
  let userAt = Date.now();
  ["click", "keydown"].forEach((name) => document.addEventListener(name, () => { userAt = Date.now(); }, true));

  function decorate() {
    const els = rows();
    const unknown = els.map((e) => e.dataset.ticket).filter((n) => !cache.has(n));
    if (unknown.length && eventAt > userAt && Date.now() - eventAt < 2000) unknown.forEach((n) => cache.set(n, []));
    else load(unknown);
    els.forEach(paint);
  }

  async function send(number, file, stage) {
    const form = new FormData();
    form.append("file", file, file.name || "粘贴的图片.png");
    if (stage) form.append("stage", stage);
    const r = await fetch(`/api/v1/tickets/${encodeURIComponent(number)}/attachments`,
                          {method: "POST", body: form, credentials: "same-origin", headers: {"X-CSRFToken": csrf, "Accept": "application/json"}});
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    if (!r.ok) { toast((data && data.error && data.error.message) || `上传失败（${r.status}）`, "error"); return; }
    toast(`已上传：${data.name}`);
    cache.delete(number);
    load([number]);
  }

  document.addEventListener("change", (ev) => {
    const input = ev.target.closest(".att-strip input[type=file]");
    if (!input || !input.files.length) return;
    const number = input.closest(".att-strip").dataset.for;
    Array.from(input.files).forEach((f) => send(number, f, input.dataset.stage));
    input.value = "";
  });

  // The console: paste a screenshot or photo onto the selected (or just registered) ticket.
  document.addEventListener("paste", (ev) => {
    const files = Array.from((ev.clipboardData && ev.clipboardData.files) || []);
    if (!files.length) return;
    const selected = document.querySelector("[data-ticket].selected");
    const fresh = document.getElementById("new-number");
    const number = selected ? selected.dataset.ticket : (fresh && fresh.textContent.trim());
    if (!number) { toast("请先选中或登记一张工单，再粘贴附件", "error"); return; }
    ev.preventDefault();
    files.forEach((f) => send(number, f, ""));
  });

  let pending = null;
  new MutationObserver(() => { clearTimeout(pending); pending = setTimeout(decorate, 50); })
    .observe(document.querySelector("main") || document.body, {childList: true, subtree: true});

  function listen() {
    const socket = window.__hotlineSocket;
    if (!socket) { setTimeout(listen, 200); return; }
    ["ticket.created", "ticket.updated", "ticket.warning"].forEach((name) => socket.on(name, () => { eventAt = Date.now(); }));
    socket.on("ticket.updated", (payload) => {
      const number = payload && payload.number;
      // Only a change of files costs a request; other changes arrive whole in the event.
      if (!number || payload.changed !== "attachments" || !cache.has(number)) return;
      cache.delete(number);
      load([number]);
    });
    socket.on("connect", () => { cache.clear(); userAt = Date.now(); decorate(); });  // a reconnect may have missed events
  }
  listen();
  decorate();
})();

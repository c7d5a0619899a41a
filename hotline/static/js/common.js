/* Shared by the staff pages: JSON API calls with the page session + CSRF header, the live socket,
   countdowns, and one dialog for every ticket action. */
"use strict";
const H = (() => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const events = [];          // every live event this page received (the e2e test reads it)
  window.__hotlineEvents = events;

  function esc(value) {
    return String(value ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  }

  /* A ticket number as a link to its page (every number on every page links there). */
  function numberLink(number) {
    return `<a class="number" href="/tickets/${encodeURIComponent(number)}">${esc(number)}</a>`;
  }

  async function api(method, path, body) {
    const opts = {method, credentials: "same-origin", headers: {"Accept": "application/json"}};
    if (method !== "GET") {
      opts.headers["X-CSRFToken"] = csrf;
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body || {});
    }
    const response = await fetch(path, opts);
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) {
      const message = (data && data.error && data.error.message) || `请求失败（${response.status}）`;
      const err = new Error(message);
      err.status = response.status;
      throw err;
    }
    return data;
  }

  /* The tickets in ``states`` this user may see, the most urgent deadline first, walked by keyset cursor:
     a long queue shows its oldest, most overdue tickets first instead of dropping them past page 2. */
  async function listTickets(states, maxPages = 5, extra = "") {
    let all = [], cursor = null;
    for (let page = 1; page <= maxPages; page++) {
      const data = await api("GET", `/api/v1/search?state=${states}&sort=deadline&limit=100${extra}${cursor ? "&cursor=" + encodeURIComponent(cursor) : ""}`);
      all = all.concat(data.tickets);
      cursor = data.next;
      if (!cursor) break;
    }
    return all;
  }

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  }

  /* Stack toasts in the page's live region (base.html), so they never overlap and screen readers announce them. */
  function toast(message, kind) {
    let region = document.getElementById("toasts");
    if (!region) {
      region = document.createElement("div");
      region.id = "toasts";
      region.className = "toasts";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    const el = document.createElement("div");
    el.className = "toast " + (kind || "");
    if (kind === "error") el.setAttribute("role", "alert");
    el.textContent = message;
    region.appendChild(el);
    setTimeout(() => el.remove(), kind === "error" ? 5000 : 2500);
  }

  /* Replace, add or drop ``ticket`` in ``list`` by number, as ``keep(ticket)`` says; a late event carrying an
     older version never overwrites a newer one. */
  function upsert(list, ticket, keep) {
    const at = list.findIndex((t) => t.number === ticket.number);
    if (at >= 0 && (list[at].version || 0) > (ticket.version || 0)) return list;
    const rest = list.filter((t) => t.number !== ticket.number);
    if (!keep(ticket)) return rest;
    if (at >= 0) rest.splice(at, 0, ticket); else rest.push(ticket);
    return rest;
  }

  /* Connect the live socket; ``refresh`` runs on every (re)connect so nothing missed while away is lost.
     A ticket event carries the ticket as this user may see it: ``apply(ticket)`` patches the page in place
     (no request); a page without ``apply`` re-fetches (debounced). ``wants`` filters the events. */
  function live(refresh, handlers = {}, wants = null, apply = null) {
    const status = document.getElementById("live-status");
    if (status) status.hidden = false;  // only pages with a live socket show its state
    const socket = io({transports: ["websocket", "polling"]});
    window.__hotlineSocket = socket;
    const later = debounce(refresh, 120);
    socket.on("connect", () => {
      if (status) { status.textContent = "● 实时"; status.className = "live-status on"; }
      refresh();
    });
    socket.on("disconnect", () => {
      if (status) { status.textContent = "● 已断开，重连中"; status.className = "live-status off"; }
    });
    for (const name of ["ticket.created", "ticket.updated", "ticket.warning", "callback.due", "call.new", "call.updated"]) {
      socket.on(name, (payload) => {
        events.push({event: name, number: payload && payload.number, at: Date.now()});
        if (handlers[name]) handlers[name](payload);
        if ((name.startsWith("ticket.") || name === "callback.due") && (!wants || wants(name, payload || {}))) {
          if (apply && payload && payload.ticket) apply(payload.ticket); else later();
        }
      });
    }
    return socket;
  }

  function fmtTime(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    const p = (n) => String(n).padStart(2, "0");
    return `${d.getMonth() + 1}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
  }

  function span(ms) {
    const m = Math.floor(Math.abs(ms) / 60000);
    const d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), mm = m % 60;
    if (d) return `${d}天${h}小时`;
    if (h) return `${h}小时${mm}分`;
    return `${mm}分钟`;
  }

  /* The deadline that matters for a ticket in its current state. */
  function currentDeadline(t) {
    const d = t.deadlines || {};
    switch (t.state) {
      case "registered": return ["派单", d.dispatch];
      case "dispatched": return ["签收", d.accept];
      case "accepted": return ["办结", d.reply];
      case "replied": return ["办结", d.reply];
      case "callback_due": return ["回访", d.callback];
      default: return [null, null];
    }
  }

  function countdown(t) {
    if (t.state === "suspended") return '<span class="countdown">已挂账（计时暂停）</span>';
    const [label, iso] = currentDeadline(t);
    if (!iso) return '<span class="muted">—</span>';
    const left = new Date(iso) - Date.now();
    const cls = left < 0 ? "over" : (t.warning === "yellow" ? "near" : "");
    const text = left < 0 ? `${label}已超期 ${span(left)}` : `${label}剩余 ${span(left)}`;
    return `<span class="countdown ${cls}" title="${esc(fmtTime(iso))} 到期">${text}</span>`;
  }

  function warningBadge(t) {
    if (t.warning === "red") return '<span class="badge red">超期</span>';
    if (t.warning === "yellow") return '<span class="badge yellow">临期</span>';
    return "";
  }

  function flags(t) {
    let html = "";
    if (t.upper) html += ' <span class="badge red upper" title="上级平台交办的工单">上级交办</span>';
    if (t.escalation_level === "escalated") html += ' <span class="badge red escalation">提级督办</span>';
    else if (t.supervised) html += ' <span class="badge red">督办</span>';
    if (t.urge_count) html += ` <span class="badge yellow urge">催办×${t.urge_count}</span>`;
    if (t.rework_count) html += ` <span class="badge">重办${t.rework_count}次</span>`;
    if (t.pending_extension_days) html += ` <span class="badge blue">延期申请${t.pending_extension_days}天</span>`;
    if (t.pending_suspend) html += ' <span class="badge blue">挂账申请中</span>';
    if (t.urgency === "urgent") html += ' <span class="badge red">紧急</span>';
    return html;
  }

  /* ---- units (for dispatch and forward) ---- */
  let unitsPromise = null;
  function units() {
    if (!unitsPromise) unitsPromise = api("GET", "/api/v1/units").catch(() => []);
    return unitsPromise;
  }
  function descendants(all, code) {
    const kids = {};
    for (const u of all) (kids[u.parent] = kids[u.parent] || []).push(u);
    const out = [];
    const walk = (c) => { for (const k of kids[c] || []) { out.push(k); walk(k.code); } };
    walk(code);
    return out;
  }

  /* ---- the action dialog ---- */
  const TEXT = (name, label, required, type) => ({name, label, required, type: type || "textarea"});
  const ACTION_FIELDS = {
    dispatch: [{name: "unit", label: "承办单位（输入汉字或拼音首字母筛选）", type: "unit", required: true},
               {name: "co_units", label: "协办单位（可选，多选按住 Ctrl）", type: "units"},
               {name: "grid", label: "网格（可选，须在承办单位辖区内）", type: "grid"}],
    request_return: [TEXT("reason", "退单理由", true), TEXT("basis", "依据（确责清单条目、职责文件等）", false)],
    approve_return: [], reject_return: [TEXT("reason", "驳回理由", true)],
    forward: [{name: "unit", label: "下派至（本单位下级单位或网格）", type: "child", required: true}],
    escalate: [TEXT("reason", "上报原因（本级无法处置的情况）", true)],
    request_extension: [{name: "days", label: "延期工作日（1-5）", type: "number", required: true}, TEXT("reason", "延期理由", true)],
    reject_extension: [TEXT("note", "驳回意见", false)],
    request_suspend: [TEXT("reason", "挂账理由", true)],
    reject_suspend: [TEXT("note", "驳回意见", false)],
    reply: [TEXT("result", "办理结果（内部）", true), TEXT("public_answer", "答复市民的内容", true)],
    final_reply: [TEXT("result", "办理结果（内部，说明诉求不合理的依据）", true), TEXT("public_answer", "最终答复市民的内容", true)],
    reject_reply: [TEXT("reason", "审核退回理由", true)],
    uphold: [TEXT("reason", "甄别意见（差评不予支持的理由）", true)],
    reopen: [TEXT("reason", "重新开启的理由", true)],
    merge: [TEXT("into", "主工单编号", true, "text")],
    transfer: [{name: "target", label: "转办对象", type: "select", required: true,
                options: [["110", "110"], ["119", "119"], ["120", "120"], ["122", "122"], ["other_hotline", "其他热线"]]},
               TEXT("reason", "转办原因", true)],
    urge: [TEXT("note", "催办意见", false)],
    supervise: [TEXT("note", "督办意见", false)],
    comment: [TEXT("note", "备注", true)],
    close_on_call: [TEXT("public_answer", "答复市民的内容", true)],
  };
  const DIRECT = new Set(["accept", "approve_return", "approve_extension", "approve_suspend", "approve_reply",
                          "resume", "rework"]);

  async function fieldHtml(f, ticket, me) {
    const req = f.required ? "required" : "";
    if (f.type === "textarea") return `<textarea name="${f.name}" rows="3" ${req}></textarea>`;
    if (f.type === "text") return `<input name="${f.name}" ${req}>`;
    if (f.type === "number") return `<input name="${f.name}" type="number" min="1" max="5" value="5" ${req}>`;
    if (f.type === "select") return `<select name="${f.name}">${f.options.map(([v, l]) => `<option value="${v}">${esc(l)}</option>`).join("")}</select>`;
    const all = await units();
    let choices = all;
    if (f.type === "child") {
      const holder = ticket.handling_unit ? ticket.handling_unit.code : me.unit;
      choices = descendants(all, holder);
    }
    if (f.type === "grid") choices = all.filter((u) => u.kind === "grid");
    else if (f.type === "unit" || f.type === "units") choices = all.filter((u) => u.kind !== "grid");
    // The proposal fills the form (lead, co-units, grid); the dispatcher confirms or changes it.
    const proposal = ((ticket.suggestion || {}).proposal) || {};
    const chosen = new Set(f.type === "unit" ? [unitCode(proposal.unit)]
      : f.type === "units" ? (proposal.co_units || []).map(unitCode) : f.type === "grid" ? [unitCode(proposal.grid)] : []);
    const multi = f.type === "units" ? "multiple size=4" : "";
    const opts = choices.map((u) => `<option value="${esc(u.code)}" data-kind="${esc(u.kind)}" data-find="${esc((u.name + " " + u.code + " " + (u.initials || "")).toLowerCase())}" ${chosen.has(u.code) ? "selected" : ""}>${esc(u.name)}（${esc(u.code)}）</option>`).join("");
    const filter = `<input type="search" class="unit-filter" data-filter="${f.name}" placeholder="筛选：汉字、编码或拼音首字母（如 sjt）" aria-label="筛选${esc(f.label)}">`;
    return `${filter}<select name="${f.name}" ${multi} ${req}>${f.type === "units" ? "" : '<option value="">请选择</option>'}${opts}</select>`;
  }

  /* Type-ahead over a long unit list: hide options that do not match; select the first match of a single select. */
  function bindFilters(root) {
    root.querySelectorAll("input.unit-filter").forEach((input) => {
      const select = root.querySelector(`select[name="${input.dataset.filter}"]`);
      input.addEventListener("input", () => {
        const q = input.value.trim().toLowerCase();
        let first = null;
        for (const opt of select.options) {
          if (!opt.value) continue;
          const hit = !q || opt.dataset.find.includes(q);
          opt.hidden = !hit;
          if (hit && !first) first = opt;
        }
        if (!select.multiple && q && first) select.value = first.value;
      });
      input.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); select.focus(); } });
    });
  }

  function unitCode(value) {
    if (!value) return null;
    return typeof value === "string" ? value : (value.code || null);
  }

  /* Open the form ``action`` needs; post it; call ``done(ticket)``. ``opts`` may retitle it or bring its own fields. */
  async function act(ticket, action, done, opts = {}) {
    const fields = opts.fields || ACTION_FIELDS[action] || [];
    const me = {unit: document.body.dataset.unit};
    if (!fields.length && (DIRECT.has(action) || opts.direct)) {
      return post(ticket, action, {}, done);
    }
    const dialog = document.createElement("dialog");
    let html = `<form method="dialog"><h3>${esc(opts.title || actionName(ticket, action))} · <span class="number">${esc(ticket.number)}</span></h3>
      <p class="muted">${esc(ticket.title)}</p>`;
    if (action === "dispatch" && (((ticket.suggestion || {}).proposal) || {}).transfer_110) {
      // Flagged for 110: never dispatched without the dispatcher saying it is not a police matter.
      html += `<p class="badge red">系统建议转 110</p><label class="field"><input type="checkbox" name="not_110" required>
        已核实不属于 110 警情，仍派单办理（否则请取消并选择“转办”）</label>`;
    }
    for (const f of fields) html += `<label class="field"><span>${esc(f.label)}${f.required ? " *" : ""}</span>${await fieldHtml(f, ticket, me)}</label>`;
    html += `<p class="error" data-role="error"></p><div class="dialog-buttons"><button type="button" class="secondary" data-role="cancel">取消</button><button type="submit" data-role="submit">确定</button></div></form>`;
    dialog.innerHTML = html;
    document.body.appendChild(dialog);
    bindFilters(dialog);
    dialog.querySelector('[data-role="cancel"]').onclick = () => { dialog.close(); dialog.remove(); };
    dialog.querySelector("form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const form = ev.target;
      const body = {};
      for (const f of fields) {
        const el = form.elements[f.name];
        if (f.type === "units") body.co_units = Array.from(el.selectedOptions).map((o) => o.value);
        else if (f.type === "grid") { if (el.value) body.grid = el.value; }
        else if (f.type === "number") body[f.name] = parseInt(el.value, 10);
        else if (f.type === "child" || f.type === "unit") {
          const opt = el.selectedOptions[0];
          if (opt && opt.dataset.kind === "grid" && f.type === "child") body.grid = el.value; else body.unit = el.value;
        } else body[f.name] = el.value;
      }
      try {
        await post(ticket, opts.action || action, body, done, true);
        dialog.close(); dialog.remove();
      } catch (err) {
        form.querySelector('[data-role="error"]').textContent = err.message;
      }
    });
    dialog.showModal();
  }

  function actionName(ticket, action) {
    const found = (ticket.actions || []).find((a) => a.action === action);
    return found ? found.name : action;
  }

  async function post(ticket, action, body, done, rethrow) {
    try {
      const data = await api("POST", `/api/v1/tickets/${ticket.number}/${action}`, body);
      toast(`${ticket.number}：${actionName(ticket, action)}成功`);
      if (done) done(data.ticket);
      return data.ticket;
    } catch (err) {
      if (rethrow) throw err;
      toast(err.message, "error");
      return null;
    }
  }

  function actionButtons(t, only, skip) {
    return (t.actions || [])
      .filter((a) => (!only || only.includes(a.action)) && !(skip || []).includes(a.action))
      .map((a) => `<button class="small ${a.action.startsWith("reject") || a.action === "request_return" ? "secondary" : ""}" data-number="${esc(t.number)}" data-action="${a.action}">${esc(a.name)}</button>`)
      .join("");
  }

  /* Delegate clicks on ``[data-action]`` buttons inside ``root`` to the dialog. */
  function bindActions(root, lookup, done) {
    root.addEventListener("click", (ev) => {
      const btn = ev.target.closest("button[data-action]");
      if (!btn) return;
      const ticket = lookup(btn.dataset.number);
      if (ticket) act(ticket, btn.dataset.action, done, btn.dataset.opts ? JSON.parse(btn.dataset.opts) : {});
    });
  }

  return {api, numberLink, listTickets, live, upsert, esc, toast, debounce, fmtTime, countdown, warningBadge, flags, act, actionButtons,
          bindActions, units, unitCode, ACTION_FIELDS, events};
})();

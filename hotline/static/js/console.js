/* 话务员工作台: call pop, registration with live suggestions, knowledge answers, callbacks. */
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const form = $("register-form");
  let suggestions = {};
  let chosenAnswer = "";   // the public answer picked from an article, for 直接办结
  let lastTicket = null;
  let callbacks = [];

  /* ---- call pop ---- */
  function showCall(p) {
    $("call-pop").classList.remove("hidden");
    $("call-from").textContent = p.from;
    $("call-status").textContent = "振铃中 · " + H.fmtTime(p.at);
    let badges = "";
    if (p.repeat_caller) badges += `<span class="badge red">重复来电（30天内 ${p.recent_count} 件）</span> `;
    if (p.open_count) badges += `<span class="badge yellow">在办 ${p.open_count} 件</span>`;
    if (!p.history.length) badges += '<span class="badge">首次来电</span>';
    $("call-badges").innerHTML = badges;
    $("call-history").innerHTML = p.history.map((h) => `<li data-ticket="${H.esc(h.number)}">
      ${H.numberLink(h.number)} ${h.open ? '<span class="badge blue">' : '<span class="badge">'}${H.esc(h.state_name)}</span>
      ${H.warningBadge(h)} ${H.esc(h.title)} <span class="muted">${H.fmtTime(h.created_at)}${h.unit ? " · " + H.esc(h.unit) : ""}</span></li>`).join("")
      || '<li class="muted">无历史工单</li>';
    // A new call is a new caller: their number replaces the last one, and the previous ticket's
    // 直接办结 box goes away so Alt+D cannot close it by mistake.
    const previous = $("f-phone").value;
    $("f-phone").value = p.from;
    if (previous && previous !== p.from) $("f-caller").value = "";
    $("f-channel").value = "phone";
    forgetTicket();
  }
  function updateCall(p) {
    if (p.event === "answer") $("call-status").textContent = "通话中";
    if (p.event === "hangup") $("call-status").textContent = "已挂断";
  }
  $("call-dismiss").onclick = () => $("call-pop").classList.add("hidden");

  /* ---- live suggestions ---- */
  const requestSuggestions = H.debounce(async () => {
    const text = `${$("f-title").value} ${$("f-content").value}`.trim();
    if (text.length < 4) return;
    $("suggest-status").textContent = "更新中…";
    try {
      suggestions = await H.api("POST", "/api/v1/console/suggest", {text, address: $("f-address").value || null});
      renderSuggestions();
      $("suggest-status").textContent = "已更新 " + H.fmtTime(new Date().toISOString()).slice(-5);
    } catch (err) { $("suggest-status").textContent = err.message; }
  }, 250);
  for (const id of ["f-content", "f-title", "f-address"]) $(id).addEventListener("input", requestSuggestions);
  // Typing a new request means the ticket just registered is handed over: its 直接办结 must not stay armed.
  $("f-content").addEventListener("input", () => { if (lastTicket) forgetTicket(); });

  function pct(x) { return x == null ? "" : Math.round(x * 100) + "%"; }

  /* A suggested code (or {code, name}) shown by the name of the matching option of select ``id``. */
  function nameOf(id, value) {
    if (!value) return "";
    if (typeof value === "object") return value.name || value.code || "";
    const opt = Array.from($(id).options).find((o) => o.value === value);
    return opt ? opt.textContent : value;
  }

  /* The responsibility-list rule behind a proposal: its explanation without the legal text (in the tooltip). */
  function ruleText(rule) {
    if (typeof rule !== "object") return String(rule);
    const reason = (rule.reason || "").split("；依据")[0];
    return reason || rule.name || rule.id || "";
  }

  /* Knowledge snippets of some articles come with a space between every character (Chinese has none):
     when most characters are spaced out, drop the single spaces. */
  function tidy(text) {
    text = String(text || "");
    const plain = text.replace(/<\/?mark>/g, "");
    if ((plain.match(/ /g) || []).length * 3 < plain.length) return text;
    return text.replace(/([^\s>]|<\/mark>) (?=[^\s<]|<mark>)/g, "$1");
  }

  function renderSuggestions() {
    const s = suggestions || {};
    let html = "";
    const cats = s.categories || [];
    if (cats.length) {
      html += "<h3>分类</h3>" + cats.slice(0, 3).map((c, i) => `<div class="cat"><kbd>Alt+${i + 1}</kbd>
        <a href="#" data-cat="${i}">${H.esc(c.name || c.code)}</a> <span class="muted">${H.esc(c.code)}</span>
        <span class="bar"><i style="width:${pct(c.confidence) || "0%"}"></i></span> <span class="muted">${pct(c.confidence)}</span></div>`).join("");
    }
    const kind = nameOf("f-kind", s.kind);
    const urgency = nameOf("f-urgency", s.urgency);
    if (kind || urgency) {
      const why = [s.kind_reason, s.urgency_reason].filter(Boolean).map(H.esc).join("；");
      html += `<h3>类型 / 紧急程度</h3><div>${H.esc(kind || "—")} · ${H.esc(urgency || "—")}</div>${why ? `<div class="muted">${why}</div>` : ""}`;
    }
    const p = s.proposal;
    if (p) {
      html += `<h3>派单建议（由派单员确认派单）</h3><div><strong>${H.esc(p.unit ? (p.unit.name || p.unit) : "—")}</strong>
        ${p.grid ? " / " + H.esc(p.grid.name || p.grid) : ""} <span class="muted">${pct(p.confidence)}</span>
        ${(p.co_units || []).length ? `<br><span class="muted">协办：${p.co_units.map((u) => H.esc(u.name || u)).join("、")}</span>` : ""}
        ${p.rule ? `<br><span class="muted" title="${H.esc(p.rule.legal_basis || "")}">依据：${H.esc(ruleText(p.rule))}</span>` : ""}
        ${p.transfer_110 ? '<br><span class="badge red">建议转 110</span>' : ""}</div>`;
    }
    const similar = s.similar || [];
    if (similar.length) html += "<h3>类案 / 可能重复</h3>" + similar.slice(0, 5).map((t) =>
      `<div>${H.numberLink(t.number)} ${H.esc(t.title)} <span class="muted">${pct(t.score)}</span></div>`).join("");
    const arts = s.articles || [];
    if (arts.length) html += "<h3>知识库推荐</h3>" + arts.slice(0, 5).map(articleHtml).join("");
    if ((s.unavailable || []).length) html += `<p class="hint">暂不可用：${H.esc(s.unavailable.join("、"))}</p>`;
    $("suggest-body").innerHTML = html || '<p class="empty">暂无建议</p>';
  }

  function articleHtml(a) {
    // snippets come highlighted with <mark>; keep only that tag
    const snippet = H.esc(tidy(a.snippet)).replace(/&lt;(\/?)mark&gt;/g, "<$1mark>");
    return `<div class="article"><strong>${H.esc(a.title)}</strong><div class="snippet muted">${snippet}</div>
      <button class="small secondary" type="button" data-use-article="${H.esc(a.id)}" data-snippet="${H.esc(a.snippet || a.title)}">用此答复</button></div>`;
  }

  function pickCategory(i) {
    const c = (suggestions.categories || [])[i];
    if (!c) return;
    $("f-category").value = c.code;
    H.toast(`已选分类：${c.name || c.code}`);
  }

  document.addEventListener("click", async (ev) => {
    const cat = ev.target.closest("[data-cat]");
    if (cat) { ev.preventDefault(); pickCategory(+cat.dataset.cat); return; }
    const use = ev.target.closest("[data-use-article]");
    if (use) {
      let text = use.dataset.snippet.replace(/<\/?mark>/g, "");
      try {
        const a = await H.api("GET", `/api/v1/kb/articles/${encodeURIComponent(use.dataset.useArticle)}`);
        const art = a.article || a;
        text = art.text || text;  // public answers are text: never the article's HTML
      } catch (e) { /* the snippet will do */ }
      chosenAnswer = text;
      const box = document.querySelector("#register-result textarea[name=public_answer]");
      if (box) box.value = text;
      H.toast("已选用知识库答复，可登记后直接办结（Alt+D）");
    }
  });

  /* ---- knowledge search ---- */
  $("kb-q").addEventListener("keydown", async (ev) => {
    if (ev.key !== "Enter") return;
    ev.preventDefault();
    const q = $("kb-q").value.trim();
    if (!q) return;
    try {
      const data = await H.api("GET", `/api/v1/kb/search?q=${encodeURIComponent(q)}&limit=5`);
      const rows = data.results || data.articles || data || [];
      $("kb-results").innerHTML = rows.length ? rows.map(articleHtml).join("") : '<p class="empty">无结果</p>';
    } catch (err) { $("kb-results").innerHTML = `<p class="error">${H.esc(err.message)}</p>`; }
  });

  /* ---- register, then close on the call or leave for dispatch ---- */
  async function register() {
    const data = Object.fromEntries(new FormData(form).entries());
    for (const k of Object.keys(data)) if (!data[k]) delete data[k];
    if (!data.content) { H.toast("请填写诉求内容", "error"); $("f-content").focus(); return; }
    $("btn-register").disabled = true;
    try {
      const res = await H.api("POST", "/api/v1/tickets", data);
      if (res.suggestions) { suggestions = res.suggestions; renderSuggestions(); }
      form.reset();  // the request is in the ticket now; the form is free for the next caller
      lastTicket = res.ticket;
      showResult(res.ticket);
    } catch (err) { H.toast(err.message, "error"); }
    finally { $("btn-register").disabled = false; }
  }

  function showResult(t) {
    const box = $("register-result");
    box.hidden = false;
    const canClose = (t.actions || []).some((a) => a.action === "close_on_call");
    box.innerHTML = `<div>已登记工单 <a class="number" id="new-number" href="/tickets/${encodeURIComponent(t.number)}" target="_blank">${H.esc(t.number)}</a> · ${H.esc(t.state_name)} · ${H.esc(t.kind_name || "")}</div>
      ${canClose ? `<label class="field"><span>直接办结：答复市民的内容（可从知识库选用）</span><textarea name="public_answer" rows="3">${H.esc(chosenAnswer)}</textarea></label>
      <div class="actions"><button type="button" id="btn-close-call">直接办结（Alt+D）</button>
      <button type="button" class="secondary" id="btn-next">转派单员派单，登记下一件</button></div>` : ""}
      <p class="hint">不能当场答复的诉求保留“已受理”，连同派单建议进入派单员队列。</p>`;
    const closeBtn = $("btn-close-call");
    if (closeBtn) closeBtn.onclick = closeOnCall;
    const next = $("btn-next");
    if (next) next.onclick = () => clearForm(false);
  }

  /* The registered ticket is handed over: hide its result box so its 直接办结 (and Alt+D) is gone. */
  function forgetTicket() {
    lastTicket = null;
    $("register-result").hidden = true;
    $("register-result").innerHTML = "";
  }

  async function closeOnCall() {
    if (!lastTicket || !$("btn-close-call")) { H.toast("请先登记本次来电的工单，再直接办结", "error"); return; }
    const box = document.querySelector("#register-result textarea[name=public_answer]");
    const answer = (box && box.value.trim()) || chosenAnswer;
    if (!answer) { H.toast("请填写答复内容", "error"); return; }
    try {
      const res = await H.api("POST", `/api/v1/tickets/${lastTicket.number}/close_on_call`, {public_answer: answer});
      H.toast(`${res.ticket.number} 已直接办结`);
      clearForm(false);
    } catch (err) { H.toast(err.message, "error"); }
  }

  function clearForm(keepResult) {
    form.reset();
    suggestions = {};
    chosenAnswer = "";
    renderSuggestions();
    if (!keepResult) forgetTicket();
    $("f-content").focus();
  }

  form.addEventListener("submit", (ev) => { ev.preventDefault(); register(); });
  $("btn-clear").onclick = () => clearForm(false);

  document.addEventListener("keydown", (ev) => {
    if (document.querySelector("dialog[open]")) return;
    if (ev.ctrlKey && ev.key === "Enter") { ev.preventDefault(); register(); }
    else if (ev.altKey && ["1", "2", "3"].includes(ev.key)) { ev.preventDefault(); pickCategory(+ev.key - 1); }
    else if (ev.altKey && (ev.key === "k" || ev.key === "K")) { ev.preventDefault(); $("kb-q").focus(); }
    else if (ev.altKey && (ev.key === "d" || ev.key === "D")) { ev.preventDefault(); closeOnCall(); }
    else if (ev.key === "Escape") { ev.preventDefault(); clearForm(false); }
  });

  /* ---- callbacks (回访) ---- */
  function callbackRow(t) {
    const opts = '<option value="">请选择满意度</option>' + Object.entries(JSON.parse(document.getElementById("satisfactions").textContent)).map(([v, l]) => `<option value="${v}">${H.esc(l)}</option>`).join("");
    const n = H.esc(t.number);
    const yesNo = (name, label) => `<fieldset class="yesno"><legend>${label}</legend>
      <label><input type="radio" name="${name}" value="yes" required> 是</label>
      <label><input type="radio" name="${name}" value="no"> 否</label></fieldset>`;
    return `<tr class="warning-${t.warning}" data-ticket="${H.esc(t.number)}">
      <td>${H.numberLink(t.number)}<br>${H.countdown(t)}<br><span class="muted">${H.esc(t.caller_name || "")} ${H.esc(t.caller_phone || "")}</span>
        ${t.callback_attempts ? `<br><span class="badge">已回访 ${t.callback_attempts} 次</span>` : ""}</td>
      <td><strong>${H.esc(t.title)}</strong><br><span class="muted">${H.esc(t.lead_unit ? t.lead_unit.name : "")}答复：${H.esc((t.public_answer || "").slice(0, 100))}</span></td>
      <td><form class="callback-form" data-number="${H.esc(t.number)}">
        ${yesNo("contacted", "已联系上市民？")}${yesNo("resolved", "问题已解决？")}
        <select name="satisfaction" required aria-label="满意度">${opts}</select>
        <textarea name="note" rows="2" maxlength="2000" placeholder="回访记录：市民原话、意见（可选）" aria-label="回访记录"></textarea>
        <div class="actions" style="margin-top:4px"><button class="small" type="submit">提交回访</button>
        <button class="small secondary" type="button" data-unreachable="${H.esc(t.number)}">未接通</button></div></form></td></tr>`;
  }

  function renderCallbacks() {
    $("callback-count").textContent = callbacks.length;
    $("callbacks").innerHTML = callbacks.length ? callbacks.map(callbackRow).join("") : '<tr><td colspan="3" class="empty">暂无待回访工单</td></tr>';
  }

  async function refreshCallbacks() {
    try {
      // The agents' queue: not the tickets whose citizen was sent a 回访 link that still waits (智能回访).
      callbacks = await H.listTickets("callback_due", 2, "&queue=callback");
      renderCallbacks();
    } catch (err) { H.toast(err.message, "error"); }
  }

  function applyCallback(t) {
    callbacks = H.upsert(callbacks, t, (x) => x.state === "callback_due" && !x.awaiting_citizen);
    renderCallbacks();
  }

  $("callbacks").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const contacted = f.elements.contacted.value, resolved = f.elements.resolved.value, satisfaction = f.elements.satisfaction.value;
    if (!contacted || !resolved || !satisfaction) { H.toast("请逐项选择：是否联系上、是否解决、满意度", "error"); return; }
    const body = {contacted: contacted === "yes", resolved: resolved === "yes", satisfaction};
    if (f.elements.note.value.trim()) body.note = f.elements.note.value.trim();
    try {
      await H.api("POST", `/api/v1/tickets/${f.dataset.number}/callback`, body);
      H.toast(`${f.dataset.number} 回访已记录`);
      refreshCallbacks();
    } catch (err) { H.toast(err.message, "error"); }
  });
  $("callbacks").addEventListener("click", async (ev) => {
    const b = ev.target.closest("[data-unreachable]");
    if (!b) return;
    try {
      await H.api("POST", `/api/v1/tickets/${b.dataset.unreachable}/callback`, {unreachable: true});
      H.toast(`${b.dataset.unreachable} 已记录未接通`);
      refreshCallbacks();
    } catch (err) { H.toast(err.message, "error"); }
  });

  // Agents hear every ticket event; only those touching the callback queue refresh it.
  const touchesQueue = (name, p) => name === "callback.due" || p.state === "callback_due" || callbacks.some((t) => t.number === p.number);
  H.live(refreshCallbacks, {"call.new": showCall, "call.updated": updateCall}, touchesQueue, applyCallback);
  $("f-content").focus();
})();

/* 指挥调度台: live counts, the dispatch queue with proposals, approvals, today's intake charts. */
"use strict";
(() => {
  const APPROVALS = [
    ["return", "退单待审", ["approve_return", "reject_return"]],
    ["extension", "延期申请", ["approve_extension", "reject_extension"]],
    ["suspend", "挂账申请", ["approve_suspend", "reject_suspend"]],
    ["reply", "答复审核", ["approve_reply", "reject_reply"]],
    ["dispute", "差评甄别", ["rework", "uphold"]],
  ];
  const SHOWN_STATES = ["registered", "dispatched", "return_requested", "accepted", "suspended", "replied", "callback_due", "disputed", "closed"];
  // Which approval list a ticket belongs in, as GET /api/v1/console/approvals decides it.
  const APPROVAL_TEST = {
    return: (t) => t.state === "return_requested",
    extension: (t) => t.state === "accepted" && t.pending_extension_days != null,
    suspend: (t) => t.state === "accepted" && t.pending_suspend,
    reply: (t) => t.state === "replied",
    dispute: (t) => t.state === "disputed",
  };
  let known = {};          // number -> ticket (queue and approvals)
  let queue = [];
  let approvals = {};
  let categoryNames = {};  // code -> name, from GET /api/v1/categories (loaded once)
  const $ = (id) => document.getElementById(id);

  /* Each count opens the list it counts (the search page with the matching filter). */
  const STAT_LINKS = {open: "open=1", yellow: "warning=yellow&open=1", red: "warning=red&open=1"};
  function stat(id, label, n, cls) {
    const query = STAT_LINKS[id] || `state=${encodeURIComponent(id)}`;
    return `<a class="stat ${cls || ""}" data-stat="${id}" href="/search?${query}&sort=deadline"><div class="n">${n}</div><div class="l">${label}</div></a>`;
  }

  function renderSummary(s) {
    const byState = Object.fromEntries(s.states.map((x) => [x.state, x]));
    let html = stat("open", "在办总数", s.open) + stat("yellow", "即将超期", s.warnings.yellow, "yellow") + stat("red", "已超期", s.warnings.red, "red");
    for (const st of SHOWN_STATES) html += stat(st, byState[st].name, byState[st].count);
    const esc = s.escalations || {};
    html += stat("escalated", "提级督办", esc.escalated || 0, "red") + stat("supervised", "督办中", esc.supervised || 0, "red");
    $("stats").innerHTML = html;
    $("today-total").textContent = s.today.total;
    $("chart-category").innerHTML = barChart(s.today.by_category.map((r) => [categoryNames[r.category] || r.category, r.count, r.category]));
    $("chart-unit").innerHTML = barChart(s.today.by_unit.map((r) => [r.name, r.count]));
  }

  /* A horizontal bar chart as inline SVG (no chart library). */
  function barChart(rows) {
    if (!rows.length) return '<p class="empty">今日暂无受理</p>';
    rows = rows.slice(0, 12);
    const max = Math.max(...rows.map((r) => r[1]));
    const rowH = 24, labelW = 130, width = 420, barW = width - labelW - 40;
    let svg = `<svg class="chart" viewBox="0 0 ${width} ${rows.length * rowH + 4}" width="100%" role="img">`;
    rows.forEach(([label, n, title], i) => {
      const y = i * rowH + 2, w = Math.max(2, (n / max) * barW);
      const text = String(label);
      svg += `<text x="${labelW - 6}" y="${y + 15}" text-anchor="end"><title>${H.esc(title || text)}</title><tspan data-free-text>${H.esc(text.length > 9 ? text.slice(0, 8) + "…" : text)}</tspan></text>`;
      svg += `<rect x="${labelW}" y="${y + 3}" width="${w}" height="${rowH - 8}" fill="#1d4f91" rx="2"></rect>`;
      svg += `<text x="${labelW + w + 4}" y="${y + 15}">${n}</text>`;
    });
    return svg + "</svg>";
  }

  function proposalText(t) {
    const p = (t.suggestion || {}).proposal;
    if (!p) return '<span class="muted">无建议，请选择单位</span>';
    const unit = p.unit ? (p.unit.name || p.unit) : "—";
    let html = `<strong>${H.esc(unit)}</strong>`;
    if (p.grid) html += ` / ${H.esc(p.grid.name || p.grid)}`;
    if (p.confidence != null) html += ` <span class="muted">${Math.round(p.confidence * 100)}%</span>`;
    if (p.rule) html += `<br><span class="muted" title="${H.esc(p.rule.reason || "")}">依据：确责清单 ${H.esc(p.rule.name || p.rule.id || p.rule)}</span>`;
    if (p.transfer_110) html += ' <span class="badge red">建议转110</span>';
    const cats = (t.suggestion || {}).categories || [];
    if (cats.length && !t.category) html += `<br><span class="muted">分类建议：${H.esc(cats[0].name || cats[0].code)}</span>`;
    return html;
  }

  function renderQueue(rows) {
    $("queue-count").textContent = rows.length;
    $("queue").innerHTML = rows.length ? rows.map((t) => {
      const p = (t.suggestion || {}).proposal || {};
      const can = (t.actions || []).some((a) => a.action === "dispatch");
      // A ticket flagged for 110 is never dispatched in one click: the dispatcher opens it and decides.
      const oneClick = can && H.unitCode(p.unit) && !p.transfer_110 ? `<button class="small" data-number="${H.esc(t.number)}" data-quick="1">按建议派单</button>` : "";
      return `<tr class="warning-${t.warning}" data-ticket="${H.esc(t.number)}">
        <td>${H.numberLink(t.number)}<br><span class="muted">${H.esc(t.channel_name)} ${H.fmtTime(t.created_at)}</span></td>
        <td><strong data-free-text>${H.esc(t.title)}</strong> ${H.flags(t)}<br><span class="muted" data-free-text>${H.esc((t.address || ""))}</span></td>
        <td>${proposalText(t)}</td>
        <td>${H.countdown(t)}</td>
        <td><div class="actions">${oneClick}${H.actionButtons(t, ["dispatch", "merge", "transfer", "urge"])}</div></td></tr>`;
    }).join("") : '<tr><td colspan="5" class="empty">暂无待派工单</td></tr>';
  }

  /* What the approver decides on: who asked, why, on what basis (or the citizen's verdict for a 差评). */
  function requestHtml(kind, t) {
    const r = t.request;
    if (!r) return "";
    const who = `<span class="muted">${H.esc(r.unit || "")} ${H.esc(r.by || "")} · ${H.fmtTime(r.at)}</span>`;
    let html = "";
    if (kind === "dispute") {
      html += `<div class="request">评价：<strong>${H.esc(r.satisfaction_name || "")}</strong>${r.resolved === false ? " · 未解决" : r.resolved ? " · 已解决" : ""}`;
      if (r.reason) html += `<br>回访记录：${H.esc(r.reason)}`;
      return html + `<br>${who}</div>`;
    }
    if (kind === "reply") return "";
    const label = {return: "退单理由", extension: "延期理由", suspend: "挂账理由"}[kind];
    html += `<div class="request">${kind === "extension" && r.days ? `申请延期 <strong>${H.esc(r.days)}</strong> 个工作日<br>` : ""}${label}：<span data-free-text>${H.esc(r.reason || "（未填写）")}</span>`;
    if (kind === "return") html += `<br>依据：${r.basis ? `<span data-free-text>${H.esc(r.basis)}</span>` : '<span class="muted">（未提供）</span>'}`;
    return html + `<br>${who}</div>`;
  }

  function renderApprovals(data) {
    $("approvals").innerHTML = APPROVALS.map(([kind, label, actions]) => {
      const rows = data[kind] || [];
      const body = rows.length ? rows.map((t) => `<tr class="warning-${t.warning}" data-ticket="${H.esc(t.number)}">
          <td>${H.numberLink(t.number)}</td>
          <td><span data-free-text>${H.esc(t.title)}</span> ${H.flags(t)}<br><span class="muted">${H.esc(t.handling_unit ? t.handling_unit.name : "")}${t.public_answer && kind === "reply" ? ` · 答复：<span data-free-text>${H.esc(t.public_answer.slice(0, 60))}</span>` : ""}</span>${requestHtml(kind, t)}</td>
          <td><div class="actions">${H.actionButtons(t, [...actions, "urge", "supervise"])}</div></td></tr>`).join("")
        : '<tr><td colspan="3" class="empty">无</td></tr>';
      return `<h3 style="font-size:14px;margin:10px 0 4px">${label} <span class="badge ${rows.length ? "blue" : ""}" data-approval="${kind}">${rows.length}</span></h3>
        <table class="list"><tbody>${body}</tbody></table>`;
    }).join("");
  }

  let categoriesLoaded = null;
  function loadCategories() {
    if (!categoriesLoaded) {
      categoriesLoaded = H.api("GET", "/api/v1/categories")
        .then((rows) => { for (const c of rows || []) categoryNames[c.code] = c.name; })
        .catch(() => { categoriesLoaded = null; });  // codes until the next refresh retries
    }
    return categoriesLoaded;
  }

  async function refresh() {
    try {
      await loadCategories();
      let summary;
      [summary, approvals, queue] = await Promise.all([
        H.api("GET", "/api/v1/console/summary"),
        H.api("GET", "/api/v1/console/approvals"),
        H.listTickets("registered", 2),
      ]);
      known = {};
      for (const t of queue) known[t.number] = t;
      for (const rows of Object.values(approvals)) for (const t of rows) known[t.number] = t;
      renderSummary(summary);
      renderQueue(queue);
      renderApprovals(approvals);
    } catch (err) { H.toast(err.message, "error"); }
  }

  // The counts span every ticket, so they are re-read: at once, then at most once a second however busy the city is.
  let summaryBusy = false, summaryAgain = false;
  async function summaryLater() {
    if (summaryBusy) { summaryAgain = true; return; }
    summaryBusy = true;
    try { renderSummary(await H.api("GET", "/api/v1/console/summary")); } catch (err) { H.toast(err.message, "error"); }
    setTimeout(() => {
      summaryBusy = false;
      if (summaryAgain) { summaryAgain = false; summaryLater(); }
    }, 1000);
  }

  // A live event carries the ticket, not the request behind an approval row (reason, basis, who asked):
  // the approvals list is re-read when a row arrives without it, so no approver decides blind.
  const approvalsLater = H.debounce(async () => {
    try { approvals = await H.api("GET", "/api/v1/console/approvals"); renderApprovals(approvals); }
    catch (err) { H.toast(err.message, "error"); }
  }, 300);

  function apply(t) {
    queue = H.upsert(queue, t, (x) => x.state === "registered");
    for (const [kind, test] of Object.entries(APPROVAL_TEST)) {
      const before = (approvals[kind] || []).find((x) => x.number === t.number);
      approvals[kind] = H.upsert(approvals[kind] || [], t, test);
      const now = approvals[kind].find((x) => x.number === t.number);
      if (now && !now.request) {
        if (before && before.request && before.state === now.state) now.request = before.request; else approvalsLater();
      }
    }
    known[t.number] = t;
    renderQueue(queue);
    renderApprovals(approvals);
    summaryLater();
  }

  document.addEventListener("click", async (ev) => {
    const b = ev.target.closest("button[data-quick]");
    if (!b) return;
    const t = known[b.dataset.number];
    const p = (t.suggestion || {}).proposal || {};
    const body = {unit: H.unitCode(p.unit), co_units: (p.co_units || []).map(H.unitCode).filter(Boolean)};
    if (H.unitCode(p.grid)) body.grid = H.unitCode(p.grid);
    b.disabled = true;
    try {
      await H.api("POST", `/api/v1/tickets/${t.number}/dispatch`, body);
      H.toast(`${t.number} 已派至 ${p.unit.name || body.unit}`);
      refresh();
    } catch (err) { H.toast(err.message, "error"); b.disabled = false; }
  });
  H.bindActions(document.querySelector("main"), (n) => known[n], refresh);
  H.live(refresh, {}, null, apply);
  setInterval(refresh, 60000);
})();

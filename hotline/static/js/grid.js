/* 网格员: the grid's tickets as cards — 签收, 现场答复, 上报. */
"use strict";
(() => {
  const STATES = "dispatched,accepted,return_requested,suspended,replied";
  const TABS = [["todo", "待处理", (t) => ["dispatched", "accepted"].includes(t.state)], ["all", "全部", () => true]];
  const ESCALATE = JSON.stringify({title: "上报",
    fields: [{name: "reason", label: "上报原因（网格无法处置的情况）", type: "textarea", required: true}]});
  const REPLY = JSON.stringify({title: "现场答复"});
  let tickets = [];
  let tab = "todo";
  const cards = document.getElementById("cards");
  const tabs = document.getElementById("tabs");

  function buttons(t) {
    const has = (a) => (t.actions || []).some((x) => x.action === a);
    let html = "";
    if (has("accept")) html += `<button data-number="${H.esc(t.number)}" data-action="accept">签收</button>`;
    if (has("reply")) html += `<button data-number="${H.esc(t.number)}" data-action="reply" data-opts='${REPLY}'>现场答复</button>`;
    if (has("escalate")) html += `<button class="secondary" data-number="${H.esc(t.number)}" data-action="escalate" data-opts='${ESCALATE}'>上报</button>`;
    if (has("request_extension")) html += `<button class="secondary" data-number="${H.esc(t.number)}" data-action="request_extension">延期</button>`;
    if (has("resume")) html += `<button data-number="${H.esc(t.number)}" data-action="resume">恢复</button>`;
    return html;
  }

  /* Call the citizen: directly when this role may see the number, else through the 12345 centre. */
  function callLink(t) {
    const phone = String(t.caller_phone || "");
    if (/^\+?\d{5,}$/.test(phone)) return `<a class="tel" href="tel:${H.esc(phone)}">致电市民</a>`;
    if (phone) return '<a class="tel" href="tel:12345">经 12345 转接市民</a>';
    return "";
  }

  /* 巡查上报: the worker's own find, registered in their grid and kept there. */
  const patrol = document.getElementById("patrol-form");
  patrol.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = {content: patrol.elements.content.value.trim(), address: patrol.elements.address.value.trim() || null};
    if (body.content.length < 5) { H.toast("请写明巡查发现的问题（至少 5 个字）", "error"); return; }
    try {
      const res = await H.api("POST", "/api/v1/dispatch/patrol", body);
      H.toast(`已上报 ${res.ticket.number}，留在本网格处置`);
      patrol.reset();
      patrol.closest("details").open = false;
      refresh();
    } catch (err) { H.toast(err.message, "error"); }
  });

  function render() {
    tabs.innerHTML = TABS.map(([k, l, f]) => `<button class="${k === tab ? "active" : ""}" data-tab="${k}">${l}<span class="count">${tickets.filter(f).length}</span></button>`).join("");
    const rows = tickets.filter(TABS.find(([k]) => k === tab)[2]);
    cards.innerHTML = rows.length ? rows.map((t) => `
      <div class="tcard warning-${t.warning}" data-ticket="${H.esc(t.number)}">
        <div>${H.numberLink(t.number)} ${H.esc(t.state_name)} ${H.warningBadge(t)} ${H.flags(t)}</div>
        <div class="title">${H.esc(t.title)}</div>
        <div class="muted clamp">${H.esc(t.summary || t.content)}</div>
        ${t.address ? `<div><span class="muted">地址：</span>${H.esc(t.address)}</div>` : ""}
        <div class="card-foot">${H.countdown(t)} ${callLink(t)}</div>
        <div class="actions" style="margin-top:8px">${buttons(t)}</div>
      </div>`).join("") : '<p class="empty">暂无工单</p>';
  }

  async function refresh() {
    try { tickets = await H.listTickets(STATES); render(); } catch (err) { H.toast(err.message, "error"); }
  }
  tabs.addEventListener("click", (ev) => { const b = ev.target.closest("button[data-tab]"); if (b) { tab = b.dataset.tab; render(); } });
  H.bindActions(cards, (n) => tickets.find((t) => t.number === n), refresh);
  const OPEN = new Set(STATES.split(","));
  H.live(refresh, {}, null, (t) => { tickets = H.upsert(tickets, t, (x) => OPEN.has(x.state)); render(); });
  setInterval(render, 30000);
})();

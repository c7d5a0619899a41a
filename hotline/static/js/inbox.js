/* 承办单位工作台: the unit's tickets by stage, live. */
"use strict";
(() => {
  const STATES = "dispatched,return_requested,accepted,suspended,replied";
  const OPEN = new Set(["dispatched", "return_requested", "accepted", "suspended", "replied"]);
  const TABS = [
    ["pending", "待签收", (t) => t.state === "dispatched"],
    ["doing", "办理中", (t) => t.state === "accepted"],
    ["yellow", "即将超期", (t) => OPEN.has(t.state) && t.warning === "yellow"],
    ["red", "已超期", (t) => OPEN.has(t.state) && t.warning === "red"],
    ["returned", "退单中", (t) => t.state === "return_requested"],
    ["suspended", "挂账", (t) => t.state === "suspended" || t.pending_suspend],
    ["replied", "答复待审", (t) => t.state === "replied"],
    ["all", "全部", () => true],
  ];
  let tickets = [];
  let tab = "pending";
  let selected = null;  // the number of the row the keys act on
  const KEYS = JSON.parse(document.getElementById("inbox-keys").textContent);
  const body = document.getElementById("inbox-body");
  const tabs = document.getElementById("tabs");

  const clip = (text, n) => { text = text || ""; return text.length > n ? text.slice(0, n) + "…" : text; };

  function render() {
    tabs.innerHTML = TABS.map(([key, label, test]) =>
      `<button class="${key === tab ? "active" : ""} tab-${key}" data-tab="${key}">${label}<span class="count">${tickets.filter(test).length}</span></button>`).join("");
    const test = TABS.find(([key]) => key === tab)[2];
    const rows = tickets.filter(test);
    if (!rows.length) { body.innerHTML = '<tr><td colspan="6" class="empty">暂无工单</td></tr>'; return; }
    if (!rows.some((t) => t.number === selected)) selected = null;
    body.innerHTML = rows.map((t) => `
      <tr class="warning-${t.warning}${t.number === selected ? " selected" : ""}" data-ticket="${H.esc(t.number)}">
        <td>${H.numberLink(t.number)}<br><span class="muted">${H.esc(t.kind_name || "")} · ${H.esc(t.channel_name || "")}</span></td>
        <td><strong>${H.esc(t.title)}</strong><br><span class="muted">${H.esc(t.summary || clip(t.content, 80))}</span>
            ${t.address ? `<br><span class="muted">地址：${H.esc(t.address)}</span>` : ""}
            ${t.handling_unit && t.handling_unit.code !== document.body.dataset.unit ? `<br><span class="muted">当前承办：${H.esc(t.handling_unit.name)}</span>` : ""}</td>
        <td>${H.esc(t.state_name)} ${H.warningBadge(t)}</td>
        <td>${H.countdown(t)}</td>
        <td>${H.flags(t) || '<span class="muted">—</span>'}</td>
        <td><div class="actions">${H.actionButtons(t, null, ["comment"])}</div></td>
      </tr>`).join("");
  }

  async function refresh() {
    try {
      tickets = await H.listTickets(STATES);
      render();
    } catch (err) { H.toast(err.message, "error"); }
  }

  tabs.addEventListener("click", (ev) => {
    const b = ev.target.closest("button[data-tab]");
    if (b) { tab = b.dataset.tab; render(); }
  });
  H.bindActions(body, (n) => tickets.find((t) => t.number === n), refresh);

  function select(step) {
    const rows = Array.from(body.querySelectorAll("tr[data-ticket]"));
    if (!rows.length) return;
    const at = rows.findIndex((r) => r.dataset.ticket === selected);
    const next = rows[Math.min(rows.length - 1, Math.max(0, at < 0 ? 0 : at + step))];
    rows.forEach((r) => r.classList.toggle("selected", r === next));
    selected = next.dataset.ticket;
    next.scrollIntoView({block: "nearest"});
  }

  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.altKey || ev.metaKey || document.querySelector("dialog[open]")) return;
    if (["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) return;
    const key = ev.key.toLowerCase();
    if (key === "j" || key === "arrowdown") { ev.preventDefault(); select(1); }
    else if (key === "k" || key === "arrowup") { ev.preventDefault(); select(-1); }
    else if (/^[1-8]$/.test(key)) { tab = TABS[+key - 1][0]; render(); }
    else if (KEYS[key] && selected) {
      const button = body.querySelector(`tr[data-ticket="${selected}"] button[data-action="${KEYS[key]}"]`);
      if (button) { ev.preventDefault(); button.click(); } else H.toast("该工单当前不能执行此操作", "error");
    }
  });
  /* 临期提醒: the unit's unread reminders of open tickets, newest first; 标记已读 records who read it. */
  const reminderList = document.getElementById("reminder-list");
  const reminderCount = document.getElementById("reminder-count");
  let reminders = [];
  function renderReminders() {
    reminderCount.textContent = reminders.length;
    reminderCount.className = "badge " + (reminders.some((r) => r.level === "red") ? "red" : reminders.length ? "yellow" : "");
    reminderList.innerHTML = reminders.length ? reminders.map((r) => `
      <li class="reminder ${r.level === "red" ? "red" : "yellow"}" data-reminder="${r.id}">
        <span class="badge ${r.level === "red" ? "red" : "yellow"}">${H.esc(r.level_name)}</span>
        ${H.numberLink(r.number)}
        <span class="what"><strong>${H.esc(r.title)}</strong> <span class="muted">· ${H.esc(r.state_name)}</span><br>
          <span class="due">${H.esc(r.stage_name)}期限：${H.esc(r.due_text)}${r.level === "red" ? "（已超期）" : ""}</span></span>
        <button type="button" class="small secondary" data-read="${r.id}">标记已读</button>
      </li>`).join("") : '<li class="empty">暂无未读提醒</li>';
  }
  async function loadReminders() {
    try {
      reminders = await H.api("GET", "/api/v1/reminders?unread=1&open=1");
      renderReminders();
    } catch (err) { H.toast(err.message, "error"); }
  }
  reminderList.addEventListener("click", async (ev) => {
    const b = ev.target.closest("button[data-read]");
    if (!b) return;
    b.disabled = true;
    try {
      const r = await H.api("POST", `/api/v1/reminders/${b.dataset.read}/read`);
      reminders = reminders.filter((x) => x.id !== r.id);
      renderReminders();
      H.toast(`${r.number}：提醒已标记为已读`);
    } catch (err) { H.toast(err.message, "error"); b.disabled = false; }
  });
  const remindersLater = H.debounce(loadReminders, 300);

  H.live(() => { refresh(); loadReminders(); }, {"ticket.warning": remindersLater}, null, (t) => { tickets = H.upsert(tickets, t, (x) => OPEN.has(x.state)); render(); });
  setInterval(render, 30000);  // keep the countdowns moving
})();

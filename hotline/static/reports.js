// 报表中心: fetch the reports API and draw tables and inline SVG bar charts (no external libraries).
(function () {
  "use strict";
  const root = document.getElementById("reports");
  if (!root) return;
  const form = document.getElementById("report-filter");
  const SVG = "http://www.w3.org/2000/svg";
  const RATE_COLUMNS = [
    ["dispatched", "派单"], ["accepted_on_time", "及时签收"], ["accept_on_time_rate", "及时签收率"],
    ["returns_approved", "退单"], ["return_rate", "退单率"], ["due", "应办结"], ["replied_on_time", "按时办结"],
    ["on_time_reply_rate", "按时办结率"], ["valid_callbacks", "有效回访"], ["contacted", "已联系"],
    ["response_rate", "响应率"], ["resolved", "已解决"], ["resolution_rate", "解决率"], ["satisfied", "满意"],
    ["satisfaction_rate", "满意率"], ["callbacks_agent", "话务员回访"], ["callbacks_portal", "门户评价"],
    ["callbacks_citizen_link", "短信链接评价"], ["closed", "办结"], ["reworked", "重办"], ["rework_rate", "重办率"],
    ["overdue", "超期件"],
  ];
  const BUCKET_NAMES = {"≤7": "7天以内", "7-15": "7至15天", "15-30": "15至30天", "30-90": "30至90天", ">90": "90天以上"};
  // JSON objects arrive with sorted keys, so the age order is fixed here.
  const BUCKET_ORDER = ["≤7", "7-15", "15-30", "30-90", ">90"];
  let categoryNames = {};
  fetch("/api/v1/categories", {credentials: "same-origin"})
    .then((r) => (r.ok ? r.json() : []))
    .then((rows) => { categoryNames = Object.fromEntries(rows.map((c) => [c.code, c.name])); })
    .catch(() => {});

  function params() {
    const data = new FormData(form);
    const query = new URLSearchParams();
    for (const [key, value] of data.entries()) if (value) query.set(key, value);
    return query;
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  async function getJson(path) {
    const response = await fetch(path, {credentials: "same-origin", headers: {Accept: "application/json"}});
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : "加载失败");
    return body;
  }

  function pct(value) { return value === null || value === undefined ? "—" : (value * 100).toFixed(1) + "%"; }

  function drillLink(measure, unitCode, value) {
    const query = params();
    query.delete("unit");
    query.set("measure", measure);
    if (unitCode) query.set("unit", unitCode);
    const a = el("a", {href: "/reports/tickets?" + query.toString()}, String(value));
    return a;
  }

  function renderRates(result) {
    const table = document.getElementById("rates-table");
    const head = el("tr");
    ["排名", "单位", ...RATE_COLUMNS.map((c) => c[1])].forEach((t) => head.appendChild(el("th", {}, t)));
    table.tHead.replaceChildren(head);
    const body = table.tBodies[0];
    body.replaceChildren();
    const rows = [...result.rows].sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9));
    for (const row of rows) {
      const tr = el("tr");
      tr.appendChild(el("td", row.rank === null ? {class: "norank", title: row.rank_reason} : {}, row.rank ?? "—"));
      tr.appendChild(el("td", {}, row.unit.name));
      for (const [key] of RATE_COLUMNS) {
        const td = el("td");
        if (key.endsWith("_rate")) td.textContent = pct(row[key]);
        else td.appendChild(row[key] ? drillLink(key, row.unit.code, row[key]) : document.createTextNode("0"));
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
    const total = el("tr");
    total.appendChild(el("td", {}, ""));
    total.appendChild(el("td", {}, "合计"));
    for (const [key] of RATE_COLUMNS) total.appendChild(el("td", {}, key.endsWith("_rate") ? pct(result.totals[key]) : result.totals[key]));
    body.appendChild(total);
  }

  function barChart(container, items) {
    const width = 640, rowHeight = 24, labelWidth = 170;
    const height = Math.max(items.length, 1) * rowHeight + 10;
    const max = Math.max(1, ...items.map((i) => i.value));
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("role", "img");
    items.forEach((item, index) => {
      const y = index * rowHeight + 5;
      const label = document.createElementNS(SVG, "text");
      label.setAttribute("x", labelWidth - 6); label.setAttribute("y", y + 15);
      label.setAttribute("text-anchor", "end"); label.setAttribute("font-size", "12");
      label.textContent = item.label;
      const bar = document.createElementNS(SVG, "rect");
      const barWidth = ((width - labelWidth - 60) * item.value) / max;
      bar.setAttribute("x", labelWidth); bar.setAttribute("y", y);
      bar.setAttribute("width", Math.max(barWidth, 1)); bar.setAttribute("height", rowHeight - 6);
      bar.setAttribute("fill", item.color || "#1f4e78");
      const value = document.createElementNS(SVG, "text");
      value.setAttribute("x", labelWidth + barWidth + 4); value.setAttribute("y", y + 15);
      value.setAttribute("font-size", "12");
      value.textContent = item.value;
      svg.append(label, bar, value);
    });
    container.replaceChildren(svg);
  }

  function renderBacklog(result) {
    const colors = ["#5b9bd5", "#70ad47", "#ffc000", "#ed7d31", "#c00000"];
    const items = BUCKET_ORDER.map((bucket, i) => ({label: BUCKET_NAMES[bucket], value: result.summary.by_bucket[bucket] || 0, color: colors[i]}));
    barChart(document.getElementById("backlog-chart"), items);
  }

  function renderHotspots(result) {
    barChart(document.getElementById("hot-categories"), result.top_categories.map((r) => ({label: categoryNames[r.category] || r.category || "未分类", value: r.count})));
    barChart(document.getElementById("hot-areas"), result.top_areas.map((r) => ({label: r.area, value: r.count})));
    const surges = document.getElementById("surges");
    surges.replaceChildren(...(result.surges.length ? result.surges.map((s) => el("li", {class: s.surge ? "surge" : ""}, s.explanation)) : [el("li", {}, "无")]));
    const clusters = document.getElementById("clusters");
    clusters.replaceChildren(...(result.clusters.length ? result.clusters.map((c) => el("li", {}, `【${c.label}】${c.size} 件：${c.members.join("、")}`)) : [el("li", {}, "无")]));
  }

  function setExports() {
    for (const link of document.querySelectorAll("[data-export]")) {
      const query = params();
      query.set("format", "xlsx");
      link.href = `/api/v1/reports/${link.dataset.export}?${query.toString()}`;
    }
  }

  async function load() {
    const error = document.getElementById("report-error");
    error.hidden = true;
    setExports();
    const query = params().toString();
    try {
      const [rates, backlog, hot] = await Promise.all([
        getJson(`/api/v1/reports/rates?${query}`),
        getJson(`/api/v1/reports/backlog?limit=1&${new URLSearchParams({unit: params().get("unit") || ""})}`),
        getJson(`/api/v1/reports/hotspots?${query}`),
      ]);
      renderRates(rates); renderBacklog(backlog); renderHotspots(hot);
    } catch (exc) {
      error.textContent = exc.message; error.hidden = false;
    }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); load(); });
  load();
})();

/* 智能填单: send the transcript to /api/v1/console/fill and fill the registration form where the agent has not
   typed. A field is filled only when it is empty or still holds what this script put there (data-filled);
   anything the agent typed stays. Each filled value shows the words of the transcript it came from. */
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  if (!$("fill-text")) return;
  const KIND_FIELDS = {kind: "f-kind", urgency: "f-urgency"};
  let lastText = "";

  /* Put ``value`` into ``el`` unless the agent typed there; returns whether it was filled. */
  function offer(el, value) {
    if (!el || value == null || value === "") return false;
    const current = el.value;
    if (current !== "" && current !== (el.dataset.filled ?? null)) return false;   // the agent's own text
    if (el.tagName === "SELECT" && !Array.from(el.options).some((o) => o.value === value)) return false;
    el.value = value;
    el.dataset.filled = value;
    el.classList.add("filled");
    el.dispatchEvent(new Event("input", {bubbles: true}));   // live suggestions follow the filled form
    return true;
  }

  function addressText(a) {
    return a && (a.text || [a.district, a.street, a.community].filter(Boolean).join(" ")) || "";
  }

  function marked(text, spans) {
    const sorted = spans.filter((s) => s && s.end > s.start).sort((a, b) => a.start - b.start);
    let out = "", at = 0;
    for (const s of sorted) {
      if (s.start < at) continue;
      out += H.esc(text.slice(at, s.start)) + `<mark title="${H.esc(s.label)}">${H.esc(text.slice(s.start, s.end))}</mark>`;
      at = s.end;
    }
    return out + H.esc(text.slice(at));
  }

  function render(text, r, filled) {
    const rows = [
      ["来电人", r.caller_name + (r.salutation && r.salutation !== r.caller_name ? `（${r.salutation}）` : ""), r.spans.caller_name, "caller"],
      ["电话", r.phones.map((p) => p.number).join("，"), r.phones[0] && r.phones[0].span, "phone"],
      ["地址", addressText(r.address) + (r.address.grid ? ` · 网格 ${r.address.grid}` : ""), r.spans.address, "address"],
      ["时间", r.times.map((t) => `${t.span.text} → ${t.value}${t.since ? "（自 " + t.since + "）" : ""}`).join("；"), r.times[0] && r.times[0].span, "times"],
      ["诉求对象/问题", [r.object, r.problem].filter(Boolean).join(" · "), r.spans.problem, "problem"],
      ["标题", r.title, null, "title"],
      ["摘要", r.summary, null, "summary"],
    ];
    $("fill-fields").innerHTML = rows.filter((row) => row[1]).map(([label, value, span, key]) =>
      `<div class="fill-row" data-field="${key}"><span class="label">${label}</span> <span class="value">${H.esc(value)}</span>
       ${span ? `<span class="muted source">原文“${H.esc(span.text)}”</span>` : ""}
       ${filled[key] === false ? '<span class="badge">保留话务员填写</span>' : ""}</div>`).join("");
    $("fill-fields").hidden = false;
    const spans = [];
    if (r.spans.caller_name) spans.push({...r.spans.caller_name, label: "来电人"});
    if (r.spans.address) spans.push({...r.spans.address, label: "地址"});
    if (r.spans.problem) spans.push({...r.spans.problem, label: "问题"});
    for (const p of r.phones) spans.push({...p.span, label: "电话"});
    for (const t of r.times) spans.push({...t.span, label: "时间"});
    $("fill-source").innerHTML = marked(text, spans);
    $("fill-source").hidden = false;
  }

  async function run() {
    const text = $("fill-text").value;
    if (!text.trim() || text === lastText) return;
    lastText = text;
    $("fill-status").textContent = "识别中…";
    try {
      const r = await H.api("POST", "/api/v1/console/fill", {text});
      const filled = {
        caller: offer($("f-caller"), r.caller_name),
        phone: offer($("f-phone"), r.phones.length ? r.phones[0].number : ""),
        address: offer($("f-address"), addressText(r.address)),
        title: offer($("f-title"), r.title),
        content: offer($("f-content"), text.trim()),
      };
      for (const [key, id] of Object.entries(KIND_FIELDS)) filled[key] = offer($(id), r[key]);
      render(text, r, filled);
      $("fill-status").textContent = "已识别，可逐项修改";
    } catch (err) {
      lastText = "";
      $("fill-status").textContent = err.message;
    }
  }

  $("fill-run").addEventListener("click", run);
  $("fill-text").addEventListener("paste", () => setTimeout(run, 0));
  $("fill-text").addEventListener("input", H.debounce(run, 800));
  // Clearing the form (清空) forgets what was filled, so the next transcript fills again.
  $("btn-clear") && $("btn-clear").addEventListener("click", () => {
    for (const el of document.querySelectorAll("#register-form .filled")) { delete el.dataset.filled; el.classList.remove("filled"); }
    $("fill-text").value = ""; lastText = "";
    $("fill-fields").hidden = true; $("fill-source").hidden = true;
  });
})();

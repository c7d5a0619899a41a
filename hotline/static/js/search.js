/* 工单查询: save and delete views; bulk 催办/督办 on the selected rows. */
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const save = $("save-view");
  if (save) save.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const name = save.elements.name.value.trim();
    if (!name) { H.toast("请填写视图名称", "error"); return; }
    try {
      await H.api("POST", "/api/v1/search/views", {name, params: JSON.parse(save.dataset.params)});
      H.toast(`已保存视图：${name}`);
      location.reload();
    } catch (err) { H.toast(err.message, "error"); }
  });
  document.addEventListener("click", async (ev) => {
    const del = ev.target.closest("[data-delete-view]");
    if (!del) return;
    try {
      await H.api("DELETE", `/api/v1/search/views/${del.dataset.deleteView}`);
      del.closest(".view").remove();
      H.toast("视图已删除");
    } catch (err) { H.toast(err.message, "error"); }
  });

  const picks = () => Array.from(document.querySelectorAll("input.pick:checked")).map((el) => el.value);
  const count = () => { if ($("bulk-count")) $("bulk-count").textContent = picks().length; };
  document.addEventListener("change", (ev) => {
    if (ev.target.id === "select-all") document.querySelectorAll("input.pick").forEach((el) => { el.checked = ev.target.checked; });
    if (ev.target.id === "select-all" || ev.target.classList.contains("pick")) count();
  });
  document.addEventListener("click", async (ev) => {
    const b = ev.target.closest("[data-bulk]");
    if (!b) return;
    const numbers = picks();
    if (!numbers.length) { H.toast("请先勾选工单", "error"); return; }
    const action = b.dataset.bulk, label = b.textContent.replace("批量", "");
    const note = window.prompt(`${label}意见（将记入 ${numbers.length} 件工单的办理记录）`, "");
    if (note === null) return;
    let ok = 0;
    const failed = [];
    for (const number of numbers) {
      try { await H.api("POST", `/api/v1/tickets/${number}/${action}`, note ? {note} : {}); ok++; }
      catch (err) { failed.push(`${number}：${err.message}`); }
    }
    H.toast(`已${label} ${ok} 件` + (failed.length ? `，${failed.length} 件未成功` : ""), failed.length ? "error" : "");
    if (failed.length) console.warn(failed.join("\n"));
    setTimeout(() => location.reload(), 800);
  });
})();

/* 市民服务门户: say in Chinese how many photos are chosen (the browser's own file field may speak English). */
"use strict";
(() => {
  const input = document.getElementById("portal-photos");
  const chosen = document.getElementById("portal-photos-chosen");
  if (!input || !chosen) return;
  input.addEventListener("change", () => {
    const n = input.files ? input.files.length : 0;
    chosen.textContent = n ? `已选择 ${n} 张照片` : "未选择照片";
  });
})();

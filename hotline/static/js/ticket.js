/* 工单详情: the actions this user may take now, through the shared action dialog; the page reloads after. */
"use strict";
(() => {
  const ticket = JSON.parse(document.getElementById("ticket-data").textContent);
  H.bindActions(document.getElementById("ticket-actions"), () => ticket, () => setTimeout(() => location.reload(), 400));
})();

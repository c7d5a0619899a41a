/* Filters that apply as soon as they change (instead of an inline onchange, which the CSP forbids). */
"use strict";
document.querySelectorAll("select[data-autosubmit]").forEach((el) => el.addEventListener("change", () => el.form.submit()));

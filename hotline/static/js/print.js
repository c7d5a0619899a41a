"use strict";
document.getElementById("print-now").addEventListener("click", () => window.print());

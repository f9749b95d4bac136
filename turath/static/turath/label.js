// The custody label's "Print" button (no inline script: the CSP forbids it).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print-label");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
});

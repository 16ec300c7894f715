// Keyboard-wedge scanners type the barcode and press Enter into whatever has
// focus. A scan box (input[data-scanbox]) keeps the focus: it takes it back
// whenever focus falls to the page itself, and after every htmx swap.
(function () {
  function scanbox() { return document.querySelector("input[data-scanbox]"); }
  function refocus() {
    var box = scanbox();
    if (!box) return;
    var active = document.activeElement;
    if (!active || active === document.body || active === document.documentElement) {
      box.focus();
      box.select();
    }
  }
  document.addEventListener("DOMContentLoaded", refocus);
  document.addEventListener("focusout", function () { setTimeout(refocus, 0); });
  document.addEventListener("htmx:afterSettle", refocus);
  // Upload progress for large files (form[data-progress]).
  document.addEventListener("htmx:xhr:progress", function (evt) {
    var form = evt.target.closest ? evt.target.closest("form[data-progress]") : null;
    if (!form || !evt.detail.lengthComputable) return;
    var bar = form.querySelector("progress");
    if (bar) { bar.hidden = false; bar.value = (evt.detail.loaded / evt.detail.total) * 100; }
  });
})();

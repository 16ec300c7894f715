/* The sample table of a lot's inspection: rows copied from a spreadsheet
   (tab-separated cells, one line per unit) and pasted into a cell fill the
   table from that cell rightwards and downwards; Enter goes down a column. The server reads and judges
   every cell; this only moves text into the inputs. */
(function () {
  "use strict";
  function onPaste(event) {
    var input = event.target;
    if (!input.matches || !input.matches("table.sample-table input")) return;
    var text = (event.clipboardData || window.clipboardData).getData("text");
    if (!text || (text.indexOf("\t") < 0 && text.indexOf("\n") < 0)) return;
    event.preventDefault();
    var lines = text.replace(/\r\n?/g, "\n").replace(/\n+$/, "").split("\n");
    var row = input.closest("tr");
    var rows = Array.prototype.slice.call(row.parentNode.children);
    var first = rows.indexOf(row);
    var column = Array.prototype.indexOf.call(
      row.querySelectorAll("input"), input);
    lines.forEach(function (line, i) {
      var target = rows[first + i];
      if (!target) return;
      var inputs = target.querySelectorAll("input");
      line.split("\t").forEach(function (cell, j) {
        var box = inputs[column + j];
        if (!box) return;
        box.value = cell.trim();
        box.dispatchEvent(new Event("input", { bubbles: true }));
      });
    });
    var last = rows[Math.min(first + lines.length, rows.length) - 1];
    if (last) last.scrollIntoView({ block: "nearest" });
  }
  // Enter (typed, or sent by a barcode scanner after a GS1 string) moves to
  // the same column of the next unit instead of sending the half-filled table.
  function onKey(event) {
    var input = event.target;
    if (event.key !== "Enter" || !input.matches ||
        !input.matches("table.sample-table input")) return;
    event.preventDefault();
    var row = input.closest("tr");
    var column = Array.prototype.indexOf.call(
      row.querySelectorAll("input"), input);
    var next = row.nextElementSibling;
    var box = next ? next.querySelectorAll("input")[column] : null;
    if (box) { box.focus(); box.select(); }
  }
  document.addEventListener("paste", onPaste);
  document.addEventListener("keydown", onKey);
})();

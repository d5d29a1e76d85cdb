// Progressive enhancement: click a column header of a table marked data-sortable to sort.
// The page is complete without this script; it only reorders rows already there.
(function () {
  "use strict";
  function cellKey(row, index, numeric) {
    var cell = row.cells[index];
    if (!numeric) return cell.textContent.trim().toLowerCase();
    var v = cell.getAttribute("data-value");
    return v === null ? null : parseFloat(v);
  }
  function sortTable(table, index, numeric, th) {
    var body = table.tBodies[0];
    var asc = th.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellKey(a, index, numeric), y = cellKey(b, index, numeric);
      if (x === y) return 0;
      if (x === null) return 1;  // missing values stay at the end
      if (y === null) return -1;
      return (x < y ? -1 : 1) * (asc ? 1 : -1);
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(th.parentNode.cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
  }
  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    Array.prototype.forEach.call(head.cells, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      var numeric = th.getAttribute("data-type") === "number";
      button.addEventListener("click", function () { sortTable(table, index, numeric, th); });
    });
  });
})();

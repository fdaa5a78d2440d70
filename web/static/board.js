// Status board refresh: fetch the board as JSON and patch only the cells
// that changed, so the page never reloads or flickers.
(function () {
  "use strict";
  var table = document.getElementById("board");
  if (!table) { return; }
  var every = (parseInt(table.getAttribute("data-refresh"), 10) || 15) * 1000;
  var lang = document.documentElement.lang || "id";

  function set(el, text, cls) {
    if (!el) { return; }
    if (el.textContent !== text) { el.textContent = text; }
    if (cls !== undefined && el.className !== cls) { el.className = cls; }
  }

  function patch(board) {
    (board.offices || []).forEach(function (o) {
      var row = table.querySelector('tr[data-office="' + o.code + '"]');
      if (!row) { return; }
      set(row.querySelector('[data-field="state"]'), o.state_label, "badge " + o.state);
      set(row.querySelector('[data-field="since"]'), o.since);
      set(row.querySelector('[data-field="age"]'), o.age);
    });
    (board.counts || []).forEach(function (c) {
      var el = document.querySelector('[data-count="' + c.state + '"] b');
      set(el, String(c.n));
    });
    set(document.getElementById("board-updated"), board.updated);
    table.setAttribute("data-refreshed", String(Date.now()));
  }

  function refresh() {
    return fetch("/api/v1/board?lang=" + encodeURIComponent(lang), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("board: " + r.status); } return r.json(); })
      .then(patch)
      .catch(function (e) { table.setAttribute("data-error", String(e)); });
  }
  function tick() { refresh().then(function () { window.setTimeout(tick, every); }); }
  window.setTimeout(tick, every);
  window.pantauBoardRefresh = refresh; // refresh now, without a second timer
})();

// Status board: filter by name or code, province and state as the viewer
// types, and refresh from /api/v1/board, patching only what changed. An
// office whose state changes moves to its place (problems first) in the
// grid and the list; the page never reloads.
(function () {
  "use strict";
  var page = document.getElementById("board-page");
  if (!page) { return; }
  var table = document.getElementById("board");
  var tbody = table.tBodies[0];
  var grid = document.getElementById("board-grid");
  var form = document.getElementById("board-filter");
  var q = document.getElementById("board-q");
  var prov = document.getElementById("board-prov");
  var state = document.getElementById("board-state");
  var every = (parseInt(page.getAttribute("data-refresh"), 10) || 10) * 1000;
  var lang = document.documentElement.lang || "id";
  var rank = { down: 0, maintenance: 1, unknown: 2, up: 3 };

  function set(el, text, cls) {
    if (!el) { return; }
    if (el.textContent !== text) { el.textContent = text; }
    if (cls !== undefined && el.className !== cls) { el.className = cls; }
  }

  // The same rule as boardFilter.matches and .lists in api/webui/board.go.
  function filter() {
    return { q: q.value.trim().toLowerCase(), prov: prov.value, state: state.value };
  }
  function matches(f, el) {
    var st = el.getAttribute("data-state");
    if (f.prov && el.getAttribute("data-prov") !== f.prov) { return false; }
    if (f.state && st !== f.state) { return false; }
    return !f.q || el.getAttribute("data-name").toLowerCase().indexOf(f.q) >= 0 ||
      el.getAttribute("data-office").indexOf(f.q) === 0;
  }
  function lists(f, el) {
    var st = el.getAttribute("data-state");
    if (!matches(f, el) || st === "unknown") { return false; }
    return st === "down" || st === "maintenance" || f.q !== "" || f.state !== "";
  }

  function apply() {
    var f = filter(), shown = 0, listed = 0;
    Array.prototype.forEach.call(grid.children, function (el) {
      var on = matches(f, el);
      if (el.hidden === on) { el.hidden = !on; }
      if (on) { shown++; }
    });
    Array.prototype.forEach.call(tbody.rows, function (tr) {
      var on = lists(f, tr);
      if (tr.hidden === on) { tr.hidden = !on; }
      if (on) { listed++; }
    });
    set(document.getElementById("board-shown"), String(shown));
    var empty = document.getElementById("board-empty");
    empty.hidden = listed > 0;
    set(empty, empty.getAttribute(f.q || f.prov || f.state ? "data-nomatch" : "data-none"));
  }

  // order puts a container's children back in board order (problems
  // first, then by code), moving only the nodes out of place.
  function order(parent) {
    var els = Array.prototype.slice.call(parent.children);
    var want = els.slice().sort(function (a, b) {
      var d = rank[a.getAttribute("data-state")] - rank[b.getAttribute("data-state")];
      if (d) { return d; }
      var x = a.getAttribute("data-office"), y = b.getAttribute("data-office");
      return x < y ? -1 : x > y ? 1 : 0;
    });
    for (var i = 0; i < want.length; i++) {
      if (parent.children[i] !== want[i]) { parent.insertBefore(want[i], parent.children[i]); }
    }
  }

  function patch(board) {
    var moved = false;
    (board.offices || []).forEach(function (o) {
      var cell = grid.querySelector('[data-office="' + o.code + '"]');
      var row = tbody.querySelector('tr[data-office="' + o.code + '"]');
      if (!cell || !row) { return; }
      if (cell.getAttribute("data-state") !== o.state) {
        moved = true;
        cell.setAttribute("data-state", o.state);
        row.setAttribute("data-state", o.state);
        cell.className = "cell " + o.state;
      }
      var label = o.name + " (" + o.code + "): " + o.state_label;
      if (cell.title !== label) { cell.title = label; cell.setAttribute("aria-label", label); }
      set(row.querySelector('[data-field="state"]'), o.state_label, "badge " + o.state);
      set(row.querySelector('[data-field="since"]'), o.since);
      set(row.querySelector('[data-field="age"]'), o.age);
    });
    var unknown = 0;
    (board.counts || []).forEach(function (c) {
      set(document.querySelector('[data-count="' + c.state + '"] b'), String(c.n));
      if (c.state === "unknown") { unknown = c.n; }
    });
    set(document.querySelector("[data-count-unknown]"), String(unknown));
    document.getElementById("board-unknown").hidden = unknown === 0;
    if (moved) { order(grid); order(tbody); }
    apply();
    set(document.getElementById("board-updated"), board.updated);
    page.setAttribute("data-refreshed", String(Date.now()));
  }

  function refresh() {
    return fetch("/api/v1/board?lang=" + encodeURIComponent(lang), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("board: " + r.status); } return r.json(); })
      .then(patch)
      .catch(function (e) { page.setAttribute("data-error", String(e)); });
  }
  function tick() { refresh().then(function () { window.setTimeout(tick, every); }); }

  // Filter as the viewer types; keep the filter in the address so a
  // reload or a shared link shows the same board.
  function changed() {
    apply();
    var f = filter(), p = new URLSearchParams();
    if (q.value.trim()) { p.set("q", q.value.trim()); }
    if (f.prov) { p.set("prov", f.prov); }
    if (f.state) { p.set("state", f.state); }
    var s = p.toString();
    window.history.replaceState(null, "", s ? "?" + s : window.location.pathname);
  }
  q.addEventListener("input", changed);
  prov.addEventListener("change", changed);
  state.addEventListener("change", changed);
  form.addEventListener("submit", function (e) { e.preventDefault(); changed(); });
  Array.prototype.forEach.call(document.querySelectorAll("[data-count]"), function (a) {
    a.addEventListener("click", function (e) {
      e.preventDefault();
      var s = a.getAttribute("data-count");
      state.value = state.value === s ? "" : s;
      changed();
    });
  });
  page.classList.add("js");

  window.setTimeout(tick, every);
  window.pantauBoardRefresh = refresh; // refresh now, without a second timer
})();

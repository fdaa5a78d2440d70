// Charts keep the width they were drawn at; a printed A4 page is narrower
// than most screens. Before printing, every ECharts chart is redrawn at the
// printable width (body data-print-width, CSS px), and after it at the
// screen's width again. pantau.css also scales any canvas into the page in
// print, so a print path that fires no event (a PDF made by a browser
// engine) still gets whole charts.
(function () {
  "use strict";
  function charts(fn) {
    if (!window.echarts) return;
    document.querySelectorAll(".chart [_echarts_instance_]").forEach(function (el) {
      var c = window.echarts.getInstanceByDom(el);
      if (!c) return;
      fn(c);
      // ECharts paints on the next animation frame, which a print may
      // never give it: paint now, or the page gets a cleared canvas.
      var zr = c.getZr && c.getZr();
      if (zr && zr.refreshImmediately) zr.refreshImmediately();
    });
  }
  function toPrint() {
    // Charts not scrolled to yet are drawn first (charts.js).
    if (window.pantauChartsDrawAll) { window.pantauChartsDrawAll(); }
    var w = parseInt(document.body.getAttribute("data-print-width") || "680", 10);
    charts(function (c) { c.resize({ width: w, animation: { duration: 0 } }); });
  }
  function toScreen() {
    charts(function (c) { c.resize({ width: "auto", animation: { duration: 0 } }); });
  }
  window.addEventListener("beforeprint", toPrint);
  window.addEventListener("afterprint", toScreen);
  if (window.matchMedia) {
    var mq = window.matchMedia("print");
    var on = function (e) { if (e.matches) { toPrint(); } else { toScreen(); } };
    if (mq.addEventListener) { mq.addEventListener("change", on); } else if (mq.addListener) { mq.addListener(on); }
  }
  // For the PDF printer and tests: the charts at the printable width once
  // charts.js has drawn them (it draws after the first paint).
  window.pantauPrintCharts = function () {
    return Promise.resolve(window.pantauChartsReady).then(toPrint);
  };
})();

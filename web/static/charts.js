// Draws the charts a page queued, after the page has painted. Each chart's
// setup (go-echarts' inline script, web/chart) is queued on
// window.pantauCharts instead of run where it stands: echarts.min.js is a
// megabyte of script, and a page that waited for it would show nothing for
// seconds on a phone. So the page paints first; then this file fetches the
// library (body data-echarts) and draws the charts one task each, so none
// holds the page for long. window.pantauChartsReady resolves once every
// chart is drawn (tests, the PDF printer and print.js wait on it).
(function () {
  "use strict";
  var queue = window.pantauCharts || [];
  var done;
  window.pantauChartsReady = new Promise(function (resolve) { done = resolve; });
  function draw(setup) {
    try { setup(); } catch (e) { if (window.console) { console.error("chart:", e); } }
  }
  function drawAll() {
    var i = 0;
    (function next() {
      if (i >= queue.length) {
        window.pantauCharts = { push: draw }; // a chart queued later is drawn at once
        done(true);
        return;
      }
      draw(queue[i++]);
      setTimeout(next, 0);
    })();
  }
  function start() {
    if (!queue.length) { done(false); return; }
    if (window.echarts) { drawAll(); return; }
    var s = document.createElement("script");
    s.src = document.body.getAttribute("data-echarts");
    s.onload = drawAll;
    s.onerror = function () { done(false); };
    document.head.appendChild(s);
  }
  // After the first frame is painted: a timer set from an animation frame
  // runs once that frame is on screen.
  function afterPaint() {
    if (window.requestAnimationFrame) {
      requestAnimationFrame(function () { setTimeout(start, 0); });
    } else {
      setTimeout(start, 0);
    }
  }
  if (document.readyState === "complete") {
    afterPaint();
  } else {
    window.addEventListener("load", afterPaint);
  }
})();

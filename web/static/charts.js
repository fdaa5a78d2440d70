// Draws the charts a page queued, after the page has painted and as each
// comes into view. Each chart's setup (go-echarts' inline script,
// web/chart) is queued on window.pantauCharts as {box, setup} instead of
// run where it stands: ECharts is 590 kB of script, and a page that waited
// for it would show nothing for seconds on a phone. So the page paints
// first; then this file fetches the library (body data-echarts) and draws
// the charts on screen, one task each, and the others when scrolled to.
//
// window.pantauChartsReady is a promise that every chart is drawn; reading
// it draws the charts not drawn yet (tests, the PDF printer and print.js
// read it). window.pantauChartsDrawAll() draws them at once when the
// library is there (a print that starts before any scrolling).
(function () {
  "use strict";
  var items = (window.pantauCharts || []).map(function (it) {
    return typeof it === "function" ? { box: null, setup: it } : it;
  });
  var left = items.length, loaded = false, wantAll = false, done;
  var ready = new Promise(function (resolve) { done = resolve; });
  function draw(it) {
    if (it.drawn) { return; }
    it.drawn = true;
    try { it.setup(); } catch (e) { if (window.console) { console.error("chart:", e); } }
    if (--left === 0) { done(true); }
  }
  function drawAll() {
    if (!loaded) { wantAll = true; return; }
    items.forEach(draw);
  }
  // One chart per task, so none holds the page for long.
  function drawSoon(list) {
    var i = 0;
    (function next() {
      if (i >= list.length) { return; }
      draw(list[i++]);
      setTimeout(next, 0);
    })();
  }
  function loadedNow() {
    loaded = true;
    window.pantauCharts = { push: function (it) { left++; items.push(it); draw(it); } };
    if (wantAll || !window.IntersectionObserver) { drawSoon(items); return; }
    var io = new IntersectionObserver(function (entries) {
      var show = [];
      entries.forEach(function (e) {
        if (!e.isIntersecting) { return; }
        io.unobserve(e.target);
        items.forEach(function (it) { if (it.box === e.target) { show.push(it); } });
      });
      drawSoon(show);
    }, { rootMargin: "200px" });
    items.forEach(function (it) {
      if (it.box) { io.observe(it.box); } else { drawSoon([it]); }
    });
  }
  function start() {
    if (!items.length) { done(false); return; }
    if (window.echarts) { loadedNow(); return; }
    var s = document.createElement("script");
    s.src = document.body.getAttribute("data-echarts");
    s.onload = loadedNow;
    s.onerror = function () { done(false); };
    document.head.appendChild(s);
  }
  Object.defineProperty(window, "pantauChartsReady", {
    configurable: true,
    get: function () { drawAll(); return ready; }
  });
  window.pantauChartsDrawAll = drawAll;
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

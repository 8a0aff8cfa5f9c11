/* Page behaviours without inline scripts (the Content-Security-Policy forbids them): every
   behaviour is driven by data attributes and handled here by event delegation on `document`, so
   it also works for content that HTMX swaps in later.

   - <form data-confirm="…">: ask before submitting; cancelling submits nothing.
   - <button data-print>: print the page.
   - <select data-autosubmit>: submit its form when the choice changes.
   - <select data-form-action>: the chosen option's value becomes the form's action.
   - <a data-remove-closest="selector">: remove the closest matching ancestor instead of following
     the link (the link stays the fallback without JavaScript).
   - <span data-countdown="ISO time" data-countdown-left="…" data-countdown-over="…">: refreshed
     every 30 s with the time left (or overdue) as h:mm.
   - <div data-echart="name" data-echart-data="json_script id" data-echart-script="url"
     data-echart-lib="url">: a chart drawn by the static module at data-echart-script, which
     registers itself with `sibao.registerChart(name, draw)`; both scripts are loaded on demand,
     once, so charts also work inside HTMX fragments. */
(function () {
  "use strict";
  var sibao = window.sibao = window.sibao || {};
  var drawers = sibao.chartDrawers = sibao.chartDrawers || {};
  var loading = {};

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) { return; }
    if (!window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) { return; }
    if (target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
      return;
    }
    var remover = target.closest("[data-remove-closest]");
    if (remover) {
      var doomed = remover.closest(remover.getAttribute("data-remove-closest"));
      if (doomed) {
        event.preventDefault();
        doomed.remove();
      }
    }
  });

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!(field instanceof HTMLSelectElement) || !field.form) { return; }
    if (field.hasAttribute("data-form-action")) { field.form.action = field.value; }
    if (field.hasAttribute("data-autosubmit")) { field.form.submit(); }
  });

  function tickCountdowns() {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var left = Math.round((new Date(el.dataset.countdown) - new Date()) / 60000);
      var m = Math.abs(left);
      var text = Math.floor(m / 60) + ":" + String(m % 60).padStart(2, "0");
      var label = left >= 0 ? el.dataset.countdownLeft : el.dataset.countdownOver;
      if (label === undefined) { return; }
      el.textContent = label + " " + text;
      el.classList.toggle("text-red", left < 0);
      el.classList.toggle("text-blue", left >= 0);
    });
  }
  setInterval(tickCountdowns, 30000);

  /* charts */
  function loadScript(src) {
    if (!loading[src]) {
      loading[src] = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.addEventListener("load", resolve);
        script.addEventListener("error", reject);
        document.head.appendChild(script);
      });
    }
    return loading[src];
  }

  function drawChart(el) {
    if (el.dataset.echartReady) { return; }
    el.dataset.echartReady = "pending";
    var name = el.dataset.echart;
    var steps = Promise.resolve();
    if (el.dataset.echartLib && typeof window.echarts === "undefined") {
      var lib = el.dataset.echartLib;
      steps = steps.then(function () { return loadScript(lib); });
    }
    if (!drawers[name] && el.dataset.echartScript) {
      var module = el.dataset.echartScript;
      steps = steps.then(function () { return loadScript(module); });
    }
    steps.then(function () {
      var source = document.getElementById(el.dataset.echartData);
      if (!drawers[name] || !source || !el.isConnected) { return; }
      drawers[name](el, JSON.parse(source.textContent));
      el.dataset.echartReady = "1";
    });
  }

  function drawCharts(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("[data-echart]")) { drawChart(scope); }
    scope.querySelectorAll("[data-echart]").forEach(drawChart);
  }

  sibao.registerChart = function (name, draw) {
    drawers[name] = draw;
  };
  /* an ECharts instance that follows the window's size */
  sibao.echart = function (el) {
    var chart = window.echarts.init(el);
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  } else {
    drawCharts(document);
  }
  document.addEventListener("htmx:load", function (event) { drawCharts(event.target); });
})();

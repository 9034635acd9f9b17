/* The visits pages: an outcome form refused (422) or already logged (409) comes back with its
   errors and replaces itself in place, where htmx by default swaps only 2xx answers; and the
   KPI page's charts, drawn with the vendored ECharts from the JSON in #visits-charts' data-charts
   (the same figures are in the tables beside them). */
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function locale() {
    return (document.documentElement.lang || "en").toLowerCase().indexOf("zh") === 0 ? "ZH" : "EN";
  }

  function percent(value) { return Math.round(value * 100) + "%"; }

  function trend(data) {  // completion and on-time rate as lines, the visits planned as bars, by month
    return {
      color: ["#b0bec5", "#0f7b6c", "#e0a526"],
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 48, right: 56, top: 16, bottom: 56 },
      xAxis: { type: "category", data: data.months },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 1, axisLabel: { formatter: percent } }],
      series: [
        { name: data.plannedName, type: "bar", data: data.planned },
        { name: data.completionName, type: "line", yAxisIndex: 1, data: data.completion },
        { name: data.onTimeName, type: "line", yAxisIndex: 1, data: data.onTime }
      ]
    };
  }

  function tiers(data) {  // planned and done side by side, per tier
    return {
      color: ["#b0bec5", "#0f7b6c"],
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 48, right: 16, top: 16, bottom: 56 },
      xAxis: { type: "category", data: data.tiers },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: data.plannedName, type: "bar", data: data.planned },
        { name: data.doneName, type: "bar", data: data.done }
      ]
    };
  }

  var BUILDERS = { trend: trend, tiers: tiers };

  function draw(root) {
    var figures = document.getElementById("visits-charts");
    if (!figures || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(figures.dataset.charts);
    root.querySelectorAll("[data-chart]").forEach(function (element) {
      var build = BUILDERS[element.dataset.chart];
      if (!build || !data[element.dataset.chart] || echarts.getInstanceByDom(element)) {
        return;
      }
      echarts.init(element, null, { renderer: "svg", locale: locale() }).setOption(build(data[element.dataset.chart]));
    });
  }

  htmx.onLoad(function (element) {
    if (element.querySelectorAll) {
      draw(element);
    }
  });
  window.addEventListener("resize", function () {
    if (typeof echarts === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var chart = echarts.getInstanceByDom(element);
      if (chart) { chart.resize(); }
    });
  });
})();

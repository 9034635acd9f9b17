/* The churn pages' charts: drawn with the vendored ECharts from the JSON in #churn-charts'
   data-charts (the backtest's rankings, the win-back figures by month). The same figures are in
   the table beside each chart. */
(function () {
  "use strict";

  var PALETTE = ["#0f7b6c", "#b0bec5", "#3a9ad9", "#e0a526"];

  function locale() {
    return (document.documentElement.lang || "en").toLowerCase().indexOf("zh") === 0 ? "ZH" : "EN";
  }

  function percent(value) { return Math.round(value * 100) + "%"; }

  function backtest(data) {  // grouped bars: per measure (AUC, top 10%, top 20%), one bar per method
    return {
      color: PALETTE,
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v.toFixed(2); } },
      legend: { bottom: 0 },
      grid: { left: 48, right: 16, top: 16, bottom: 56 },
      xAxis: { type: "category", data: data.measures },
      yAxis: { type: "value", min: 0, max: 1 },
      series: data.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; })
    };
  }

  function kpis(data) {  // revenue won back as bars, churn and win-back rates as lines, by month
    return {
      color: ["#0f7b6c", "#b3261e", "#e0a526"],
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 72, right: 56, top: 16, bottom: 56 },
      xAxis: { type: "category", data: data.months },
      yAxis: [{ type: "value" }, { type: "value", min: 0, max: 1, axisLabel: { formatter: percent } }],
      series: [
        { name: data.revenueName, type: "bar", data: data.revenue },
        { name: data.churnName, type: "line", yAxisIndex: 1, data: data.churnRate },
        { name: data.winBackName, type: "line", yAxisIndex: 1, data: data.winBackRate }
      ]
    };
  }

  var BUILDERS = { backtest: backtest, kpis: kpis };

  function draw(root) {
    var figures = document.getElementById("churn-charts");
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
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var chart = echarts.getInstanceByDom(element);
      if (chart) { chart.resize(); }
    });
  });
})();

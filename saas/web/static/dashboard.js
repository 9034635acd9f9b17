/* The dashboard's charts: drawn with the vendored ECharts from the JSON in #dashboard's
   data-charts, again whenever the period picker swaps the figures in. The same figures are in
   the page's cards and tables. */
(function () {
  "use strict";

  var PALETTE = ["#0f7b6c", "#3a9ad9", "#e0a526", "#8e6cc0", "#b0bec5"];
  var drawn = [];

  function locale() {
    return (document.documentElement.lang || "en").toLowerCase().indexOf("zh") === 0 ? "ZH" : "EN";
  }

  function tierTrend(data) {
    return {
      color: PALETTE,
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 48, right: 16, top: 16, bottom: 56 },
      xAxis: { type: "category", boundaryGap: false, data: data.at },
      yAxis: { type: "value", minInterval: 1 },
      series: data.series.map(function (s) {
        return { name: s.name, type: "line", stack: "tiers", areaStyle: {}, symbol: "none", data: s.data };
      })
    };
  }

  function pie(items) {
    return {
      color: PALETTE,
      tooltip: { trigger: "item" },
      legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["38%", "62%"], center: ["50%", "44%"],
                 data: items.filter(function (item) { return item.value > 0; }),
                 label: { formatter: "{c}" } }]
    };
  }

  function revenue(data) {
    return {
      color: ["#0f7b6c", "#e0a526"],
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 72, right: 48, top: 16, bottom: 56 },
      xAxis: { type: "category", data: data.tiers },
      yAxis: [{ type: "value", name: "" }, { type: "value", axisLabel: { formatter: "{value}%" }, max: 100 }],
      series: [
        { name: data.revenueName, type: "bar", data: data.revenue },
        { name: data.repurchaseName, type: "line", yAxisIndex: 1, data: data.repurchase }
      ]
    };
  }

  var BUILDERS = { tierTrend: tierTrend, tierMix: pie, stageMix: pie, revenue: revenue };

  function draw(root) {
    var figures = document.getElementById("dashboard");
    if (!figures || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(figures.dataset.charts);
    drawn = drawn.filter(function (chart) {  // the charts of figures the period picker replaced
      if (!document.body.contains(chart.getDom())) {
        chart.dispose();
        return false;
      }
      return true;
    });
    root.querySelectorAll("[data-chart]").forEach(function (element) {
      var build = BUILDERS[element.dataset.chart];
      if (!build || echarts.getInstanceByDom(element)) {
        return;
      }
      var chart = echarts.init(element, null, { renderer: "svg", locale: locale() });
      chart.setOption(build(data[element.dataset.chart]));
      drawn.push(chart);
    });
  }

  // htmx calls this for the page once it is ready and for each piece it swaps in (the period picker's).
  htmx.onLoad(function (element) {
    if (element.querySelectorAll) {
      draw(element);
    }
  });
  window.addEventListener("resize", function () {
    drawn.forEach(function (chart) { chart.resize(); });
  });
})();

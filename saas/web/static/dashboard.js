/* The dashboard's charts: drawn with the vendored ECharts from the JSON block the page carries
   (<script type="application/json" id="dashboard-charts">), again whenever the period picker
   swaps the figures in. The same figures are in the page's cards and tables. */
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
      series: [{ type: "pie", radius: ["40%", "68%"], center: ["50%", "44%"], data: items,
                 label: { formatter: "{b}: {c}" } }]
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
    var block = root.querySelector ? root.querySelector("#dashboard-charts") : null;
    if (!block || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(block.textContent);
    drawn = drawn.filter(function (chart) {
      if (!document.body.contains(chart.getDom())) {
        chart.dispose();
        return false;
      }
      return true;
    });
    root.querySelectorAll("[data-chart]").forEach(function (element) {
      var build = BUILDERS[element.dataset.chart];
      if (!build) {
        return;
      }
      var chart = echarts.init(element, null, { renderer: "svg", locale: locale() });
      chart.setOption(build(data[element.dataset.chart]));
      drawn.push(chart);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw(document);
    document.body.addEventListener("htmx:afterSwap", function (event) {
      var swapped = document.getElementById("dashboard");
      if (swapped) {
        draw(swapped.parentNode);
      }
    });
    window.addEventListener("resize", function () {
      drawn.forEach(function (chart) { chart.resize(); });
    });
  });
})();

/* The results page's chart: NPS and CSAT by month, drawn with the vendored ECharts from the JSON
   in #surveys-charts' data-charts. The same figures are in the table below the chart. */
(function () {
  "use strict";

  function draw() {
    var figures = document.getElementById("surveys-charts");
    if (!figures || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(figures.dataset.charts);
    var element = figures.querySelector("[data-chart=months]");
    if (!element || echarts.getInstanceByDom(element)) {
      return;
    }
    var zh = (document.documentElement.lang || "en").toLowerCase().indexOf("zh") === 0;
    echarts.init(element, null, { renderer: "svg", locale: zh ? "ZH" : "EN" }).setOption({
      animation: false,
      color: ["#0f7b6c", "#3a9ad9"],
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 48, right: 16, top: 16, bottom: 56 },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", min: -100, max: 100 },
      series: [
        { name: figures.dataset.npsName, type: "line", data: data.nps, connectNulls: true, symbolSize: 8 },
        { name: figures.dataset.csatName + " (%)", type: "line", data: data.csat, connectNulls: true, symbolSize: 8 }
      ]
    });
    window.addEventListener("resize", function () { echarts.getInstanceByDom(element).resize(); });
  }

  document.addEventListener("DOMContentLoaded", draw);
})();

/* Customer-voice page: the NPS trend with its interval band and the factor bars, drawn from
   the page's own JSON (the same numbers as ?format=json). */
(function () {
  "use strict";
  function draw() {
    var data = JSON.parse(document.getElementById("voice-data").textContent);
    var trendEl = document.getElementById("chart-nps");
    if (trendEl) {
      var rows = data.trend.rows.filter(function (r) { return r.nps !== null; });
      var key = data.trend.grain;
      var low = rows.map(function (r) { return r.nps_ci_low; });
      var band = rows.map(function (r) { return r.nps_ci_high - r.nps_ci_low; });
      echarts.init(trendEl).setOption({
        tooltip: { trigger: "axis" },
        grid: { left: 48, right: 16, top: 16, bottom: 32 },
        xAxis: { type: "category", data: rows.map(function (r) { return r[key]; }) },
        yAxis: { type: "value", min: -100, max: 100 },
        series: [
          { type: "line", data: low, stack: "ci", lineStyle: { opacity: 0 }, symbol: "none", tooltip: { show: false } },
          { type: "line", data: band, stack: "ci", lineStyle: { opacity: 0 }, symbol: "none", areaStyle: { color: "rgba(59,111,214,0.18)" }, tooltip: { show: false } },
          { type: "line", name: "NPS", data: rows.map(function (r) { return r.nps; }), color: "#3b6fd6" }
        ]
      });
    }
    var factorEl = document.getElementById("chart-factors");
    if (factorEl) {
      var f = data.factors;
      echarts.init(factorEl).setOption({
        tooltip: {},
        grid: { left: 260, right: 24, top: 8, bottom: 24 },
        xAxis: { type: "value", min: 0, max: 1 },
        yAxis: { type: "category", data: f.map(function (r) { return r.question; }) },
        series: [{ type: "bar", data: f.map(function (r) { return r.csat; }), color: "#2e9e5b" }]
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();

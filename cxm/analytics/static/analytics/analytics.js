/* CXM analytics pages: draw the charts from the page's own JSON (the same numbers as the
   page's `?format=json` twin). No network access except this site's own static files. */
(function () {
  "use strict";

  var lang = document.documentElement.lang || "ru";
  var moneyFormat = new Intl.NumberFormat(lang, { style: "currency", currency: "RUB", currencyDisplay: "narrowSymbol", maximumFractionDigits: 0 });
  var numberFormat = new Intl.NumberFormat(lang, { maximumFractionDigits: 3 });
  function money(v) { return v == null ? "—" : moneyFormat.format(v); }
  function number(v) { return v == null ? "—" : numberFormat.format(v); }

  function readData() {
    var node = document.getElementById("analytics-data");
    return node ? JSON.parse(node.textContent) : null;
  }

  function init(el) {
    var c = echarts.init(el, null, { renderer: "canvas" });
    window.addEventListener("resize", function () { c.resize(); });
    return c;
  }

  function scatters(data) {
    var report = data.report;
    document.querySelectorAll("[data-scatter]").forEach(function (el) {
      var row = report.rows[Number(el.dataset.scatter)];
      var points = report.points.filter(function (p) { return p[row.x] != null && p[row.y] != null; });
      var xs = points.map(function (p) { return p[row.x]; });
      var series = [{ type: "scatter", symbolSize: 7, data: points.map(function (p) { return [p[row.x], p[row.y]]; }) }];
      if (row.slope != null && xs.length) {
        var lo = Math.min.apply(null, xs), hi = Math.max.apply(null, xs);
        series.push({ type: "line", showSymbol: false, lineStyle: { color: "#c0392b" },
                      data: [[lo, row.intercept + row.slope * lo], [hi, row.intercept + row.slope * hi]] });
      }
      init(el).setOption({
        title: { text: row.verdict, left: "center", textStyle: { fontSize: 13, fontWeight: "normal" } },
        grid: { left: 70, right: 20, top: 40, bottom: 40 },
        tooltip: { trigger: "item", formatter: function (p) { return number(p.value[0]) + "; " + number(p.value[1]); } },
        xAxis: { type: "value", name: row.x, nameLocation: "middle", nameGap: 25, scale: true },
        yAxis: { type: "value", name: row.y, scale: true },
        series: series
      });
    });
  }

  function waterfall(data) {
    var el = document.getElementById("chart-waterfall");
    var total = data.total;
    if (!el || !total) return;
    var steps = total.upt_effect == null
      ? ["traffic_effect", "conversion_effect", "ticket_effect"]
      : data.steps;
    var names = JSON.parse(document.getElementById("effect-labels").textContent);
    var labels = [names.base_revenue].concat(steps.map(function (s) { return names[s]; }), [names.revenue]);
    var signed = [total.base_revenue].concat(steps.map(function (s) { return total[s]; }), [total.revenue]);
    var hidden = [], shown = [], colours = [], levels = [], level = 0;
    signed.forEach(function (v, i) {
      if (i === 0 || i === signed.length - 1) { hidden.push(0); shown.push(v); colours.push("#5470c6"); level = v; }
      else {
        hidden.push(v >= 0 ? level : level + v); shown.push(Math.abs(v));
        colours.push(v >= 0 ? "#2e8b57" : "#c0392b"); level += v;
      }
      levels.push(level);
    });
    // The axis starts near the lowest level, or the effects would be slivers on tall bars.
    var low = Math.min.apply(null, levels), high = Math.max.apply(null, levels);
    var floor = low > 0 ? Math.max(0, low - 2 * (high - low)) : undefined;
    init(el).setOption({
      grid: { left: 90, right: 20, top: 30, bottom: 40 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
                 formatter: function (p) { return p[0].name + ": " + money(signed[p[0].dataIndex]); } },
      xAxis: { type: "category", data: labels },
      yAxis: { type: "value", min: floor, axisLabel: { formatter: function (v) { return money(v); } } },
      series: [
        { type: "bar", stack: "w", silent: true, itemStyle: { color: "transparent" }, data: hidden },
        { type: "bar", stack: "w", data: shown.map(function (v, i) { return { value: v, itemStyle: { color: colours[i] } }; }),
          label: { show: true, position: "top", formatter: function (p) { return money(signed[p.dataIndex]); } } }
      ]
    });
  }

  function kpiMap(data) {
    var el = document.getElementById("chart-map");
    if (!el) return;
    var placed = data.stores.filter(function (s) { return s.lat != null && s.lon != null; });
    var values = placed.map(function (s) { return s.value; }).filter(function (v) { return v != null; });
    var lo = values.length ? Math.min.apply(null, values) : 0;
    var hi = values.length ? Math.max.apply(null, values) : 1;
    var span = hi - lo || 1;
    fetch(el.dataset.outline, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (outline) {
      echarts.registerMap("russia", outline);
      var c = init(el);
      c.setOption({
        tooltip: { trigger: "item", formatter: function (p) {
          return p.data ? p.data.name + " (" + p.data.code + "): " + number(p.data.value[2]) : p.name; } },
        // No animation: a store is where it is drawn the moment the map is shown.
        animation: false,
        geo: { map: "russia", roam: true, top: 10, bottom: 10,
               itemStyle: { areaColor: "#eef2f7", borderColor: "#9aa8b8" }, emphasis: { disabled: true } },
        visualMap: { type: "continuous", min: lo, max: hi, dimension: 2, calculable: false,
                     inRange: { color: ["#c0392b", "#f1c40f", "#2e8b57"] }, left: 10, bottom: 10,
                     formatter: function (v) { return number(v); } },
        series: [{
          type: "scatter", coordinateSystem: "geo", cursor: "pointer",
          symbolSize: function (v) { return v[2] == null ? 8 : 10 + 22 * (v[2] - lo) / span; },
          data: placed.map(function (s) {
            return { name: s.name, code: s.code, link: s.link, value: [s.lon, s.lat, s.value] };
          })
        }]
      });
      c.on("click", function (p) { if (p.data && p.data.link) window.location.href = p.data.link; });
      el.dataset.ready = "true";
    });
  }

  function matrix(data) {
    var el = document.getElementById("chart-matrix");
    if (!el) return;
    var rows = data.report.rows;
    var mean = function (key) { return rows.reduce(function (s, r) { return s + r[key]; }, 0) / rows.length; };
    init(el).setOption({
      grid: { left: 60, right: 30, top: 20, bottom: 50 },
      tooltip: { formatter: function (p) { return p.data.name; } },
      xAxis: { type: "value", min: 0, max: 1, name: "performance", nameLocation: "middle", nameGap: 30 },
      yAxis: { type: "value", min: 0, name: "importance" },
      series: [{
        type: "scatter", symbolSize: 14,
        label: { show: true, position: "right", formatter: function (p) { return p.data.name; } },
        data: rows.map(function (r) { return { name: r.driver, value: [r.performance, r.weight] }; }),
        markLine: { silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#888" },
                    data: [{ xAxis: mean("performance") }, { yAxis: mean("weight") }] }
      }]
    });
  }

  function scree(data) {
    var el = document.getElementById("chart-scree");
    var report = data.report;
    if (!el || !report.eigenvalues.length) return;
    var order = report.eigenvalues.map(function (_, i) { return "F" + (i + 1); });
    init(el).setOption({
      grid: { left: 50, right: 20, top: 30, bottom: 40 },
      legend: { top: 0 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: order },
      yAxis: { type: "value", min: 0 },
      series: [
        { name: el.dataset.eigenvalues, type: "line", data: report.eigenvalues },
        { name: el.dataset.random, type: "line", lineStyle: { type: "dashed" }, data: report.parallel_threshold },
        { name: "1", type: "line", showSymbol: false, lineStyle: { type: "dotted", color: "#888" },
          data: order.map(function () { return 1; }) }
      ]
    });
  }

  function start() {
    var data = readData();
    if (!data || !window.echarts) return;
    if (data.page === "correlations") scatters(data);
    if (data.page === "revenue") waterfall(data);
    if (data.page === "map") kpiMap(data);
    if (data.page === "drivers") matrix(data);
    if (data.page === "factors") scree(data);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

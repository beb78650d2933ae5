/* CXM dashboard: draws the charts from the page's own JSON (the same numbers as the JSON
   twin) and keeps the filter bar's region → store → seller choices consistent. */
(function () {
  "use strict";

  function readJson(root, id) {
    var node = root.querySelector("#" + id) || document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function formatters() {
    var lang = document.documentElement.lang || "ru";
    var money = new Intl.NumberFormat(lang, { style: "currency", currency: "RUB", currencyDisplay: "narrowSymbol", maximumFractionDigits: 0 });
    var percent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 });
    return { money: function (v) { return v == null ? "—" : money.format(v); },
             percent: function (v) { return v == null ? "—" : percent.format(v); } };
  }

  function chart(root, id) {
    var el = root.querySelector("#" + id);
    if (!el) return null;
    var old = echarts.getInstanceByDom(el);
    if (old) old.dispose();
    charts[id] = echarts.init(el, null, { renderer: "canvas" });
    return charts[id];
  }

  var charts = {};
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (id) { if (!charts[id].isDisposed()) charts[id].resize(); });
  });

  function empty(text) {
    return { title: { text: text, left: "center", top: "middle",
                      textStyle: { color: "#888", fontSize: 14, fontWeight: "normal" } } };
  }

  function waterfall(root, data, labels, fmt) {
    var c = chart(root, "chart-waterfall");
    if (!c) return;
    var d = data.decomposition.total;
    if (!d) { c.setOption(empty(labels.no_split)); return; }
    var steps = [d.traffic_effect, d.conversion_effect, d.ticket_effect];
    var level = d.base_revenue, hidden = [0], shown = [d.base_revenue], colors = ["#7c8da6"];
    var running = [level];
    steps.forEach(function (step) {
      hidden.push(Math.min(level, level + step));
      shown.push(Math.abs(step));
      colors.push(step >= 0 ? "#2e9e5b" : "#d64545");
      level += step;
      running.push(level);
    });
    hidden.push(0); shown.push(d.revenue); colors.push("#3b6fd6");
    var signed = [d.base_revenue].concat(steps, [d.revenue]);
    // A bridge chart starts below its lowest level, so that the effects can be seen.
    var low = Math.min.apply(null, running), high = Math.max.apply(null, running);
    var floor = low > 0 ? Math.max(0, low - Math.max((high - low) * 1.5, low * 0.05)) : undefined;
    if (floor > 0) {
      var step = Math.pow(10, Math.floor(Math.log10(floor)) - 1);
      floor = Math.floor(floor / step) * step;
    }
    c.setOption({
      grid: { left: 8, right: 8, top: 24, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
                 formatter: function (p) { var i = p[0].dataIndex; return p[0].name + ": " + fmt.money(signed[i]); } },
      xAxis: { type: "category", data: [labels.base, labels.traffic, labels.conversion, labels.ticket, labels.current] },
      yAxis: { type: "value", min: floor, axisLabel: { formatter: fmt.money, showMinLabel: floor === undefined } },
      series: [
        { type: "bar", stack: "w", data: hidden, itemStyle: { color: "transparent" }, silent: true },
        { type: "bar", stack: "w", data: shown.map(function (v, i) { return { value: v, itemStyle: { color: colors[i] } }; }),
          label: { show: true, position: "top", formatter: function (p) { return fmt.money(signed[p.dataIndex]); } } }
      ]
    });
  }

  function trend(root, data, labels, fmt) {
    var c = chart(root, "chart-trend");
    if (!c) return;
    var rows = data.trend.rows, key = data.trend.grain;
    if (!rows.length) { c.setOption(empty(labels.no_data)); return; }
    c.setOption({
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: rows.map(function (r) { return r[key]; }) },
      yAxis: [{ type: "value", axisLabel: { formatter: fmt.money } },
              { type: "value", axisLabel: { formatter: fmt.percent }, splitLine: { show: false } }],
      series: [
        { name: labels.revenue, type: "bar", data: rows.map(function (r) { return r.revenue; }),
          itemStyle: { color: "#3b6fd6" }, tooltip: { valueFormatter: fmt.money } },
        { name: labels.conversion, type: "line", yAxisIndex: 1, connectNulls: false,
          data: rows.map(function (r) { return r.conversion; }),
          itemStyle: { color: "#e08a1e" }, tooltip: { valueFormatter: fmt.percent } }
      ]
    });
  }

  function heatmap(root, data, labels, fmt) {
    var c = chart(root, "chart-heatmap");
    if (!c || !data.heatmap) return;
    var cells = data.heatmap.rows.filter(function (r) { return r.conversion != null; });
    if (!cells.length) { c.setOption(empty(labels.no_data)); return; }
    var hours = cells.map(function (r) { return r.hour; });
    var first = Math.min.apply(null, hours), last = Math.max.apply(null, hours), axis = [];
    for (var h = first; h <= last; h++) axis.push(String(h).padStart(2, "0") + ":00");
    var values = cells.map(function (r) { return r.conversion; });
    c.setOption({
      grid: { left: 8, right: 8, top: 8, bottom: 72, containLabel: true },
      tooltip: { formatter: function (p) {
        var r = cells[p.dataIndex];
        return labels.weekdays[r.weekday] + " " + axis[r.hour - first] + ": " + fmt.percent(r.conversion)
          + " (" + r.receipts + " / " + r.traffic + ")"; } },
      xAxis: { type: "category", data: axis, splitArea: { show: true } },
      yAxis: { type: "category", data: labels.weekdays, inverse: true, splitArea: { show: true } },
      visualMap: { min: Math.min.apply(null, values), max: Math.max.apply(null, values), calculable: true,
                   orient: "horizontal", left: "center", bottom: 0, formatter: fmt.percent,
                   inRange: { color: ["#fde9d9", "#f4a259", "#2e9e5b"] } },
      series: [{ type: "heatmap", data: cells.map(function (r) { return [r.hour - first, r.weekday, r.conversion]; }) }]
    });
  }

  function draw(root) {
    var data = readJson(root, "dashboard-data");
    var labels = readJson(root, "chart-labels");
    if (!data || !labels || !window.echarts) return;
    var fmt = formatters();
    waterfall(root, data, labels, fmt);
    trend(root, data, labels, fmt);
    heatmap(root, data, labels, fmt);
  }

  // Filter bar: a choice empties the choices below it; a preset empties the dates.
  document.addEventListener("change", function (event) {
    var field = event.target;
    var form = field.closest("form.filters");
    if (!form) return;
    if (field.matches("[data-date]")) { form.elements.period.value = ""; return; }
    if (field.matches("[data-period]")) {
      if (!field.value) return;
      form.elements.from.value = ""; form.elements.to.value = "";
    }
    (field.dataset.clears || "").split(" ").filter(Boolean).forEach(function (name) {
      form.elements[name].value = "";
    });
    if (field.matches("[data-period], [data-clears], [data-submit]")) form.requestSubmit();
  });

  // Empty fields stay out of the address, so shared links are short.
  document.addEventListener("formdata", function (event) {
    if (!event.target.matches("form.filters")) return;
    Array.from(event.formData.keys()).forEach(function (name) {
      if (!event.formData.get(name)) event.formData.delete(name);
    });
  });

  function start() {
    if (window.htmx) htmx.onLoad(function (root) { if (root.querySelector) draw(root); });
    else draw(document);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

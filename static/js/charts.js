/* Charts on the web pages, drawn with ECharts (static/vendor/echarts) in SVG.
 *
 * The data come from a json_script block built by the view (numbers, and labels already
 * formatted by ods_platform.lib.formatting), so the chart says what the table beside it
 * says. No inline script or style: ECharts sets styles through the CSSOM only. Each chart
 * has an ARIA description (the container's aria-label, written by the server) and its
 * table on the page.
 */
(function () {
  "use strict";

  var LANG = document.documentElement.lang === "en" ? "en-GB" : "sv-SE";
  var numberFormat = new Intl.NumberFormat(LANG, { maximumFractionDigits: 0 });
  var INK = "#222222";
  var BAR = "#1b3a66";
  var PARTIAL = "#a9bcd6";
  var HEAT = ["#f7f4e8", "#e7d35b", "#b6a86e", "#7f7c75", "#4f5a70", "#173c71"];

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function fmt(value) { return numberFormat.format(value); }

  function init(el) {
    var chart = echarts.init(el, null, { renderer: "svg" });
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.rendered = "true";
    return chart;
  }

  function aria(el) {
    return { enabled: true, label: { description: el.getAttribute("aria-label") || "" } };
  }

  function matrixChart(el, data) {
    init(el).setOption({
      aria: aria(el),
      animation: false,
      grid: { left: 48, right: 16, top: 8, bottom: 64 },
      tooltip: {
        formatter: function (p) {
          return data.weekdays[p.value[1]] + " " + data.hours[p.value[0]] + ": " + fmt(p.value[2]);
        },
      },
      xAxis: { type: "category", data: data.hours.map(function (h) { return h.slice(0, 2); }), axisLabel: { color: INK } },
      yAxis: { type: "category", data: data.weekdays, inverse: true, axisLabel: { color: INK } },
      visualMap: {
        min: 0, max: Math.max(1, data.matrix_max), calculable: false, orient: "horizontal",
        left: "center", bottom: 0, itemHeight: 120, inRange: { color: HEAT },
        textStyle: { color: INK }, formatter: function (v) { return fmt(v); },
      },
      series: [{
        name: data.labels.observations,
        type: "heatmap",
        data: data.matrix.map(function (c) { return [c[1], c[0], c[2]]; }),
        itemStyle: { borderColor: "#ffffff", borderWidth: 1 },
      }],
    });
  }

  function trendChart(el, data) {
    var hatched = { symbol: "rect", dashArrayX: [1, 0], dashArrayY: [2, 3], rotation: -Math.PI / 4, color: "rgba(27, 58, 102, 0.45)" };
    init(el).setOption({
      aria: aria(el),
      animation: false,
      grid: { left: 48, right: 16, top: 24, bottom: 72 },
      tooltip: { trigger: "axis", valueFormatter: fmt },
      xAxis: { type: "category", data: data.months.map(function (m) { return m.label; }), axisLabel: { color: INK, rotate: 30, interval: 0 } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { color: INK, formatter: fmt } },
      series: [{
        name: data.labels.observations,
        type: "bar",
        data: data.months.map(function (m) {
          return m.partial
            ? { value: m.count, itemStyle: { color: PARTIAL, decal: hatched } }
            : { value: m.count, itemStyle: { color: BAR } };
        }),
        label: { show: true, position: "top", color: INK, formatter: function (p) { return fmt(p.value); } },
      }],
    });
  }

  function indicatorChart(el, data) {
    init(el).setOption({
      aria: aria(el),
      animation: false,
      grid: { left: 56, right: 16, top: 24, bottom: 48 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.periods, axisLabel: { color: INK } },
      yAxis: { type: "value", axisLabel: { color: INK, formatter: function (v) { return new Intl.NumberFormat(LANG).format(v); } } },
      series: [{
        name: data.name,
        type: "line",
        data: data.values,
        symbolSize: 7,
        lineStyle: { color: BAR, width: 2 },
        itemStyle: { color: BAR },
        label: { show: true, position: "top", color: INK, formatter: function (p) { return data.labels[p.dataIndex]; } },
      }],
    });
  }

  // Bars in series (before/after, or one per status) told apart by pattern as well as by
  // colour: ECharts draws its decals when aria.decal.show is on.
  var SERIES = ["#1b3a66", "#b35c00", "#2f7d4a", "#7a3b8f", "#5a5a5a", "#a11d33"];

  function decalAria(el) {
    return { enabled: true, label: { description: el.getAttribute("aria-label") || "" }, decal: { show: true } };
  }

  function effectChart(el, data) {
    init(el).setOption({
      aria: decalAria(el),
      animation: false,
      color: SERIES,
      legend: { top: 0, textStyle: { color: INK } },
      grid: { left: 48, right: 16, top: 32, bottom: 48 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "<5" : fmt(v); } },
      xAxis: { type: "category", data: data.areas, axisLabel: { color: INK, interval: 0 } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { color: INK, formatter: fmt } },
      series: [
        { name: data.labels.before, type: "bar", data: data.before, label: { show: true, position: "top", color: INK, formatter: function (p) { return fmt(p.value); } } },
        { name: data.labels.after, type: "bar", data: data.after, label: { show: true, position: "top", color: INK, formatter: function (p) { return fmt(p.value); } } },
      ],
    });
  }

  // A follow-up table drawn as bars: one category per row, one series per column (stacked
  // when the columns are parts of a whole). Withheld counts come as null and are not drawn.
  function tableChart(el, data) {
    init(el).setOption({
      aria: decalAria(el),
      animation: false,
      color: SERIES,
      legend: { top: 0, type: "scroll", textStyle: { color: INK } },
      grid: { left: 56, right: 16, top: 40, bottom: data.rotate ? 88 : 48, containLabel: false },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "–" : (data.percent ? fmt(v * 100) + " %" : fmt(v)); } },
      xAxis: { type: "category", data: data.categories, axisLabel: { color: INK, rotate: data.rotate ? 35 : 0, interval: data.categories.length > 16 ? "auto" : 0 } },
      yAxis: { type: "value", minInterval: data.percent ? 0 : 1, max: data.percent ? 1 : null, axisLabel: { color: INK, formatter: function (v) { return data.percent ? fmt(v * 100) + " %" : fmt(v); } } },
      series: data.series.map(function (s) {
        if (s.line) {
          return { name: s.name, type: "line", data: s.values, symbolSize: 6, lineStyle: { width: 2, type: "dashed", color: INK }, itemStyle: { color: INK } };
        }
        return { name: s.name, type: "bar", stack: data.stacked ? "total" : null, data: s.values };
      }),
    });
  }

  function start() {
    if (typeof echarts === "undefined") { return; }
    var analysis = readJSON("analysis-charts");
    var indicator = readJSON("indicator-chart");
    var effect = readJSON("effect-chart");
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var kind = el.dataset.chart;
      if (kind === "effect" && effect) { effectChart(el, effect); }
      if (kind === "table" && el.dataset.source) {
        var table = readJSON(el.dataset.source);
        if (table) { tableChart(el, table); }
      }
      if (kind === "matrix" && analysis) { matrixChart(el, analysis); }
      if (kind === "trend" && analysis) { trendChart(el, analysis); }
      if (kind === "indicator" && indicator) { indicatorChart(el, indicator); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

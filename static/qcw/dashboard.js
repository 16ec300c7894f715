/* The dashboard's charts: Apache ECharts (static/vendor/echarts), fed by the
 * JSON beside each chart, which holds the header and rows the CSV export
 * writes. Interactive: values on hover, legend toggles, zoom, save as image,
 * in the page's language (ECharts' own ZH/EN locales). The tables beside
 * the charts say the same for whoever has no script or reads them aloud.
 * The filter form swaps the dashboard's body by htmx: its charts are drawn
 * again, and the old ones disposed. */
(function () {
  "use strict";

  var COLOURS = {
    throughput: ["#1d4ed8", "#6d28d9", "#15803d"],
    verdicts: ["#15803d", "#b91c1c", "#b45309"],
  };
  var drawn = [];

  function locale() {
    var lang = (document.documentElement.lang || "").toLowerCase();
    return lang.indexOf("zh") === 0 ? "ZH" : "EN";
  }

  function read(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  function common(data) {
    return {
      animation: false,
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
      legend: { type: "scroll", top: 0, left: 0, right: 48 },
      toolbox: {
        top: 0,
        right: 4,
        feature: { saveAsImage: { name: data.title, pixelRatio: 2 } },
      },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
    };
  }

  // The plot inside the box, its axis labels kept inside too.
  function grid(edges) {
    var g = { left: 12, right: 16, outerBoundsMode: "same", outerBoundsContain: "axisLabel" };
    Object.keys(edges).forEach(function (k) { g[k] = edges[k]; });
    return g;
  }

  function throughput(data) {
    var byDay = data.bucket === "day";
    var option = common(data);
    option.grid = grid({ top: 40, bottom: 44 });
    option.xAxis = {
      type: "category",
      data: data.rows.map(function (r) { return r[0]; }),
      axisLabel: {
        hideOverlap: true,
        // "2026-12-05" shows as 12-05; "2026-12-05 08:00" as 08:00.
        formatter: function (v) { return byDay ? v.slice(5) : v.slice(11, 16); },
      },
    };
    option.yAxis = { type: "value", minInterval: 1 };
    option.dataZoom = [
      { type: "inside" },
      { type: "slider", height: 18, bottom: 6 },
    ];
    option.series = data.header.slice(1).map(function (name, i) {
      return {
        name: name,
        type: byDay ? "bar" : "line",
        showSymbol: false,
        emphasis: { focus: "series" },
        itemStyle: { color: COLOURS.throughput[i] },
        lineStyle: { color: COLOURS.throughput[i], width: 2 },
        data: data.rows.map(function (r) { return r[i + 1]; }),
      };
    });
    return { option: option, height: 320 };
  }

  function verdicts(data, box) {
    var option = common(data);
    var many = data.rows.length > 12;
    option.grid = grid({ top: 36, bottom: 8, right: many ? 40 : 16 });
    option.xAxis = { type: "value", minInterval: 1 };
    option.yAxis = {
      type: "category",
      inverse: true,
      data: data.rows.map(function (r) { return r[1]; }),
      // Long names are cut short (the tooltip and the table give them whole).
      axisLabel: {
        width: Math.min(160, Math.round(box.clientWidth * 0.3)),
        overflow: "truncate",
      },
    };
    if (many) {
      option.dataZoom = [
        { type: "inside", yAxisIndex: 0, startValue: 0, endValue: 11 },
        { type: "slider", yAxisIndex: 0, right: 4, width: 16, startValue: 0, endValue: 11 },
      ];
    }
    // Columns 2, 3, 4 of the export: pass, fail, hold.
    option.series = [2, 3, 4].map(function (column, i) {
      return {
        name: data.header[column],
        type: "bar",
        stack: "verdicts",
        barMaxWidth: 26,
        emphasis: { focus: "series" },
        itemStyle: { color: COLOURS.verdicts[i] },
        data: data.rows.map(function (r) { return r[column]; }),
      };
    });
    var shown = Math.min(data.rows.length, 12);
    return { option: option, height: Math.max(140, 56 + 30 * shown) };
  }

  var KINDS = { throughput: throughput, verdicts: verdicts };

  function draw(root) {
    if (!window.echarts) return; // no chart library: the tables say it all
    drawn = drawn.filter(function (chart) {
      if (chart.getDom().isConnected) return true;
      chart.dispose();
      return false;
    });
    (root || document).querySelectorAll("[data-chart]").forEach(function (box) {
      if (box.dataset.drawn) return;
      var data = read(box.dataset.source);
      var kind = KINDS[box.dataset.chart];
      if (!data || !kind || !data.rows.length) return;
      box.hidden = false;
      var made = kind(data, box);
      box.style.height = made.height + "px";
      var chart = window.echarts.init(box, null, { locale: locale(), renderer: "canvas" });
      chart.setOption(made.option);
      box.dataset.drawn = made.option.series.length + " series";
      drawn.push(chart);
      if (window.ResizeObserver) {
        new ResizeObserver(function () { chart.resize(); }).observe(box);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  if (document.readyState !== "loading") draw(document);
  document.addEventListener("htmx:afterSettle", function (event) {
    draw(event.target);
  });
})();

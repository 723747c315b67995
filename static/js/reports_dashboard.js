// 统计看板: draws the charts from the json_script data (id "dashboard-data"). The tables beside
// each chart hold the same numbers and links, so when ECharts is missing or fails the page
// simply keeps its tables (the chart boxes stay hidden). Clicking a bar, point or slice opens
// the drill-down of that figure, like the numbers in the tables.
(function () {
  "use strict";
  var charts = [];

  function open(params) {
    if (params && params.data && params.data.url) {
      window.location.href = params.data.url;
    }
  }

  function draw(id, option) {
    var box = document.getElementById(id);
    if (!box) return;
    try {
      box.classList.remove("d-none");
      var chart = window.echarts.init(box);
      chart.setOption(option);
      chart.on("click", open);
      charts.push(chart);
    } catch (err) {
      box.classList.add("d-none");
      if (window.console) window.console.warn("chart", id, err);
    }
  }

  function render() {
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
    var node = document.getElementById("dashboard-data");
    if (!node || !window.echarts) return;
    var data;
    try {
      data = JSON.parse(node.textContent);
    } catch (err) {
      return;
    }
    var labels = data.labels || {};
    if (data.trend && data.trend.length) {
      draw("chart-trend", {
        tooltip: { trigger: "axis" },
        grid: { left: 48, right: 16, top: 24, bottom: 32 },
        xAxis: { type: "category", data: data.trend.map(function (r) { return r.name; }) },
        yAxis: { type: "value", minInterval: 1 },
        series: [{
          name: labels.person_times, type: "line", areaStyle: { opacity: 0.3 }, color: "#c0392b",
          data: data.trend.map(function (r) { return { value: r.value, url: r.url }; })
        }]
      });
    }
    if (data.categories && data.categories.length) {
      draw("chart-category", {
        tooltip: { trigger: "item" },
        series: [{
          name: labels.person_times, type: "pie", radius: ["35%", "65%"],
          data: data.categories.map(function (r) { return { name: r.name, value: r.value, url: r.url }; })
        }]
      });
    }
    if (data.townships && data.townships.length) {
      var rows = data.townships.slice().reverse();  // largest on top
      draw("chart-township", {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { left: 8, right: 24, top: 8, bottom: 24, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
        series: [{
          name: labels.person_times, type: "bar", color: "#c0392b",
          data: rows.map(function (r) { return { value: r.value, url: r.url }; })
        }]
      });
    }
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
  // The filter bar swaps the dashboard through HTMX: draw again for the new figures.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "dashboard") render();
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();

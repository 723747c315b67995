// 热线看板: draws the charts from the json_script data (id "hotline-dashboard-data"). The tables
// beside each chart hold the same numbers, so when ECharts is missing or fails the page keeps
// its tables (the chart boxes stay hidden). Clicking a day, topic or risk level opens the calls
// behind it (the reports drill-down lists them only to readers allowed to open calls).
(function () {
  "use strict";
  var charts = [];
  var RED = "#c0392b";

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

  function bars(rows, name) {
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 36, right: 8, top: 16, bottom: 28 },
      xAxis: { type: "category", data: rows.map(function (r) { return r.label; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: name, type: "bar", color: RED, data: rows.map(function (r) { return { value: r.value, url: r.url }; }) }]
    };
  }

  function pie(rows, name) {
    return {
      tooltip: { trigger: "item" },
      series: [{
        name: name, type: "pie", radius: ["35%", "65%"],
        data: rows.map(function (r) { return { name: r.label, value: r.value, url: r.url }; })
      }]
    };
  }

  function render() {
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
    var node = document.getElementById("hotline-dashboard-data");
    if (!node || !window.echarts) return;
    var data;
    try {
      data = JSON.parse(node.textContent);
    } catch (err) {
      return;
    }
    var name = (data.labels || {}).calls;
    if (data.hours) draw("chart-hours", bars(data.hours, name));
    if (data.weekdays) draw("chart-weekdays", bars(data.weekdays, name));
    if (data.days && data.days.length) {
      var option = bars(data.days, name);
      option.series[0].type = "line";
      option.series[0].areaStyle = { opacity: 0.3 };
      draw("chart-days", option);
    }
    if (data.topics && data.topics.length) draw("chart-topics", pie(data.topics, name));
    if (data.risks && data.risks.length) draw("chart-risks", pie(data.risks, name));
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
  // The filter bar swaps the body through HTMX: draw again for the new figures.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "hotline-dashboard") render();
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();

// 疫情趋势: draws the cumulative lines (one per report field) and the bars of one field's new
// cases from the json_script data (id "daily-trend-data"). The table under the bars holds the
// same numbers, so without ECharts the page still reads.
(function () {
  "use strict";
  var charts = [];

  function draw(id, option) {
    var box = document.getElementById(id);
    if (!box || !window.echarts) return;
    try {
      box.classList.remove("d-none");
      var chart = window.echarts.init(box);
      chart.setOption(option);
      charts.push(chart);
    } catch (err) {
      box.classList.add("d-none");
      if (window.console) window.console.warn("chart", id, err);
    }
  }

  function render() {
    var node = document.getElementById("daily-trend-data");
    if (!node) return;
    var data;
    try {
      data = JSON.parse(node.textContent);
    } catch (err) {
      return;
    }
    if (!data.days || !data.days.length) return;
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
    draw("daily-trend-lines", {
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 48, right: 12, top: 36, bottom: 28 },
      xAxis: { type: "category", data: data.days },
      yAxis: { type: "value", minInterval: 1 },
      series: data.lines.map(function (line) {
        return { name: line.label, type: "line", connectNulls: true, data: line.values };
      })
    });
    draw("daily-trend-bars", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 40, right: 8, top: 16, bottom: 28 },
      xAxis: { type: "category", data: data.days },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: data.bar.label, type: "bar", color: "#c0392b", data: data.bar.values }]
    });
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();

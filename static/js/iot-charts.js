// Device page: one ECharts line chart per metric of recent readings (data from json_script).
(function () {
  "use strict";
  var data = document.getElementById("series-data");
  if (!data || !window.echarts) { return; }
  var series = JSON.parse(data.textContent);
  var charts = [];
  series.forEach(function (s) {
    var el = document.querySelector('.chart[data-metric="' + s.metric + '"]');
    if (!el) { return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      grid: { left: 48, right: 16, top: 16, bottom: 36 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v + (s.unit ? " " + s.unit : ""); } },
      xAxis: { type: "time" },
      yAxis: { type: "value", scale: true, name: s.unit || "" },
      dataZoom: [{ type: "inside" }],
      series: [{ type: "line", name: s.label, showSymbol: s.points.length < 60, data: s.points }]
    });
    el.dataset.points = String(s.points.length);
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  document.getElementById("charts").dataset.ready = String(charts.length);
})();

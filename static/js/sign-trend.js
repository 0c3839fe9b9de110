// Sign value page: the node's trend over 30 days and 48 hours (ECharts line charts, data from
// json_script "trend-data"), the index colour bands behind, each point opening its value page.
(function () {
  "use strict";
  var data = document.getElementById("trend-data");
  if (!data || !window.echarts) { return; }
  var trend = JSON.parse(data.textContent);
  var f = trend.floors; // blue, green, yellow, orange floors
  var bands = [
    [f[0], 100, "#dbeafe"], [f[1], f[0], "#dcfce7"], [f[2], f[1], "#fef9c3"],
    [f[3], f[2], "#ffedd5"], [0, f[3], "#fee2e2"]
  ].map(function (b) {
    return [{ yAxis: b[0], itemStyle: { color: b[2], opacity: 0.6 } }, { yAxis: b[1] }];
  });
  var colours = { blue: "#1d4ed8", green: "#15803d", yellow: "#a16207", orange: "#c2410c", red: "#b91c1c" };
  var charts = [];
  document.querySelectorAll("#trend-charts .chart").forEach(function (el) {
    var points = trend[el.dataset.series] || [];
    var hourly = el.dataset.series === "hours";
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      grid: { left: 40, right: 12, top: 12, bottom: 32 },
      tooltip: {
        trigger: "axis",
        valueFormatter: function (v) { return v === null || v === undefined ? "—" : Number(v).toFixed(2); }
      },
      xAxis: { type: "time", axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", min: 0, max: 100, name: trend.labels.score },
      series: [{
        type: "line",
        name: trend.labels.score,
        connectNulls: false,
        showSymbol: true,
        symbolSize: hourly ? 4 : 6,
        lineStyle: { color: "#334155" },
        markArea: { silent: true, data: bands },
        data: points.map(function (p) {
          return {
            value: [p.at, p.score],
            url: p.url,
            itemStyle: { color: colours[p.colour] || "#64748b" }
          };
        })
      }]
    });
    chart.on("click", function (e) { if (e.data && e.data.url) { window.location.href = e.data.url; } });
    el.dataset.points = String(points.filter(function (p) { return p.score !== null; }).length);
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  document.getElementById("trend-charts").dataset.ready = String(charts.length);
})();

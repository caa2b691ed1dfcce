/* 数据质量: rows of each standard table after every import, one line per table. */
(function () {
  "use strict";
  var el = document.getElementById("chart-rows");
  var source = document.getElementById("chart-data");
  if (!el || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  if (!data.series.length) return;
  var font = getComputedStyle(document.body).fontFamily;
  var chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    textStyle: { fontFamily: font },
    color: ["#206bc4", "#2fb344", "#f76707", "#ae3ec9", "#0ca678", "#d63939", "#4299e1", "#f59f00", "#74b816", "#667382"],
    grid: { left: 8, right: 24, top: 16, bottom: 56, containLabel: true },
    tooltip: {
      trigger: "axis",
      valueFormatter: function (v) { return v == null ? "—" : v.toLocaleString("zh-CN") + " 行"; },
    },
    legend: { type: "scroll", bottom: 0, icon: "roundRect", itemWidth: 12, itemHeight: 8 },
    xAxis: { type: "time", axisLabel: { hideOverlap: true, formatter: { year: "{yyyy}年", month: "{M}月", day: "{M}-{d}", hour: "{HH}:{mm}", minute: "{HH}:{mm}" } } },
    yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { type: "dashed" } },
             axisLabel: { formatter: function (v) { return v >= 10000 ? (v / 10000) + "万" : v; } } },
    series: data.series.map(function (s) {
      // The last point is "now" (the count still holds), drawn without a marker.
      var data = s.points.map(function (p, i) {
        return i === s.points.length - 1 ? { value: p, symbol: "none" } : p;
      });
      return { name: s.name, type: "line", step: "end", symbol: "circle", symbolSize: 6, data: data };
    }),
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();

/* 驾驶舱 charts, drawn from the figures the server embedded with json_script. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var font = getComputedStyle(document.body).fontFamily;
  var charts = [];
  var TITLE_COLOURS = {
    senior: "#d63939", associate: "#f76707", intermediate: "#206bc4", junior: "#2fb344", none: "#9aa0ac",
  };

  var majorsEl = document.getElementById("chart-majors");
  if (majorsEl && data.majors.length) {
    var majors = data.majors.slice().reverse(); // largest at the top of a horizontal bar chart
    var chart = echarts.init(majorsEl, null, { renderer: "canvas" });
    chart.setOption({
      textStyle: { fontFamily: font },
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return v + " 人"; } },
      xAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { type: "dashed" } } },
      yAxis: {
        type: "category",
        data: majors.map(function (m) { return m.name; }),
        axisTick: { show: false },
        axisLabel: { width: 120, overflow: "truncate" },
      },
      series: [{
        type: "bar",
        name: "在读学生",
        data: majors.map(function (m) { return m.count; }),
        barMaxWidth: 18,
        itemStyle: { color: "#206bc4", borderRadius: [0, 3, 3, 0] },
        label: { show: true, position: "right", color: "#49566c" },
      }],
    });
    charts.push(chart);
  }

  var titlesEl = document.getElementById("chart-titles");
  if (titlesEl && data.titles.length) {
    var total = data.titles.reduce(function (sum, t) { return sum + t.count; }, 0);
    var counts = {};
    data.titles.forEach(function (t) { counts[t.name] = t.count; });
    var pie = echarts.init(titlesEl, null, { renderer: "canvas" });
    pie.setOption({
      textStyle: { fontFamily: font },
      tooltip: { trigger: "item", formatter: "{b}：{c} 人（{d}%）" },
      title: {
        text: String(total),
        subtext: "在职教师",
        left: "center",
        top: "33%",
        textStyle: { fontSize: 26, fontWeight: 600, fontFamily: font, color: "#1d273b" },
        subtextStyle: { fontSize: 12, fontFamily: font, color: "#6c7a91" },
        itemGap: 4,
      },
      legend: {
        bottom: 0,
        icon: "circle",
        itemWidth: 10,
        itemHeight: 10,
        formatter: function (name) { return name + " " + counts[name] + "人"; },
      },
      series: [{
        type: "pie",
        name: "职称",
        radius: ["48%", "72%"],
        center: ["50%", "42%"],
        label: { show: false },
        labelLine: { show: false },
        itemStyle: { borderColor: "#fff", borderWidth: 2 },
        data: data.titles.map(function (t) {
          return { name: t.name, value: t.count, itemStyle: { color: TITLE_COLOURS[t.code] || "#9aa0ac" } };
        }),
      }],
    });
    charts.push(pie);
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();

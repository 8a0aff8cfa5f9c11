/* The policies pages' charts (ECharts), drawn by sibao/behaviours.js from the elements'
   data-echart attributes and their json_script data: the uptake rates by region. */
(function () {
  "use strict";
  window.sibao.registerChart("uptake-regions", function (el, data) {
    var chart = window.sibao.echart(el);
    chart.setOption({
      tooltip: {trigger: "axis"},
      legend: {top: 0},
      grid: {left: 40, right: 20, top: 36, bottom: 60},
      xAxis: {type: "category", data: data.names, axisLabel: {rotate: 30, interval: 0}},
      yAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
      series: [
        {name: data.labels.count, type: "bar", data: data.by_count, itemStyle: {color: "#206bc4"}},
        {name: data.labels.amount, type: "bar", data: data.by_amount, itemStyle: {color: "#2fb344"}}
      ]
    });
    chart.on("click", function (p) {
      if (!data.drill[p.dataIndex]) { return; }
      var params = new URLSearchParams(window.location.search);
      params.set("region", data.codes[p.dataIndex]);
      window.location.search = params.toString();
    });
  });
})();

/* The enterprises pages' charts (ECharts), drawn by sibao/behaviours.js from the elements'
   data-echart attributes and their json_script data: the production trend (MON-03), a unit's
   production chart (also inside the HTMX panel on the unit's page) and the whitelist coverage. */
(function () {
  "use strict";
  var register = window.sibao.registerChart;
  var echart = window.sibao.echart;
  var STATE_COLOURS = {operating: "#2fb344", partial: "#f59f00", suspended: "#d63939"};

  function drillTo(code) {
    var params = new URLSearchParams(window.location.search);
    params.set("region", code);
    window.location.search = params.toString();
  }

  function area(name, values, color) {
    return {name: name, type: "line", stack: "units", areaStyle: {opacity: 0.35},
            symbol: "none", lineStyle: {width: 1.5}, itemStyle: {color: color}, data: values};
  }

  register("production-trend-states", function (el, data) {
    var L = data.labels;
    echart(el).setOption({
      tooltip: {trigger: "axis"},
      legend: {top: 0},
      grid: {left: 44, right: 16, top: 36, bottom: 28},
      xAxis: {type: "category", boundaryGap: false, data: data.days},
      yAxis: {type: "value", name: L.units, minInterval: 1},
      series: [
        area(L.operating, data.operating, STATE_COLOURS.operating),
        area(L.partial, data.partial, STATE_COLOURS.partial),
        area(L.suspended, data.suspended, STATE_COLOURS.suspended)
      ]
    });
  });

  register("production-trend-capacity", function (el, data) {
    var L = data.labels;
    echart(el).setOption({
      tooltip: {trigger: "axis"},
      legend: {top: 0},
      grid: {left: 44, right: 56, top: 36, bottom: 28},
      xAxis: {type: "category", data: data.days},
      yAxis: [
        {type: "value", name: "%", min: 0, max: 100},
        {type: "value", name: L.staff, minInterval: 1, splitLine: {show: false}}
      ],
      series: [
        {name: L.staff, type: "bar", yAxisIndex: 1, itemStyle: {color: "#a6c8f0"}, data: data.staff},
        {name: L.capacity, type: "line", connectNulls: true, itemStyle: {color: "#206bc4"},
         data: data.capacity}
      ]
    });
  });

  register("unit-production", function (el, data) {
    if (!data.days.length) { return; }
    echart(el).setOption({
      tooltip: {trigger: "axis", formatter: function (items) {
        var i = items[0].dataIndex;
        var lines = [data.days[i] + " " + data.stateLabels[data.states[i]]];
        items.forEach(function (p) { lines.push(p.marker + p.seriesName + "：" + p.value); });
        return lines.join("<br>");
      }},
      legend: {top: 0},
      grid: {left: 40, right: 48, top: 32, bottom: 24},
      xAxis: {type: "category", data: data.days},
      yAxis: [{type: "value", name: "%", min: 0, max: 100},
              {type: "value", minInterval: 1, splitLine: {show: false}}],
      series: [
        {name: data.labels.staff, type: "bar", yAxisIndex: 1, itemStyle: {color: "#c8dcf4"},
         data: data.staff},
        {name: data.labels.capacity, type: "line", symbolSize: 8, lineStyle: {color: "#206bc4"},
         data: data.capacity.map(function (v, i) {
           return {value: v, itemStyle: {color: STATE_COLOURS[data.states[i]]}};
         })}
      ]
    });
  });

  register("whitelist-coverage", function (el, data) {
    var chart = echart(el);
    chart.setOption({
      tooltip: {trigger: "axis"},
      grid: {left: 40, right: 20, top: 30, bottom: 60},
      xAxis: {type: "category", data: data.names, axisLabel: {rotate: 30, interval: 0}},
      yAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
      series: [{
        name: data.labels.ratio, type: "bar", data: data.ratios,
        itemStyle: {color: function (p) {
          return p.value !== null && p.value < data.target ? "#d63939" : "#2fb344";
        }},
        markLine: {symbol: "none", lineStyle: {type: "dashed", color: "#206bc4"},
                   label: {formatter: data.labels.target + " {c}%"}, data: [{yAxis: data.target}]}
      }]
    });
    chart.on("click", function (p) { drillTo(data.codes[p.dataIndex]); });
  });
})();

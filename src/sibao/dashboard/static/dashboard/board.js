/* The one-screen dashboard (MON-01): the map (ECharts, 示意图) with its indicator picker and
   table, the panels' charts, the age of the data and the wall screen's clock. The panels area is
   refreshed by htmx polling; nothing here is touched by it except the panels' own charts. */
(function () {
  "use strict";
  var root = document.getElementById("board");
  if (!root || typeof echarts === "undefined") { return; }
  var labels = JSON.parse(document.getElementById("board-labels").textContent);
  var data = JSON.parse(document.getElementById("board-map-data").textContent);
  var isScreen = root.dataset.screen === "1";
  var boardUrl = root.dataset.boardUrl;
  var mapDataUrl = root.dataset.mapDataUrl;
  var region = root.dataset.region;
  var mapEl = document.getElementById("board-map");
  var picker = document.getElementById("board-indicator");
  var chart = null;
  var geoLoading = {};
  var mapRequests = 0;
  var panelCharts = [];

  function indicatorKey() { return data.indicator ? data.indicator.key : ""; }

  function boardLink(code, extra) {
    var params = new URLSearchParams();
    params.set("region", code);
    if (indicatorKey()) { params.set("indicator", indicatorKey()); }
    if (isScreen) { params.set("screen", "1"); }
    Object.keys(extra || {}).forEach(function (k) { params.set(k, extra[k]); });
    return boardUrl + "?" + params.toString();
  }

  function formatValue(value) {
    if (value === null || value === undefined) { return "—"; }
    var rounded = Math.round(value * 10) / 10;
    return rounded.toLocaleString("zh-CN", {maximumFractionDigits: 1});
  }

  function childrenByCode() {
    var found = {};
    data.children.forEach(function (c) { found[c.code] = c; });
    return found;
  }

  /* the table next to the map: same markup as _board_map_table.html */
  function renderTable() {
    var body = document.getElementById("map-table-body");
    var head = document.getElementById("map-table-indicator");
    if (!body) { return; }
    if (head) {
      head.textContent = data.indicator
        ? data.indicator.label + (data.indicator.unit ? "（" + data.indicator.unit + "）" : "")
        : "";
    }
    body.textContent = "";
    if (!data.allowed) {
      var denied = body.insertRow();
      var cell = denied.insertCell();
      cell.colSpan = 2;
      cell.className = "text-secondary";
      cell.textContent = labels.forbidden;
    }
    data.children.forEach(function (c) {
      var row = body.insertRow();
      row.dataset.code = c.code;
      var name = row.insertCell();
      if (c.drillable) {
        var link = document.createElement("a");
        link.href = boardLink(c.code);
        link.textContent = c.name;
        link.dataset.testid = "drill-" + c.code;
        name.appendChild(link);
      } else {
        name.textContent = c.name;
      }
      if (!c.has_polygon) {
        var note = document.createElement("span");
        note.className = "text-secondary small";
        note.textContent = " " + labels.notDrawn;
        name.appendChild(note);
      }
      var value = row.insertCell();
      value.className = "num";
      if (c.url) {
        var valueLink = document.createElement("a");
        valueLink.href = c.url;
        valueLink.textContent = formatValue(c.value);
        valueLink.dataset.testid = "map-value-" + c.code;
        value.appendChild(valueLink);
      } else {
        value.textContent = formatValue(c.value);
      }
    });
  }

  function loadGeo(callback) {
    // One download and one registration per map: a second render while the first download is
    // under way waits for it instead of registering the map again under the chart's feet.
    var name = "sibao-" + data.region.code;
    var features = data.features;
    if (!geoLoading[name]) {
      geoLoading[name] = fetch(data.geo_url, {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (geo) {
          // features are named by region code (the file's old codes mapped by the server)
          geo.features.forEach(function (f) {
            var code = features[String(f.properties.adcode)];
            f.properties.name = code || "unmatched-" + f.properties.adcode;
          });
          echarts.registerMap(name, geo);
          return name;
        });
    }
    geoLoading[name].then(callback);
  }

  function renderMap() {
    if (!mapEl || !data.geo_url) { return; }
    if (!chart) {
      chart = echarts.init(mapEl, isScreen ? "dark" : null);
      chart.on("click", function (p) {
        var child = childrenByCode()[p.name];
        if (child && child.drillable) { window.location.href = boardLink(child.code); }
      });
      window.addEventListener("resize", function () { if (!chart.isDisposed()) { chart.resize(); } });
    }
    loadGeo(function (mapName) {
      var children = childrenByCode();
      var values = data.children.filter(function (c) { return c.value !== null; })
        .map(function (c) { return c.value; });
      var unit = data.indicator && data.indicator.unit ? data.indicator.unit : "";
      var option = {
        backgroundColor: "transparent",
        title: {text: labels.sketch, right: 8, bottom: 4,
                textStyle: {fontSize: 12, fontWeight: "normal", color: isScreen ? "#9fb3d1" : "#868e96"}},
        tooltip: {trigger: "item", formatter: function (p) {
          var child = children[p.name];
          if (!child) { return ""; }
          var text = echarts.format.encodeHTML(child.name);
          if (data.indicator) {
            text += "<br>" + echarts.format.encodeHTML(data.indicator.label) + "：" +
              formatValue(child.value) + (child.value !== null ? unit : "");
          }
          return text;
        }},
        series: [{
          type: "map", map: mapName, roam: false, selectedMode: false,
          layoutCenter: ["50%", "50%"], layoutSize: "95%",
          label: {show: true, fontSize: isScreen ? 14 : 11, color: isScreen ? "#e6eefb" : "#1d273b",
                  formatter: function (p) { return children[p.name] ? children[p.name].name : ""; }},
          itemStyle: {areaColor: isScreen ? "#1c3357" : "#e9eef5", borderColor: isScreen ? "#5b7db1" : "#fff"},
          emphasis: {label: {color: "#000"}, itemStyle: {areaColor: "#ffd43b"}},
          data: data.children.map(function (c) {
            return {name: c.code, value: c.value === null ? "-" : c.value};
          })
        }]
      };
      if (values.length) {
        option.visualMap = {
          type: "continuous", min: Math.min.apply(null, values.concat([0])),
          max: Math.max.apply(null, values) || 1, calculable: true, left: 8, bottom: 8,
          text: [labels.high, labels.low], itemHeight: 100,
          textStyle: {color: isScreen ? "#dce6f5" : "#495057"},
          inRange: {color: isScreen ? ["#1e4d7b", "#3b8bd6", "#ffb648", "#ff5b5b"] : ["#e3f0ff", "#74b0f0", "#f59f00", "#d63939"]}
        };
      }
      chart.setOption(option, true);
    });
  }

  function keepIndicatorInLinks() {
    document.querySelectorAll("[data-board-link]").forEach(function (a) {
      var url = new URL(a.href, window.location.href);
      if (indicatorKey()) { url.searchParams.set("indicator", indicatorKey()); }
      a.href = url.pathname + url.search;
    });
    var here = new URL(window.location.href);
    if (indicatorKey()) { here.searchParams.set("indicator", indicatorKey()); }
    here.searchParams.delete("refresh");
    window.history.replaceState(null, "", here.pathname + here.search);
  }

  function fetchMap(extra) {
    var mine = ++mapRequests;  // answers that arrive after a newer request's are dropped
    var params = new URLSearchParams({region: region});
    if (picker && picker.value) { params.set("indicator", picker.value); }
    Object.keys(extra || {}).forEach(function (k) { params.set(k, extra[k]); });
    return fetch(mapDataUrl + "?" + params.toString(), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) {
        if (r.redirected && r.url.indexOf("/accounts/login/") !== -1) { window.location.reload(); }
        if (!r.ok) { throw new Error(r.status); }
        return r.json();
      })
      .then(function (json) {
        if (mine !== mapRequests) { return; }
        data = json;
        renderTable();
        renderMap();
        keepIndicatorInLinks();
      });
  }

  if (picker) {
    picker.addEventListener("change", function () { fetchMap(); });
    picker.form.addEventListener("submit", function (e) { e.preventDefault(); fetchMap(); });
  }
  var refresh = document.querySelector("[data-testid=board-refresh]");
  if (refresh) {
    refresh.addEventListener("click", function () { if (mapEl) { fetchMap({refresh: "1"}); } });
  }

  /* the panels' own charts, drawn again after every poll; disposed before the poll's answer
     replaces their elements, so that no chart outlives its element (a detached chart's pending
     animation frame or tooltip would read a canvas that is gone) */
  function disposePanelCharts() {
    panelCharts.forEach(function (c) { if (!c.isDisposed()) { c.dispose(); } });
    panelCharts = [];
  }
  function drawPanelCharts() {
    disposePanelCharts();
    document.querySelectorAll("#board-panels [data-chart]").forEach(function (el) {
      var source = document.getElementById(el.dataset.chart);
      if (!source) { return; }
      var c = echarts.init(el, isScreen ? "dark" : null);
      var option = JSON.parse(source.textContent);
      // a compact default for the card's small chart; a panel's own settings win
      if (option.xAxis && !option.grid) {
        option.grid = {left: 8, right: 8, top: 16, bottom: 8, containLabel: true};
      }
      if (!option.tooltip) { option.tooltip = {trigger: option.xAxis ? "axis" : "item"}; }
      if (isScreen) { option.backgroundColor = option.backgroundColor || "transparent"; }
      c.setOption(option);
      panelCharts.push(c);
    });
  }
  // a poll after the session ended gets the sign-in page: show it as a page, not as panels
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    var xhr = e.detail.xhr;
    if (xhr && xhr.responseURL && xhr.responseURL.indexOf("/accounts/login/") !== -1) {
      e.detail.shouldSwap = false;
      window.location.reload();
      return;
    }
    if (e.detail.shouldSwap && e.detail.target && e.detail.target.id === "board-panels") {
      disposePanelCharts();
    }
  });
  document.body.addEventListener("htmx:afterSettle", function (e) {
    if (e.detail.target && e.detail.target.id === "board-panels") { drawPanelCharts(); }
  });
  window.addEventListener("resize", function () {
    panelCharts.forEach(function (c) { if (!c.isDisposed()) { c.resize(); } });
  });

  /* the age of the data shown, and the wall screen's clock */
  function tick() {
    var updated = document.getElementById("board-updated");
    if (updated && updated.dataset.computedAt) {
      var age = Math.max(0, Math.round((Date.now() - Date.parse(updated.dataset.computedAt)) / 1000));
      var span = updated.querySelector(".board-age");
      if (span) { span.textContent = String(age); }
    }
    var clock = document.getElementById("board-clock");
    if (clock) {
      var now = new Date();
      var pad = function (n) { return String(n).padStart(2, "0"); };
      clock.textContent = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate()) +
        " " + pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds());
    }
  }
  setInterval(tick, 1000);

  renderMap();
  drawPanelCharts();
  tick();
})();

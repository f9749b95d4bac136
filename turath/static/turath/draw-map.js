/* Drawing a place on the offline map: each click adds a corner, «close» writes the polygon (or, after a
   single click where the map allows a point, the point) as GeoJSON into the form's text field (which stays editable: a user may paste a boundary instead), and the
   centre of the polygon into the longitude/latitude fields when the form has them. Coordinates are
   written with a decimal point whatever the page's language: they are data, not text. */
(function () {
  "use strict";
  function init() {
    var el = document.getElementById("draw-map");
    if (!el || typeof L === "undefined") return;
    var target = document.getElementById(el.dataset.target);
    var lonField = el.dataset.lon && document.getElementById(el.dataset.lon);
    var latField = el.dataset.lat && document.getElementById(el.dataset.lat);
    var map = L.map(el, { worldCopyJump: true }).setView([27, 30], 4);
    map.createPane("outline").style.zIndex = 250;
    fetch(el.dataset.outline).then(function (r) { return r.json(); }).then(function (outline) {
      L.geoJSON(outline, { pane: "outline", interactive: false,
        style: { color: "#8a7f6a", weight: 0.6, fillColor: "#f3efe6", fillOpacity: 1 } }).addTo(map);
      map.attributionControl.addAttribution("Natural Earth");
    });
    var corners = [], line = L.polyline([], { color: "#b00020" }).addTo(map), shape = null;
    var drawn = L.layerGroup().addTo(map);

    function round(x) { return Math.round(x * 1e6) / 1e6; }
    function show(geojson) {
      if (shape) map.removeLayer(shape);
      shape = L.geoJSON(geojson, { style: { color: "#1f5f8b", weight: 2 } }).addTo(map);
      return shape;
    }
    function redraw() {
      line.setLatLngs(corners);
      drawn.clearLayers();
      corners.forEach(function (c) { L.circleMarker(c, { radius: 4, color: "#b00020" }).addTo(drawn); });
    }
    map.on("click", function (ev) { corners.push(ev.latlng); redraw(); });
    el.parentNode.querySelectorAll("[data-draw]").forEach(function (button) {
      button.addEventListener("click", function () {
        var what = button.dataset.draw;
        if (what === "undo") { corners.pop(); redraw(); return; }
        if (what === "clear") {
          corners = []; redraw(); if (shape) { map.removeLayer(shape); shape = null; } target.value = ""; return;
        }
        var geojson;
        if (corners.length === 1 && el.dataset.point === "yes") {
          geojson = { type: "Point", coordinates: [round(corners[0].lng), round(corners[0].lat)] };
        } else {
          if (corners.length < 3) return;
          var ring = corners.map(function (c) { return [round(c.lng), round(c.lat)]; });
          ring.push(ring[0]);
          geojson = { type: "Polygon", coordinates: [ring] };
        }
        target.value = JSON.stringify(geojson);
        var shown = show(geojson);
        var centre = geojson.type === "Point" ? L.latLng(geojson.coordinates[1], geojson.coordinates[0])
          : shown.getBounds().getCenter();
        if (lonField && latField) { lonField.value = String(round(centre.lng)); latField.value = String(round(centre.lat)); }
        corners = []; redraw();
        target.dispatchEvent(new Event("change"));
      });
    });
    // A boundary already in the field (typed, pasted, or sent back with an error) is drawn and shown.
    function fromField() {
      if (!target.value.trim()) return;
      try { map.fitBounds(show(JSON.parse(target.value)).getBounds(), { maxZoom: 10 }); } catch (e) { /* not GeoJSON yet */ }
    }
    target.addEventListener("input", fromField);
    fromField();
    if (el.dataset.hits) {
      L.geoJSON(JSON.parse(el.dataset.hits), {
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, { radius: 6, weight: 1, color: f.properties.in_danger ? "#b00020" : "#1f5f8b",
            fillOpacity: 0.8 }).bindTooltip(f.properties.name);
        }
      }).addTo(map);
    }
  }
  document.addEventListener("DOMContentLoaded", init);
})();

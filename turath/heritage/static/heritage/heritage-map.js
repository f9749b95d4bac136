/* Map of listed places: Leaflet over an offline world outline, markers from the GeoJSON endpoint.
   Positions come from the server already generalised for sensitive sites. */
(function () {
  "use strict";
  function init() {
    var el = document.getElementById("heritage-map");
    if (!el || typeof L === "undefined") return;
    var map = L.map(el, { worldCopyJump: true, attributionControl: true }).setView([25, 30], 3);
    // The outline arrives after the places are drawn: in a pane of its own below the overlays, or its
    // opaque land would cover them.
    map.createPane("outline").style.zIndex = 250;
    fetch(el.dataset.outline).then(function (r) { return r.json(); }).then(function (outline) {
      L.geoJSON(outline, { pane: "outline", style: { color: "#8a7f6a", weight: 0.6, fillColor: "#f3efe6",
        fillOpacity: 1 }, interactive: false }).addTo(map);
      map.attributionControl.addAttribution("Natural Earth");
    });
    var layer = L.layerGroup().addTo(map);

    function popup(props, id) {
      var div = document.createElement("div");
      var a = document.createElement("a");
      a.href = "../place/" + encodeURIComponent(id) + "/";
      a.textContent = props.name;
      a.setAttribute("dir", "auto");
      div.appendChild(a);
      if (props.in_danger) { div.appendChild(document.createElement("br")); div.appendChild(document.createTextNode("⚠")); }
      if (props.attribution) {
        var small = document.createElement("small");
        small.textContent = " — " + props.attribution;
        div.appendChild(small);
      }
      return div;
    }

    function draw(collection) {
      layer.clearLayers();
      L.geoJSON(collection, {
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, { radius: f.properties.exact ? 4 : 7, weight: 1,
            color: f.properties.in_danger ? "#b00020" : "#1f5f8b", fillOpacity: 0.7 });
        },
        onEachFeature: function (f, l) { l.bindPopup(popup(f.properties, f.id)); }
      }).addTo(layer);
      if (collection.attribution) map.attributionControl.addAttribution(collection.attribution);
    }

    if (el.dataset.feature) {
      var feature = JSON.parse(el.dataset.feature);
      var c = feature.geometry.coordinates;
      // The offline outline has coasts but no streets: a regional view gives the place its context.
      map.setView([c[1], c[0]], feature.properties.exact ? 7 : 6);
      L.circleMarker([c[1], c[0]], { radius: 7, weight: 2, color: "#b00020", fillOpacity: 0.8 })
        .bindTooltip(feature.properties.name, { permanent: false }).addTo(map);
      if (el.dataset.boundary) L.geoJSON(JSON.parse(el.dataset.boundary), { style: { color: "#1f5f8b" } }).addTo(map);
      return;
    }
    function load(params) {
      fetch(el.dataset.source + (params ? "?" + params : "")).then(function (r) { return r.json(); }).then(draw);
    }
    var form = document.getElementById("map-filters");
    if (form) form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      load(new URLSearchParams(new FormData(form)).toString());
    });
    load("");
  }
  document.addEventListener("DOMContentLoaded", init);
})();

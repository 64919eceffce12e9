/* Maps of the ODS platform: the county map, a scene's map and the observation form's map.
 *
 * Plain JavaScript on Leaflet 1.9 (from django-leaflet) with markercluster and heat from
 * static/vendor/. Data comes from json_script blocks or same-origin JSON endpoints, so the
 * strict Content-Security-Policy needs no inline script. Every map works without tiles: the
 * geometries are drawn from data, and each map's facts are also in the page as text.
 */
(function () {
  "use strict";

  var SWEDISH = document.documentElement.lang === "sv";

  function t(sv, en) {
    return SWEDISH ? sv : en;
  }

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function baseMap(el, tiles, basemap) {
    var map = L.map(el, { scrollWheelZoom: false, keyboard: true });
    if (basemap && window.protomapsL && window.pmtiles) {
      /* The operator's offline basemap: a PMTiles file the platform serves itself. */
      protomapsL.leafletLayer({
        url: new pmtiles.PMTiles(basemap),
        flavor: "light",
        lang: SWEDISH ? "sv" : "en",
        maxDataZoom: 15,
        attribution: "&copy; OpenStreetMap",
      }).addTo(map);
      el.dataset.basemap = "pmtiles";
    } else if (tiles) {
      L.tileLayer(tiles, {
        maxZoom: 19,
        attribution: "&copy; OpenStreetMap",
      }).addTo(map);
    }
    L.control.scale({ imperial: false }).addTo(map);
    map.setView([59.33, 18.06], 10);
    return map;
  }

  function colourLegend() {
    document.querySelectorAll(".swatch[data-colour]").forEach(function (el) {
      el.style.backgroundColor = el.dataset.colour;
    });
  }

  /* --- County map: scenes coloured by status ------------------------------------------ */
  function countyMap(el) {
    var map = baseMap(el, el.dataset.tiles);
    fetch(el.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.mode === "grid") {
          /* Too many scenes for outlines: the number of scenes per cell. */
          if (!data.cells.length) { return; }
          var max = Math.max.apply(null, data.cells.map(function (c) { return c.count; }).concat([1]));
          var cells = L.featureGroup(data.cells.map(function (c) {
            return L.circleMarker([c.lat, c.lon], {
              radius: 5 + 15 * Math.sqrt(c.count / max), color: "#4a1c6b", weight: 1, fillOpacity: 0.5,
            }).bindTooltip(c.count + " " + t("scener", "scenes"));
          })).addTo(map);
          map.fitBounds(cells.getBounds(), { padding: [20, 20], maxZoom: 12 });
          el.dataset.loaded = "grid";
          return;
        }
        if (!data.features.length) { return; }
        var layer = L.geoJSON(data, {
          style: function (f) {
            return { color: f.properties.colour, weight: 3, fillOpacity: 0.35 };
          },
          onEachFeature: function (f, l) {
            var p = f.properties;
            var link = document.createElement("a");
            link.href = p.url;
            link.textContent = p.name;
            var box = document.createElement("div");
            box.appendChild(link);
            box.appendChild(document.createElement("br"));
            box.appendChild(document.createTextNode(p.municipality + " – " + p.status));
            l.bindPopup(box);
            l.bindTooltip(p.name);
          },
        }).addTo(map);
        map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 15 });
      });
  }

  /* --- Scene map: boundary, sub-places, observations (clustered or grid), hotspots -------- */
  /* A cell's colour is its class (scenes.analysis.count_classes, the legend below the map);
     below the thin-data rule no class is given and the cell is only outlined. */
  function shade(props) {
    if (!props.colour) {
      return { color: "#4a4a4a", weight: 1, dashArray: "2 2", fillOpacity: 0 };
    }
    return { color: "#222222", weight: 0.5, fillColor: props.colour, fillOpacity: 0.8 };
  }

  function sceneMap(el) {
    var data = readJSON("scene-map-data");
    var map = baseMap(el, data.tiles, data.basemap);
    var boundary = L.geoJSON(data.boundary, {
      style: { color: "#0b4f6c", weight: 3, fillOpacity: 0.05 },
    }).addTo(map);
    map.fitBounds(boundary.getBounds(), { padding: [10, 10] });

    var places = L.geoJSON(
      { type: "FeatureCollection", features: data.places.map(function (p) {
        return { type: "Feature", geometry: p.geometry, properties: { name: p.name, url: p.url } };
      }) },
      {
        style: { color: "#1f4e8c", weight: 2, dashArray: "4 4", fillOpacity: 0.1 },
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, { radius: 7, color: "#1f4e8c", weight: 3, fillOpacity: 0.6 });
        },
        onEachFeature: function (f, l) {
          /* Names stay on the map: they are its context when there is no background. */
          l.bindTooltip(f.properties.name, { permanent: true, direction: "center", className: "map-label" });
          if (f.properties.url) {
            var link = document.createElement("a");
            link.href = f.properties.url;
            link.textContent = f.properties.name;
            l.bindPopup(link);
          }
        },
      }
    ).addTo(map);

    var landmarks = L.layerGroup((data.landmarks || []).map(function (lm) {
      return L.circleMarker([lm.lat, lm.lon], { radius: 5, color: "#222222", weight: 2, fillColor: "#ffffff", fillOpacity: 1 })
        .bindTooltip(lm.name + " (" + lm.kind + ")", { permanent: true, direction: "right", className: "map-label map-label--landmark" });
    })).addTo(map);

    var hotspots = L.geoJSON(
      { type: "FeatureCollection", features: data.hotspots },
      {
        style: function (f) { return shade(f.properties); },
        onEachFeature: function (f, l) { l.bindTooltip(f.properties.label); },
      }
    ).addTo(map);

    var clusters = L.markerClusterGroup ? L.markerClusterGroup({ maxClusterRadius: 40 }) : L.layerGroup();
    var heat = L.heatLayer ? L.heatLayer([], { radius: 18, blur: 15 }) : L.layerGroup();
    var grid = L.layerGroup();
    var observations = L.layerGroup([clusters, grid]).addTo(map);

    function load() {
      var b = map.getBounds();
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) {
        return v.toFixed(6);
      }).join(",");
      fetch(data.observations_url + "&bbox=" + bbox, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (payload) {
          clusters.clearLayers();
          grid.clearLayers();
          var heatPoints = [];
          if (payload.mode === "points") {
            payload.points.forEach(function (p) {
              clusters.addLayer(L.circleMarker([p[0], p[1]], { radius: 5, color: "#4a1c6b", weight: 1, fillOpacity: 0.7 }));
              heatPoints.push([p[0], p[1], 1]);
            });
          } else {
            var max = Math.max.apply(null, payload.cells.map(function (c) { return c.count; }).concat([1]));
            payload.cells.forEach(function (c) {
              grid.addLayer(L.circleMarker([c.lat, c.lon], {
                radius: 4 + 12 * Math.sqrt(c.count / max), color: "#4a1c6b", weight: 1, fillOpacity: 0.5,
              }).bindTooltip(c.count + " " + t("observationer", "observations")));
              heatPoints.push([c.lat, c.lon, c.count / max]);
            });
          }
          if (heat.setLatLngs) { heat.setLatLngs(heatPoints); }
          el.dataset.loaded = payload.mode;
        });
    }
    map.on("moveend", load);
    load();

    var overlays = {};
    overlays[t("Observationer", "Observations")] = observations;
    overlays[t("Värmekarta", "Heat map")] = heat;
    overlays[t("Hotspot-celler", "Hotspot cells")] = hotspots;
    overlays[t("Delplatser", "Sub-places")] = places;
    overlays[t("Platsmärken", "Landmarks")] = landmarks;
    overlays[t("Gräns", "Boundary")] = boundary;
    /* On a phone the list of layers would cover the map: it folds behind its button. */
    var small = window.matchMedia && window.matchMedia("(max-width: 767.98px)").matches;
    L.control.layers(null, overlays, { collapsed: small }).addTo(map);
  }

  /* --- Observation form: click, position or typed coordinates --------------------------- */
  function observationMap(el) {
    var data = readJSON("observation-map-data");
    var map = baseMap(el, data.tiles);
    var sceneSelect = document.getElementById("id_scene");
    var placeSelect = document.getElementById("id_place");
    var lat = document.getElementById("id_latitude");
    var lon = document.getElementById("id_longitude");
    var status = document.getElementById("position-status");
    var marker = null;
    var outline = null;

    function setMarker(latlng, pan) {
      if (marker) { marker.setLatLng(latlng); } else {
        marker = L.marker(latlng, { keyboard: false, title: t("Vald plats", "Chosen place") }).addTo(map);
      }
      var at = L.latLng(latlng);
      el.dataset.marker = lat.value && lon.value ? lat.value + "," + lon.value : at.lat + "," + at.lng;
      if (pan) { map.panTo(latlng); }
    }

    function fromInputs() {
      var la = parseFloat(lat.value), lo = parseFloat(lon.value);
      if (isFinite(la) && isFinite(lo)) { setMarker([la, lo], true); }
    }

    function showScene() {
      var scene = data.scenes[sceneSelect.value];
      if (outline) { map.removeLayer(outline); outline = null; }
      if (placeSelect) {
        Array.prototype.forEach.call(placeSelect.options, function (opt) {
          opt.hidden = opt.value !== "" && !(scene && scene.places[opt.value]);
        });
        if (placeSelect.selectedOptions[0] && placeSelect.selectedOptions[0].hidden) { placeSelect.value = ""; }
      }
      if (!scene) { return; }
      outline = L.geoJSON(scene.boundary, { style: { color: "#0b4f6c", weight: 3, fillOpacity: 0.05 } }).addTo(map);
      if (!(lat.value && lon.value)) { map.fitBounds(outline.getBounds(), { padding: [10, 10] }); }
    }

    map.on("click", function (e) {
      lat.value = e.latlng.lat.toFixed(6);
      lon.value = e.latlng.lng.toFixed(6);
      setMarker(e.latlng, false);
      status.textContent = t("Platsen är vald: ", "Place chosen: ") + lat.value + ", " + lon.value;
    });
    /* The marker follows the coordinates as they are typed, not only when the field is left. */
    lat.addEventListener("input", fromInputs);
    lon.addEventListener("input", fromInputs);
    sceneSelect.addEventListener("change", showScene);

    var button = document.getElementById("use-position");
    if (navigator.geolocation && button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        status.textContent = t("Hämtar din position …", "Finding your position …");
        navigator.geolocation.getCurrentPosition(function (pos) {
          lat.value = pos.coords.latitude.toFixed(6);
          lon.value = pos.coords.longitude.toFixed(6);
          setMarker([pos.coords.latitude, pos.coords.longitude], true);
          status.textContent = t("Din position är vald.", "Your position is chosen.");
        }, function () {
          status.textContent = t("Positionen gick inte att hämta. Klicka på kartan eller skriv koordinaterna.",
                                 "Your position could not be found. Click the map or type the coordinates.");
        }, { enableHighAccuracy: true, timeout: 10000 });
      });
    }
    showScene();
    fromInputs();
  }

  function shadeMatrix() {
    document.querySelectorAll("table.matrix").forEach(function (table) {
      var max = parseFloat(table.dataset.max) || 0;
      if (!max) { return; }
      table.querySelectorAll("td[data-count]").forEach(function (td) {
        var share = parseFloat(td.dataset.count) / max;
        td.style.backgroundColor = "rgba(179, 38, 30, " + (0.08 + 0.92 * share).toFixed(2) + ")";
        if (share > 0.5) { td.classList.add("hot"); }
      });
    });
  }

  function init() {
    colourLegend();
    shadeMatrix();
    document.querySelectorAll("[data-map]").forEach(function (el) {
      if (typeof L === "undefined") { return; }
      var kind = el.dataset.map;
      if (kind === "county") { countyMap(el); }
      if (kind === "scene") { sceneMap(el); }
      if (kind === "observation") { observationMap(el); }
    });
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

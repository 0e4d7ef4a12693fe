/* Maps of the registry (Leaflet + markercluster, served by this site).
 * Each <div class="carte"> names its points: a JSON block (data-points) or a URL (data-source),
 * each point {id, nom, lat, lon, url?, info?}. Popups are built from text nodes, never markup:
 * harvested names stay data. Without tiles (offline, blocked server) the markers remain and a
 * notice says so; without JavaScript the page's list says everything. */
(function () {
  "use strict";

  function popup(point) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = point.url || "/lieu/" + encodeURIComponent(point.id);
    link.textContent = point.nom;
    box.appendChild(link);
    if (point.info) {
      var info = document.createElement("p");
      info.textContent = point.info;
      box.appendChild(info);
    }
    return box;
  }

  function notice(element, text) {
    var note = document.createElement("p");
    note.className = "carte-notice";
    note.setAttribute("role", "status");
    note.textContent = text;
    element.parentNode.insertBefore(note, element.nextSibling);
  }

  function show(element, map, points) {
    var cluster = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false });
    var markers = [];
    points.forEach(function (point) {
      if (typeof point.lat !== "number" || typeof point.lon !== "number") { return; }
      var marker = L.marker([point.lat, point.lon], { title: point.nom, alt: point.nom, keyboard: true });
      marker.bindPopup(function () { return popup(point); });
      markers.push(marker);
    });
    cluster.addLayers(markers);
    map.addLayer(cluster);
    element.dataset.markers = String(markers.length);
    if (!element.dataset.centre && markers.length) {
      map.fitBounds(cluster.getBounds(), { padding: [24, 24], maxZoom: 14 });
    }
    element.classList.add("carte-prete");
  }

  function build(element) {
    if (!window.L || !L.markerClusterGroup) { return; }
    element.classList.add("carte-active");
    var map = L.map(element, { scrollWheelZoom: false });
    var failures = 0;
    var tiles = L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution, maxZoom: 19 });
    tiles.on("tileerror", function () {
      failures += 1;
      if (failures === 1) {
        notice(element, "Le fond de carte n'a pas pu être chargé ; les lieux restent placés sur la carte et dans la liste.");
      }
    });
    tiles.addTo(map);
    if (element.dataset.centre) {
      var centre = element.dataset.centre.split(",").map(Number);
      map.setView(centre, Number(element.dataset.zoom || 11));
      if (element.dataset.centreLabel) {
        L.circleMarker(centre, { radius: 8, color: "#8a1c12", weight: 3, fillOpacity: 0.3 })
          .bindTooltip(element.dataset.centreLabel).addTo(map);
      }
    } else {
      map.setView([46.6, 2.4], 5);
    }
    if (element.dataset.points) {
      var block = document.getElementById(element.dataset.points);
      show(element, map, block ? JSON.parse(block.textContent) : []);
    } else if (element.dataset.source) {
      fetch(element.dataset.source, { headers: { Accept: "application/json" } })
        .then(function (answer) {
          if (!answer.ok) { throw new Error(String(answer.status)); }
          return answer.json();
        })
        .then(function (points) { show(element, map, points); })
        .catch(function () { notice(element, "Les lieux n'ont pas pu être chargés sur la carte."); });
    }
  }

  document.querySelectorAll(".carte").forEach(build);
})();

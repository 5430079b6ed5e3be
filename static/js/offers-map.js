/* The map of offers and members (templates/offers/map.html), plain ES2017, no build step.
 *
 * Everything comes from the data attributes of #offers-map: the GeoJSON URLs, the tile
 * server (none when data-tile-url is empty), the base-layer files and the page's translated
 * labels. The outlines shipped with the project (countries, regions, departments) are drawn
 * first, under the tiles, so the map always has a background even when no tile server is
 * set or reachable. Data from the server is only ever written with textContent: popups,
 * labels and attributions are DOM nodes, never HTML strings. The list under the map is the
 * page's text equivalent: when anything here fails, a message says so and the list stays.
 */
(function () {
  "use strict";

  var FRANCE = [46.6, 2.4];
  var FRANCE_ZOOM = 5;
  var MAX_FIT_ZOOM = 12;
  var STYLES = {
    countries: {color: "#98a39c", weight: 0.8, fillColor: "#f3f1ea", fillOpacity: 1},
    departments: {color: "#b3bdb6", weight: 0.6, fill: false},
    regions: {color: "#6b7870", weight: 1.4, fill: false},
  };

  function text(tag, className, value) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (value !== undefined && value !== null) { node.textContent = String(value); }
    return node;
  }

  /* A label with {placeholders} filled in (the label and the values are text, not HTML). */
  function fill(label, values) {
    return String(label || "").replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  /* Leaflet writes attributions and layer names as HTML: give it escaped text. */
  function escapeHtml(value) {
    var node = document.createElement("span");
    node.textContent = String(value || "");
    return node.innerHTML;
  }

  /* A relative link from the server stays on this site; anything else is not followed. */
  function safeUrl(url) {
    if (typeof url !== "string" || !url) { return null; }
    try {
      var parsed = new URL(url, window.location.href);
      return parsed.origin === window.location.origin ? parsed.href : null;
    } catch (error) {
      return null;
    }
  }

  function fetchJson(url) {
    return fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(url + ": HTTP " + response.status); }
        return response.json();
      });
  }

  /* A FeatureCollection over its pages (next_cursor), at most maxPages of them: the
     result says whether more offers matched than the map shows. */
  function fetchPages(url, maxPages) {
    var features = [];
    function page(pageUrl, count) {
      return fetchJson(pageUrl).then(function (json) {
        features = features.concat(json && Array.isArray(json.features) ? json.features : []);
        if (json && json.next_cursor && count + 1 < maxPages) {
          var next = new URL(url, window.location.href);
          next.searchParams.set("cursor", json.next_cursor);
          return page(next.toString(), count + 1);
        }
        return {type: "FeatureCollection", features: features,
                more: Boolean(json && json.next_cursor)};
      });
    }
    return page(url, 0);
  }

  function Status(element) {
    var messages = {};
    return {
      set: function (key, message) {
        if (message) { messages[key] = message; } else { delete messages[key]; }
        element.textContent = Object.keys(messages).map(function (k) { return messages[k]; })
          .join(" ");
      },
    };
  }

  function offerPopup(props, labels) {
    var box = text("div", "map-popup");
    var title = text("p", "map-popup-title");
    var href = safeUrl(props.url);
    var name = props.title || "";
    if (href) {
      var link = text("a", null, name);
      link.href = href;
      title.appendChild(link);
    } else {
      title.textContent = name;
    }
    box.appendChild(title);
    var meta = [props.kind_label, props.price].filter(Boolean).join(" · ");
    if (meta) { box.appendChild(text("p", "map-popup-meta", meta)); }
    var who = [props.member, props.city].filter(Boolean).join(" · ");
    if (who) { box.appendChild(text("p", "map-popup-place", labels.offerOf + " " + who)); }
    return box;
  }

  function memberPopup(props) {
    var box = text("div", "map-popup");
    var title = text("p", "map-popup-title");
    var href = safeUrl(props.url);
    if (href) {
      var link = text("a", null, props.name || "");
      link.href = href;
      title.appendChild(link);
    } else {
      title.textContent = props.name || "";
    }
    box.appendChild(title);
    var meta = [props.inclusion_kind && props.inclusion_kind !== "none" ? props.inclusion_kind : "",
                props.city].filter(Boolean).join(" · ");
    if (meta) { box.appendChild(text("p", "map-popup-meta", meta)); }
    return box;
  }

  /* A cluster's icon: its count, and for screen readers what it holds and what it does. */
  function clusterIcon(className, label) {
    return function (cluster) {
      var count = cluster.getChildCount();
      var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
      var inner = text("div");
      inner.appendChild(text("span", null, count)).setAttribute("aria-hidden", "true");
      inner.appendChild(text("span", "visually-hidden", fill(label, {n: count})));
      return L.divIcon({html: inner, className: "map-cluster " + className + " map-cluster-" + size,
                        iconSize: L.point(40, 40)});
    };
  }

  function memberIcon(name, label) {
    var inner = text("span", "visually-hidden", fill(label, {name: name}));
    return L.divIcon({html: inner, className: "map-member-marker", iconSize: L.point(16, 16)});
  }

  function points(collection) {
    var features = collection && Array.isArray(collection.features) ? collection.features : [];
    return features.filter(function (f) {
      var c = f && f.geometry && f.geometry.type === "Point" && f.geometry.coordinates;
      return c && isFinite(c[0]) && isFinite(c[1]);
    });
  }

  function start(container) {
    var data = container.dataset;
    var labels = {
      offers: data.labelOffers || "Offres",
      members: data.labelMembers || "Membres",
      offerOf: data.labelOfferOf || "",
    };
    var status = Status(document.getElementById("offers-map-status") || text("p"));
    status.set("data", data.msgLoading);

    var still = Boolean(window.matchMedia &&
                        window.matchMedia("(prefers-reduced-motion: reduce)").matches);
    var map = L.map(container, {zoomControl: false, attributionControl: true,
                                center: FRANCE, zoom: FRANCE_ZOOM, minZoom: 3, maxZoom: 18,
                                zoomAnimation: !still, fadeAnimation: !still,
                                markerZoomAnimation: !still});
    L.control.zoom({zoomInTitle: data.labelZoomIn || "+", zoomOutTitle: data.labelZoomOut || "-"})
      .addTo(map);
    container.classList.add("is-ready");

    // The base layer first, under the tiles (pane z-index in map.css): always there.
    map.createPane("basemap");
    var base = {pane: "basemap", interactive: false,
                attribution: escapeHtml(data.baseAttribution)};
    var countries = L.geoJSON(null, Object.assign({style: STYLES.countries}, base)).addTo(map);
    var departments = L.geoJSON(null, Object.assign({style: STYLES.departments}, base,
                                                    {attribution: null})).addTo(map);
    var regions = L.geoJSON(null, Object.assign({style: STYLES.regions}, base,
                                                {attribution: null})).addTo(map);
    var baseLoads = [
      fetchJson(data.countriesUrl).then(function (topology) {
        countries.addData(topojson.feature(topology, topology.objects.countries));
      }),
      fetchJson(data.departmentsUrl).then(function (json) { departments.addData(json); }),
      fetchJson(data.regionsUrl).then(function (json) { regions.addData(json); }),
    ];
    Promise.all(baseLoads).then(function () {
      container.classList.add("has-basemap");
    }, function (error) {
      status.set("base", data.msgBaseError);
      if (window.console) { window.console.warn("offers map: base layer", error); }
    });

    if (data.tileUrl) {
      L.tileLayer(data.tileUrl, {attribution: escapeHtml(data.tileAttribution), maxZoom: 19})
        .addTo(map);
    }

    var offers = L.markerClusterGroup({iconCreateFunction: clusterIcon("map-cluster-offers",
                                                                      data.labelOffersCluster),
                                       showCoverageOnHover: false, animate: !still});
    var members = L.markerClusterGroup({iconCreateFunction: clusterIcon("map-cluster-members",
                                                                       data.labelMembersCluster),
                                        showCoverageOnHover: false, animate: !still});
    offers.addTo(map);
    members.addTo(map);
    var layers = {};
    layers[escapeHtml(labels.offers)] = offers;
    layers[escapeHtml(labels.members)] = members;
    var control = L.control.layers(null, layers, {collapsed: false}).addTo(map);
    var toggle = control.getContainer().querySelector(".leaflet-control-layers-toggle");
    if (toggle && data.labelLayers) {
      toggle.title = data.labelLayers;
      toggle.setAttribute("aria-label", data.labelLayers);
    }

    map.on("popupopen", function (event) {
      var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close && data.labelClose) {
        close.setAttribute("aria-label", data.labelClose);
        close.title = data.labelClose;
      }
    });

    // Offers and members load independently: one failing leaves the other on the map.
    function settle(promise) {
      return promise.then(function (json) {
        return {ok: true, points: points(json), more: Boolean(json && json.more)};
      }, function (error) {
        if (window.console) { window.console.warn("offers map", error); }
        return {ok: false, points: []};
      });
    }
    var maxPages = parseInt(data.maxPages, 10) || 1;
    Promise.all([settle(fetchPages(data.offersUrl, maxPages)), settle(fetchJson(data.membersUrl))])
      .then(function (both) {
        var offerPoints = both[0].points;
        var memberPoints = both[1].points;
        offers.addLayers(offerPoints.map(function (f) {
          var c = f.geometry.coordinates;
          var props = f.properties || {};
          var marker = L.marker([c[1], c[0]], {alt: props.title || labels.offers,
                                               title: props.title || "", zIndexOffset: 1000});
          return marker.bindPopup(offerPopup(props, labels));
        }));
        members.addLayers(memberPoints.map(function (f) {
          var c = f.geometry.coordinates;
          var props = f.properties || {};
          var icon = memberIcon(props.name || "", data.labelMemberMarker);
          return L.marker([c[1], c[0]], {icon: icon, title: props.name || ""})
            .bindPopup(memberPopup(props));
        }));
        var shown = offerPoints.length ? offers : members;
        if (offerPoints.length || memberPoints.length) {
          map.fitBounds(shown.getBounds(), {padding: [30, 30], maxZoom: MAX_FIT_ZOOM});
        }
        if (!both[0].ok || !both[1].ok) {
          status.set("data", data.msgError);
          container.classList.add("has-failed");
        } else {
          var ready = both[0].more ? data.msgMore : data.msgReady;
          status.set("data", offerPoints.length
            ? fill(ready, {offers: offerPoints.length, members: memberPoints.length})
            : data.msgEmpty);
        }
        container.classList.add("has-markers");
      });
    return map;
  }

  function init() {
    var container = document.getElementById("offers-map");
    if (!container) { return; }
    if (!window.L || !L.markerClusterGroup || !window.topojson) {
      var status = document.getElementById("offers-map-status");
      if (status) { status.textContent = container.dataset.msgError || ""; }
      return;
    }
    try {
      container.leafletMap = start(container);
    } catch (error) {
      var element = document.getElementById("offers-map-status");
      if (element) { element.textContent = container.dataset.msgError || ""; }
      if (window.console) { window.console.error("offers map", error); }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());

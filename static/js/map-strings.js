/* Leaflet and its plugins in the page's language.
 *
 * The strings come from the server (ods_platform/templatetags/map_strings.py, gettext) in
 * the json_script block #map-strings; this file puts them where Leaflet 1.9, Leaflet.draw
 * and django-leaflet look for them. It runs after those libraries and before any map is
 * made. Leaflet writes two of its strings straight into the DOM (the layer control's
 * "Layers", the popup's "Close popup"): those methods are wrapped to set ours afterwards.
 */
(function () {
  "use strict";

  var el = document.getElementById("map-strings");
  if (!el || typeof L === "undefined") { return; }
  var s = JSON.parse(el.textContent);
  var l = s.leaflet;

  function merge(target, source) {
    Object.keys(source).forEach(function (key) {
      if (source[key] && typeof source[key] === "object") {
        target[key] = target[key] || {};
        merge(target[key], source[key]);
      } else {
        target[key] = source[key];
      }
    });
  }

  L.Control.Zoom.prototype.options.zoomInTitle = l.zoomIn;
  L.Control.Zoom.prototype.options.zoomOutTitle = l.zoomOut;
  L.Marker.prototype.options.alt = l.marker;
  L.Control.Attribution.prototype.options.prefix =
    '<a href="https://leafletjs.com" title="' + l.library.replace(/"/g, "&quot;") + '">Leaflet</a>';

  var layersLayout = L.Control.Layers.prototype._initLayout;
  L.Control.Layers.prototype._initLayout = function () {
    layersLayout.apply(this, arguments);
    if (this._layersLink) {
      this._layersLink.title = l.layers;
      this._layersLink.setAttribute("aria-label", l.layers);
    }
  };

  var popupLayout = L.Popup.prototype._initLayout;
  L.Popup.prototype._initLayout = function () {
    popupLayout.apply(this, arguments);
    var close = this._closeButton;
    if (close) { close.setAttribute("aria-label", l.closePopup); close.title = l.closePopup; }
  };

  if (L.Control.ResetView) { L.Control.ResetView.TITLE = l.resetView; }
  if (L.GeometryField) { L.GeometryField.unsavedText = l.unsaved; }
  if (L.drawLocal) { merge(L.drawLocal, s.drawLocal); }
})();

"""Offline capture: the web app manifest, the service worker and the outbox page.

The service worker (static/js/sw.js, on Workbox) keeps the observation form, its scripts and
styles, and the outbox page for use without a network; the form's scenes, sub-places and
categories are in the form itself. Observations sent without a network wait in the
browser's outbox (IndexedDB, static/js/outbox.js) and are sent through the API, with their
client key, when the network is back. The worker is served from the site's root so that its
scope covers the form; it and the manifest hold no data and need no log-in.
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

# The files the form needs, kept by the worker when it is installed.
FORM_ASSETS = (
    "css/ods.css",
    "leaflet/leaflet.css",
    "leaflet/leaflet.js",
    "leaflet/images/marker-icon.png",
    "leaflet/images/marker-icon-2x.png",
    "leaflet/images/marker-shadow.png",
    "js/maps.js",
    "js/outbox.js",
    "vendor/idb-keyval/umd.js",
    "vendor/workbox-window/workbox-window.prod.umd.js",
    "img/icon.svg",
)
WORKBOX_MODULES = ("core", "routing", "strategies")


@require_GET
def service_worker(request):
    """The service worker at the site's root (its scope is where it is served from). It
    loads Workbox and the platform's worker code by their static (hashed) addresses, so a
    new release changes this script and the browser installs the new worker."""
    config = {
        "modules": {
            f"workbox-{name}": static(f"vendor/workbox-{name}/workbox-{name}.prod.js")
            for name in WORKBOX_MODULES
        },
        "assets": [static(path) for path in FORM_ASSETS],
        "pages": [reverse("scenes:observation_create"), reverse("scenes:observation_outbox")],
        "static": static(""),
    }
    body = (
        "/* ODS-plattformen: service worker (static/js/sw.js). */\n"
        f"self.ODS_OFFLINE = {json.dumps(config)};\n"
        f"importScripts({json.dumps(static('vendor/workbox-sw/workbox-sw.js'))});\n"
        f"importScripts({json.dumps(static('js/sw.js'))});\n"
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request):
    """The web app manifest: the platform installs as an app that opens the form."""
    data = {
        "name": _("ODS platform – log observation"),
        "short_name": "ODS",
        "description": _("Log observations at open drug scenes, also without a network."),
        "lang": request.LANGUAGE_CODE,
        "start_url": reverse("scenes:observation_create"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b4f6c",
        "icons": [
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("img/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@login_required
def observation_outbox(request):
    """The outbox: what this browser holds to send. The list is the browser's own (the
    server never sees an entry before it is sent), so the page is drawn by outbox.js."""
    context = {}
    if request.headers.get("X-ODS-Offline-Copy"):
        context["messages"] = ()  # the worker's copy must not take the user's messages
    context["login_url"] = reverse("account_login")
    return render(request, "scenes/observation_outbox.html", context)


@require_GET
@ensure_csrf_cookie
def outbox_session(request):
    """Who the browser is signed in as, for the outbox before it sends: entries are sent
    only by the user who logged them. Sets a fresh CSRF cookie; anonymous gets null."""
    user = request.user
    response = JsonResponse({"user": user.pk if user.is_authenticated else None})
    response["Cache-Control"] = "no-store"
    return response

"""Leaflet and its plugins in the page's language: `{% load map_strings %}{% map_strings %}`.

Leaflet 1.9, Leaflet.draw and django-leaflet's form widget carry English strings of their
own (the zoom buttons' titles, the layer control's "Layers", the drawing toolbar's "No layers
to edit.", ...). The tag writes the project's translations of them (gettext, so they live in
`locale/sv/LC_MESSAGES/django.po` with every other string) into a `json_script` block and
loads `static/js/map-strings.js`, which applies them before any map is made. Put it after
Leaflet (and after `{% leaflet_js %}` where the drawing tools are used) and before the
page's own map script. No inline script: the strict CSP holds.

Where a string is one django-leaflet also translates for itself, the msgid is the same, so
one translation serves both.
"""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html, json_script
from django.utils.translation import gettext as _

register = template.Library()


def strings() -> dict:
    """The strings, shaped as the JavaScript objects they replace."""
    return {
        "leaflet": {
            "zoomIn": _("Zoom in"),
            "zoomOut": _("Zoom out"),
            "layers": _("Layers"),
            "closePopup": _("Close popup"),
            "marker": _("Marker"),
            "resetView": _("Reset view"),
            "unsaved": _("Map geometry is unsaved"),
            "library": _("A JavaScript library for interactive maps"),
        },
        "drawLocal": {
            "draw": {
                "toolbar": {
                    "actions": {"title": _("Cancel drawing"), "text": _("Cancel")},
                    "finish": {"title": _("Finish drawing"), "text": _("Finish")},
                    "undo": {"title": _("Delete last point drawn"), "text": _("Delete last point")},
                    "buttons": {
                        "polyline": _("Draw a polyline"),
                        "polygon": _("Draw a polygon"),
                        "rectangle": _("Draw a rectangle"),
                        "circle": _("Draw a circle"),
                        "marker": _("Draw a marker"),
                        "circlemarker": _("Draw a circle marker"),
                    },
                },
                "handlers": {
                    "circle": {
                        "tooltip": {"start": _("Click and drag to draw circle.")},
                        "radius": _("Radius"),
                    },
                    "circlemarker": {"tooltip": {"start": _("Click map to place circle marker.")}},
                    "marker": {"tooltip": {"start": _("Click map to place marker.")}},
                    "polygon": {
                        "tooltip": {
                            "start": _("Click to start drawing shape."),
                            "cont": _("Click to continue drawing shape."),
                            "end": _("Click first point to close this shape."),
                        }
                    },
                    "polyline": {
                        "error": _("<strong>Error:</strong> shape edges cannot cross!"),
                        "tooltip": {
                            "start": _("Click to start drawing line."),
                            "cont": _("Click to continue drawing line."),
                            "end": _("Click last point to finish line."),
                        },
                    },
                    "rectangle": {"tooltip": {"start": _("Click and drag to draw rectangle.")}},
                    "simpleshape": {"tooltip": {"end": _("Release mouse to finish drawing.")}},
                },
            },
            "edit": {
                "toolbar": {
                    "actions": {
                        "save": {"title": _("Save changes."), "text": _("Save")},
                        "cancel": {
                            "title": _("Cancel editing, discards all changes."),
                            "text": _("Cancel"),
                        },
                        "clearAll": {"title": _("Clear all layers"), "text": _("Clear all")},
                    },
                    "buttons": {
                        "edit": _("Edit layers"),
                        "editDisabled": _("No layers to edit."),
                        "remove": _("Delete layers"),
                        "removeDisabled": _("No layers to delete."),
                    },
                },
                "handlers": {
                    "edit": {
                        "tooltip": {
                            "text": _("Drag handles, or marker to edit feature."),
                            "subtext": _("Click cancel to undo changes."),
                        }
                    },
                    "remove": {"tooltip": {"text": _("Click on a feature to remove")}},
                },
            },
        },
    }


@register.simple_tag
def map_strings():
    return format_html(
        '{}\n<script src="{}"></script>',
        json_script(strings(), "map-strings"),
        static("js/map-strings.js"),
    )

"""Values every template may use."""

from django.conf import settings


def platform(request):
    return {"map_tiles": settings.MAP_TILES_URL}

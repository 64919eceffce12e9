"""Open drug scenes, their sub-places and observations."""

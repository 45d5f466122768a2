"""Floor plans: the v1 GeoJSON format, IMDF import, validation, compile, artifacts, SVG."""

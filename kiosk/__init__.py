"""Counter kiosk for exchanging experiment points into Breka points."""

__version__ = "0.2.0"

"""Counter kiosk for exchanging experiment points into Breka points."""

__version__ = "0.1.0"

"""Counter kiosk for exchanging experiment points into Breka points."""

from kiosk.refcounts import protect_singletons

__version__ = "0.1.0"

protect_singletons()  # before pyscard or Qt run a single call (see kiosk.refcounts)

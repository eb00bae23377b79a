"""CLI verbs of the demo parts, registered with `kiosk` through the `kiosk.commands` entry points."""

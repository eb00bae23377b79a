"""CLI verbs; the list of them is kiosk.cli.COMMANDS."""

"""Entry point of the frozen kiosk (PyInstaller): the same `kiosk` command line."""

import multiprocessing

from kiosk.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    raise SystemExit(main())

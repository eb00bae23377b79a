import subprocess
import sys

import pytest

from kiosk.refcounts import RESERVE


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="immortal singletons from Python 3.12")
def test_importing_kiosk_gives_the_singletons_their_reserve():
    out = subprocess.run([sys.executable, "-c", "import sys, kiosk; print(sys.getrefcount(None), "
                          "sys.getrefcount(True), sys.getrefcount(False))"], capture_output=True, text=True)
    assert all(int(n) > RESERVE for n in out.stdout.split())


def test_the_reserve_is_applied_once_per_process():
    from kiosk.refcounts import protect_singletons

    before = sys.getrefcount(None)
    assert protect_singletons() is False  # already done at import (or not needed)
    assert sys.getrefcount(None) - before < 10

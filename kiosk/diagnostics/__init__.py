"""`kiosk doctor`'s checks: small modules, each returning CheckResults for one concern.

Every check is time-bounded (PC/SC calls never wait, network calls use the configured
cloud timeout without retries, subprocesses have a timeout) and never changes anything:
no PIN is verified, only the JPKI application of a My Number Card is selected, the
database is only read and checked.
"""

from kiosk.diagnostics.base import CheckResult, Environment, run_all

__all__ = ["CheckResult", "Environment", "run_all"]

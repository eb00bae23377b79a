"""The cloud client, built at its first call: `requests` and its ~0.1 s of imports stay off
the way to the first screen (`kiosk run` shows it before any cloud call). The terminal
secret is read at once, so a missing one still stops the start where it did."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.config import Config
    from kiosk.sync.cloud import CloudClient


class LazyCloudClient:
    def __init__(self, cfg: Config) -> None:
        from kiosk.secrets import Secret, require_secret

        require_secret(Secret.TERMINAL_SECRET)  # raises SecretError now, not at the first tap
        self._cfg = cfg
        self._client: CloudClient | None = None
        self._interrupted = False
        self._lock = threading.Lock()

    @property
    def client(self) -> CloudClient:
        with self._lock:
            if self._client is None:
                from kiosk.sync.cloud import CloudClient

                self._client = CloudClient.from_config(self._cfg)
                if self._interrupted:
                    self._client.interrupt()
            return self._client

    def __getattr__(self, name: str) -> Any:  # everything else is the real client's
        return getattr(self.client, name)

    def interrupt(self) -> None:
        with self._lock:
            self._interrupted, client = True, self._client
        if client is not None:
            client.interrupt()

    def resume(self) -> None:
        with self._lock:
            self._interrupted, client = False, self._client
        if client is not None:
            client.resume()

    def close(self) -> None:
        with self._lock:
            client = self._client
        if client is not None:
            client.close()

"""A delaying TCP proxy on loopback: the kiosk's view of a cloud across the internet.

Each chunk is forwarded after half the round-trip time (plus jitter), in order per
direction; a "lost" chunk arrives after a retransmission timeout (max(200 ms, 3 × RTT)).
A new connection first costs one round trip (the TCP handshake). TLS passes through
untouched, so its handshakes cost what they cost. The proxy also notes every client
flight (data sent after the server last spoke, or a new connection): the round trips,
counted between two instants by `round_trips(t0, t1)`.
"""

from __future__ import annotations

import asyncio
import bisect
import random
import threading
import time
from urllib.parse import urlsplit, urlunsplit


class WanProxy:
    def __init__(
        self, upstream: str, rtt_ms: float, jitter_ms: float = 0.0, loss: float = 0.0, seed: int | None = None
    ) -> None:
        parts = urlsplit(upstream)
        self.upstream_url, self.host, self.upstream_port = upstream, parts.hostname or "127.0.0.1", parts.port
        self.rtt, self.jitter, self.loss = rtt_ms / 1000, jitter_ms / 1000, loss
        self.rto = max(0.2, 3 * self.rtt)
        self._random = random.Random(seed)
        self._flights: list[float] = []  # time.monotonic() of each client flight
        self._lock = threading.Lock()
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None

    # -- control (any thread) ----------------------------------------------------------
    def start(self) -> WanProxy:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), name="wan-proxy", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the WAN proxy did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    @property
    def url(self) -> str:
        """The upstream URL with the proxy's port: what the kiosk is told to call."""
        parts = urlsplit(self.upstream_url)
        return urlunsplit(parts._replace(netloc=f"{self.host}:{self.port}"))

    def round_trips(self, t0: float, t1: float) -> int:
        """Client flights (round trips) that began in [t0, t1) (time.monotonic())."""
        with self._lock:
            return bisect.bisect_left(self._flights, t1) - bisect.bisect_left(self._flights, t0)

    def __enter__(self) -> WanProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the loop ----------------------------------------------------------------------
    def _serve(self, ready: threading.Event) -> None:
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)  # this thread's loop (gather at shutdown looks it up)
        self._server = loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        ready.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            tasks = asyncio.all_tasks(loop)  # open connections: end them before the loop closes
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.close()

    def _flight(self) -> None:
        with self._lock:
            self._flights.append(time.monotonic())

    def _delay(self) -> float:
        d = self.rtt / 2 + (self._random.uniform(-self.jitter, self.jitter) / 2 if self.jitter else 0.0)
        if self.loss and self._random.random() < self.loss:
            d += self.rto
        return max(d, 0.0)

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self._flight()  # the TCP handshake: SYN out, SYN-ACK back
        try:
            server_r, server_w = await asyncio.open_connection(self.host, self.upstream_port)
        except OSError:
            client_w.close()
            return
        turn = {"last": "server"}  # the client's first data is a new flight
        try:
            await asyncio.gather(
                self._pipe(client_r, server_w, "client", turn, first_extra=self.rtt),
                self._pipe(server_r, client_w, "server", turn),
                return_exceptions=True,
            )
        except asyncio.CancelledError:  # the proxy stops: end quietly (asyncio logs a cancelled handler)
            client_w.close()
            server_w.close()

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        side: str,
        turn: dict,
        first_extra: float = 0.0,
    ) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                at, data = await queue.get()
                wait = at - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    writer.close()
                    return
                writer.write(data)
                await writer.drain()

        sender = asyncio.create_task(deliver())
        last, extra = 0.0, first_extra
        try:
            while True:
                data = await reader.read(65536)
                if data and side == "client" and turn["last"] != "client":
                    self._flight()
                if data:
                    turn["last"] = side
                at = max(last, loop.time() + self._delay() + extra)
                last, extra = at, 0.0
                queue.put_nowait((at, data))
                if not data:
                    break
        except (ConnectionError, OSError):
            queue.put_nowait((last, b""))
        await sender

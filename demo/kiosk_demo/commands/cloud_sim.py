"""`kiosk cloud-sim`: run the point cloud simulator (loopback HTTP server, SQLite storage).

For the demo, training and tests; the kiosk itself never starts it. `--write-openapi`
writes the interface document (resources/openapi.json) from the server's own routes.
"""

from __future__ import annotations

import sys
from pathlib import Path

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


KEEP_ALIVE_S = 120  # docs/cloud-api.md: the cloud keeps idle connections at least this long


def add_parser(sub) -> None:
    p = sub.add_parser("cloud-sim", help="ポイントクラウドのシミュレータ / run the point cloud simulator")
    p.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="TCP port (default 8765, as cloud.url)")
    p.add_argument("--db", type=Path, metavar="FILE", help="SQLite file (default: the data directory)")
    p.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="DIR_OR_PEM",
        help="JPKI trust anchors: a test-CA directory or PEM file (repeatable)",
    )
    p.add_argument("--validity-days", type=int, default=100, help="days an experiment-point lot stays usable")
    p.add_argument(
        "--validity-counting",
        choices=["exclude_issue_day", "include_issue_day"],
        default="exclude_issue_day",
        help="whether the issue day counts (rules.md)",
    )
    p.add_argument("--tls-cert", type=Path, help="serve HTTPS with this PEM certificate")
    p.add_argument("--tls-key", type=Path, help="private key of --tls-cert")
    p.add_argument("--write-openapi", type=Path, metavar="PATH", help="write the OpenAPI document and exit")
    p.set_defaults(func=run, needs_config=False)


def run(args) -> int:
    from kiosk.cli import UsageError

    if args.write_openapi:
        from kiosk_demo.cloud.app import openapi_text

        args.write_openapi.write_text(openapi_text(), encoding="utf-8")
        return 0
    if args.host not in LOOPBACK:
        raise UsageError(
            f"シミュレータはループバックでのみ動きます / the simulator listens on loopback only, not {args.host!r}"
        )
    if not 0 <= args.port <= 65535:
        raise UsageError(f"ポート番号が不正です / --port must be 0 to 65535, got {args.port}")
    if (args.tls_cert is None) != (args.tls_key is None):
        raise UsageError("--tls-cert と --tls-key は両方必要です / give both --tls-cert and --tls-key")
    import uvicorn

    from kiosk.config import data_dir
    from kiosk.rules import ValidityRule
    from kiosk_demo.children import watch_parent
    from kiosk_demo.cloud.app import asgi, create_app

    db = args.db or data_dir() / "cloud-sim.sqlite3"
    db.parent.mkdir(parents=True, exist_ok=True)
    try:
        validity = ValidityRule(args.validity_days, args.validity_counting)
        app = create_app(db, args.trust, validity)
    except (ValueError, FileNotFoundError) as exc:
        raise UsageError(f"シミュレータを起動できません / cannot start the simulator: {exc}") from exc
    anchors = len(app.state.ctx.trust.anchors)
    scheme = "https" if args.tls_cert else "http"
    watch_parent()  # started by the demo or a test: end with it, even after a SIGKILL of the parent
    print(f"cloud-sim: {scheme}://{args.host}:{args.port} db={db} trust_anchors={anchors}", file=sys.stderr, flush=True)
    uvicorn.run(
        asgi(app),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
        # Idle connections stay open across a citizen's PIN and amount entry, so the calls
        # after them reuse the connection instead of paying TCP and TLS handshakes again.
        timeout_keep_alive=KEEP_ALIVE_S,
        ssl_certfile=str(args.tls_cert) if args.tls_cert else None,
        ssl_keyfile=str(args.tls_key) if args.tls_key else None,
    )
    return 0

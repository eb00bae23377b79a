"""The point cloud simulator: a real HTTP server (FastAPI + uvicorn) over SQLite.

Files: app (assembly, OpenAPI), routes_v1 / routes_sim (HTTP), pipeline (auth +
idempotency + transaction per call), auth / trust (terminal and holder), exchanges
(ledger), settlements, reports, faults, gzip_body, clock, db, models, errors.
"""

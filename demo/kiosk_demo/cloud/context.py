"""What every route needs: the store, the pipeline, the trust anchors, the rules, the faults."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from kiosk.rules import ValidityRule
from kiosk_demo.cloud.db import Database
from kiosk_demo.cloud.faults import FaultBook
from kiosk_demo.cloud.pipeline import Pipeline
from kiosk_demo.cloud.trust import TrustStore


@dataclass
class Context:
    db: Database
    pipeline: Pipeline
    trust: TrustStore
    validity: ValidityRule
    faults: FaultBook


def get_context(request: Request) -> Context:
    return request.app.state.ctx

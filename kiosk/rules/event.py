"""The special-support event (特定支援イベント) during which points are issued.

Points are issued only while the event runs; once issued they stay usable until
their own expiry even after the event closes (policy 8(2)).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class EventPeriod:
    event_id: str
    issue_from: datetime  # inclusive
    issue_until: datetime  # exclusive

    def __post_init__(self) -> None:
        if not self.issue_from < self.issue_until:
            raise ValueError(f"event {self.event_id}: issue_from must be before issue_until")

    def is_issuing(self, now: datetime) -> bool:
        return self.issue_from <= now < self.issue_until

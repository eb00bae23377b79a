"""Schema migrations, from the first release on. Append only: never edit a released step.

PRAGMA user_version holds how many steps have run.
"""

from __future__ import annotations

MIGRATIONS: list[list[str]] = [
    # 1: the first release.
    [
        """CREATE TABLE exchanges (
            exchange_id   TEXT PRIMARY KEY,       -- UUID: cloud idempotency key and the card's load id
            state         TEXT NOT NULL,
            created_at    TEXT NOT NULL,
            updated_at    TEXT NOT NULL,
            event_id      TEXT NOT NULL,
            mykey_id      TEXT,
            points        INTEGER,
            fee           INTEGER,
            loaded        INTEGER,
            card_uid      TEXT,                   -- legacy: raw UID before migration 3 (card_ref now)
            card_ref      TEXT,
            balance_before INTEGER,
            balance_after  INTEGER,
            cancel_reason TEXT,
            last_error    TEXT
        )""",
        "CREATE INDEX exchanges_open ON exchanges(state)",
        """CREATE TABLE journal (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            exchange_id   TEXT NOT NULL REFERENCES exchanges(exchange_id),
            at            TEXT NOT NULL,
            step          TEXT NOT NULL,
            detail        TEXT NOT NULL DEFAULT '{}'
        )""",
        "CREATE INDEX journal_by_exchange ON journal(exchange_id, id)",
        """CREATE TABLE outbox (
            seq           INTEGER PRIMARY KEY,    -- gapless per terminal, from 1
            record_id     TEXT NOT NULL UNIQUE,
            exchange_id   TEXT NOT NULL UNIQUE REFERENCES exchanges(exchange_id),
            record        TEXT NOT NULL,          -- canonical JSON incl. hash and signature
            hash          TEXT NOT NULL,
            created_at    TEXT NOT NULL,
            sent_at       TEXT,
            outcome       TEXT                    -- accepted | duplicate | rejected:<code>
        )""",
        "CREATE INDEX outbox_unsent ON outbox(outcome, seq)",
        """CREATE TABLE audit (
            seq           INTEGER PRIMARY KEY,
            at            TEXT NOT NULL,
            actor         TEXT NOT NULL,          -- system | clerk | technician
            action        TEXT NOT NULL,
            detail        TEXT NOT NULL,
            prev_hash     TEXT NOT NULL,
            hash          TEXT NOT NULL
        )""",
        """CREATE TABLE settings (
            key           TEXT PRIMARY KEY,
            value         TEXT NOT NULL
        )""",
    ],
    # 2: bounded, visible upload retries (kiosk outbox status).
    [
        "ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE outbox ADD COLUMN last_error TEXT",
    ],
    # 3: cards are known by their keyed hash (card_ref) only: raw UIDs go wherever the
    # hash is already there (a row still waiting for its card keeps its UID until settled).
    [
        "UPDATE exchanges SET card_uid = NULL WHERE card_ref IS NOT NULL",
        """UPDATE journal SET detail = json_remove(detail, '$.card_uid')
           WHERE json_extract(detail, '$.card_uid') IS NOT NULL
             AND exchange_id IN (SELECT exchange_id FROM exchanges WHERE card_ref IS NOT NULL)""",
    ],
    # 4: the newest load on the card's log when a load's intent was journaled ('' = the log was
    # empty): a load absent from the log proves "not loaded" only while the log still reaches
    # back to it (the log keeps 10 loads; other terminals may have pushed ours out).
    ["ALTER TABLE exchanges ADD COLUMN log_anchor TEXT"],
    # 5: the office's books (issue 16): the claim register and anonymous visit counts.
    [
        """CREATE TABLE claims (
            number        TEXT PRIMARY KEY,       -- claim.number_prefix + YYYY-NNNN, kept on reissue
            first_month   TEXT NOT NULL,          -- YYYY-MM (JST), whole months
            last_month    TEXT NOT NULL,
            amount        INTEGER NOT NULL,       -- yen claimed = experiment points used (net)
            fee           INTEGER NOT NULL,
            loaded        INTEGER NOT NULL,
            reconciled    INTEGER NOT NULL,       -- 0: made without the cloud (未照合)
            issued_at     TEXT NOT NULL,          -- first issue
            reissued_at   TEXT,                   -- last reissue (再発行), NULL if never
            reissues      INTEGER NOT NULL DEFAULT 0,
            sent_on       TEXT,                   -- YYYY-MM-DD the claim went to the city
            paid_on       TEXT,                   -- YYYY-MM-DD the city paid
            UNIQUE (first_month, last_month)
        )""",
        """CREATE TABLE visits (
            month         TEXT NOT NULL,          -- YYYY-MM (JST): nothing finer is kept
            outcome       TEXT NOT NULL,
            count         INTEGER NOT NULL,
            PRIMARY KEY (month, outcome)
        )""",
    ],
    # 6: reserved points assigned at the counter: the Idempotency-Key journalled before the call.
    [
        """CREATE TABLE reserved_assignments (
            key           TEXT PRIMARY KEY,       -- the cloud call's Idempotency-Key
            created_at    TEXT NOT NULL,
            updated_at    TEXT NOT NULL,
            event_id      TEXT NOT NULL,
            mykey_id      TEXT NOT NULL,
            points        INTEGER NOT NULL CHECK (points > 0),
            state         TEXT NOT NULL CHECK (state IN ('requested', 'assigned', 'refused')),
            lot_id        TEXT,
            last_error    TEXT
        )""",
    ],
    # 7: MyKey ID set-ups at the counter (issue 18): the Idempotency-Key journalled before the
    # call. No MyKey ID and no certificate here: only settlement records keep the MyKey ID.
    [
        """CREATE TABLE mykey_setups (
            key           TEXT PRIMARY KEY,       -- the cloud call's Idempotency-Key
            created_at    TEXT NOT NULL,
            updated_at    TEXT NOT NULL,
            state         TEXT NOT NULL CHECK (state IN ('requested', 'created', 'refused')),
            last_error    TEXT
        )""",
    ],
]

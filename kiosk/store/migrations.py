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
    # 7: staff by name: each clerk and technician signs in with a PIN of their own, so every
    # clerk action names the person (kiosk.ui.staff_accounts). Disabled, never deleted.
    [
        """CREATE TABLE staff (
            staff_id      TEXT PRIMARY KEY,
            display_name  TEXT NOT NULL,
            role          TEXT NOT NULL CHECK (role IN ('clerk', 'technician')),
            pin           TEXT,                   -- scrypt2 hash, as kiosk.ui.staff_auth
            failures      INTEGER NOT NULL DEFAULT 0,
            next_try      REAL NOT NULL DEFAULT 0,
            active        INTEGER NOT NULL DEFAULT 1,
            created_at    TEXT NOT NULL
        )""",
        # Corrections (kiosk.exchange.reversal): a committed exchange reversed the same day. Its
        # steps have a journal of their own (the exchange's steps stay as they were).
        """CREATE TABLE reversals (
            reversal_id   TEXT PRIMARY KEY,       -- UUID: the card record's load_id, the cloud's key
            exchange_id   TEXT NOT NULL REFERENCES exchanges(exchange_id),
            state         TEXT NOT NULL,
            created_at    TEXT NOT NULL,
            updated_at    TEXT NOT NULL,
            clerk         TEXT NOT NULL,          -- staff id
            reason        TEXT NOT NULL,
            unloaded      INTEGER NOT NULL,       -- Breka points taken back from the card
            card_ref      TEXT NOT NULL,
            balance_before INTEGER,
            balance_after  INTEGER,
            last_error    TEXT
        )""",
        "CREATE INDEX reversals_by_exchange ON reversals(exchange_id)",
        """CREATE TABLE reversal_journal (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            reversal_id   TEXT NOT NULL REFERENCES reversals(reversal_id),
            at            TEXT NOT NULL,
            step          TEXT NOT NULL,
            detail        TEXT NOT NULL DEFAULT '{}'
        )""",
        # A settlement record now has a kind (exchange | reversal): one of each per exchange at
        # most, so the outbox's one-record-per-exchange rule becomes one per (exchange, kind).
        # SQLite cannot drop a UNIQUE constraint in place: the table is rebuilt, rows kept.
        """CREATE TABLE outbox_kinds (
            seq           INTEGER PRIMARY KEY,
            record_id     TEXT NOT NULL UNIQUE,
            exchange_id   TEXT NOT NULL REFERENCES exchanges(exchange_id),
            kind          TEXT NOT NULL DEFAULT 'exchange' CHECK (kind IN ('exchange', 'reversal')),
            record        TEXT NOT NULL,
            hash          TEXT NOT NULL,
            created_at    TEXT NOT NULL,
            sent_at       TEXT,
            outcome       TEXT,
            attempts      INTEGER NOT NULL DEFAULT 0,
            last_error    TEXT,
            UNIQUE (exchange_id, kind)
        )""",
        """INSERT INTO outbox_kinds(seq, record_id, exchange_id, kind, record, hash, created_at, sent_at, outcome,
               attempts, last_error)
           SELECT seq, record_id, exchange_id, 'exchange', record, hash, created_at, sent_at, outcome, attempts,
               last_error FROM outbox""",
        "DROP TABLE outbox",
        "ALTER TABLE outbox_kinds RENAME TO outbox",
        "CREATE INDEX outbox_unsent ON outbox(outcome, seq)",
    ],
    # 8: a database years old stays fast (docs/performance.md, aged database): the clerk
    # screen's today and alerts, the open exchanges, the outbox status and the monthly
    # report read indexes instead of the whole history.
    [
        "DROP INDEX IF EXISTS exchanges_open",
        "CREATE INDEX exchanges_by_state ON exchanges(state, created_at)",
        "CREATE INDEX audit_by_action ON audit(action, seq)",
        "CREATE INDEX outbox_status ON outbox(outcome, attempts, created_at)",
        "CREATE INDEX outbox_errors ON outbox(sent_at, seq) WHERE last_error IS NOT NULL",
        # The record's occurred_at beside it, for the monthly report (a damaged record: NULL).
        "ALTER TABLE outbox ADD COLUMN occurred_at TEXT",
        """UPDATE outbox SET occurred_at =
           CASE WHEN json_valid(record) THEN json_extract(record, '$.occurred_at') END""",
        "CREATE INDEX outbox_by_occurred ON outbox(occurred_at)",
    ],
    # 9: MyKey ID set-ups at the counter (issue 18): the Idempotency-Key journalled before the
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
    # Corrections get the load's log anchor (see migration 4): the newest record on the card's
    # log when the reversal's intent was journalled ('' = empty; NULL = not known, from before).
    # A torn debit absent from the log proves "not debited" only while the log reaches back.
    ["ALTER TABLE reversals ADD COLUMN log_anchor TEXT"],
]

-- Version 1 of the adapter's PostgreSQL store (issue 13): the outbox of
-- work-order attempts and MIDAS updates, the Idempotency-Keys, and the row
-- /ready writes. Applied once, under the migration advisory lock, in one
-- transaction, by whichever instance starts first (adapter/store/pg_schema.h).
-- Times are Unix milliseconds (the adapter's clock, as in the SQLite store).

CREATE TABLE outbox (
  id               BIGSERIAL PRIMARY KEY,
  correlation_id   TEXT     NOT NULL,
  telephone_number TEXT     NOT NULL,
  account_number   TEXT     NOT NULL,
  site_reference   INTEGER  NOT NULL,
  work_order       TEXT     NOT NULL,  -- attempting | created | failed | unknown
  status           TEXT,               -- the MIDAS migration status to deliver
  order_number     TEXT,
  reason           TEXT,
  delivery         TEXT     NOT NULL,  -- waiting | pending | delivered | dead | superseded
  attempts         INTEGER  NOT NULL DEFAULT 0,
  created_ms       BIGINT   NOT NULL,
  pending_since_ms BIGINT   NOT NULL DEFAULT 0,
  next_attempt_ms  BIGINT,             -- NULL while the synchronous attempt runs
  last_error       TEXT,
  sequence         BIGINT   NOT NULL DEFAULT 0,  -- newest truth wins: assigned when the outcome is recorded
  superseded_by    BIGINT,
  -- Which instance holds the entry (its request is running, or its relay
  -- claimed it for delivery) and until when; past that, any instance takes over.
  owner            TEXT,
  lease_until_ms   BIGINT
);
CREATE INDEX outbox_due ON outbox (delivery, next_attempt_ms);
CREATE INDEX outbox_customer ON outbox (telephone_number, account_number, site_reference, delivery);
CREATE INDEX outbox_attempting ON outbox (lease_until_ms) WHERE work_order = 'attempting';
CREATE SEQUENCE outbox_sequence;

CREATE TABLE idempotency (
  key            TEXT    PRIMARY KEY,
  fingerprint    TEXT    NOT NULL,
  state          TEXT    NOT NULL,  -- running | done
  http_status    INTEGER,
  body           BYTEA,             -- the answer as sent, byte for byte
  created_ms     BIGINT  NOT NULL,
  expires_ms     BIGINT  NOT NULL,
  owner          TEXT,              -- the instance running the request
  lease_until_ms BIGINT             -- past it (state running), the owner is taken for dead
);
CREATE INDEX idempotency_expiry ON idempotency (expires_ms);

CREATE TABLE store_health (
  instance   TEXT   PRIMARY KEY,
  checked_ms BIGINT NOT NULL
);

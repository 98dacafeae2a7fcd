-- Version 3 of the adapter's PostgreSQL store (issue 15): the W3C trace
-- context of the request that journalled an entry (traceparent, then a space
-- and tracestate when there is one), so that a redelivery by the relay carries
-- the original trace id. '' for entries from before: none.

ALTER TABLE outbox ADD COLUMN trace_context TEXT NOT NULL DEFAULT '';

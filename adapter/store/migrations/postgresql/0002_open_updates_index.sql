-- Version 2 (issue 13, the benchmark): the supersede step of every recorded
-- outcome looks for the customer's open updates (delivery pending or dead).
-- outbox_customer also holds every superseded row (kept for audit) and the
-- dead index entries each state change leaves, so for a customer with many
-- requests that step read them all (0.77 ms of the server's time a request,
-- pg_stat_statements, one customer at 64 connections). This index holds the
-- open updates only: the step reads a few entries.
CREATE INDEX outbox_customer_open ON outbox (telephone_number, account_number, site_reference)
  WHERE delivery IN ('pending', 'dead');

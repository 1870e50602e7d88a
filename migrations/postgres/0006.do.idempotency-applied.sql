-- When the claiming request's writes committed, in their own transaction: a claim whose
-- writes are in but whose answer never was (the process died in between) must not run again.
ALTER TABLE idempotency_keys ADD COLUMN applied_at TIMESTAMPTZ(3);

-- Catalog entries as they were when deleted, so that point-in-time answers still show the
-- services a customer had then. The live table keeps only the present catalog: every
-- present-time read, the key's uniqueness and the pivot's foreign key stay as they were.
-- Ids are never handed out again (AUTOINCREMENT), so an id names one entry, live or deleted.
-- Entries deleted before this migration are gone; their history keeps their key.
CREATE TABLE deleted_customer_services (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 100),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  name_folded TEXT NOT NULL,
  description TEXT,
  can_be_enabled INTEGER NOT NULL CHECK (can_be_enabled IN (0, 1)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  deleted_at TEXT NOT NULL
);

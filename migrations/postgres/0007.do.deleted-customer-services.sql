-- Catalog entries as they were when deleted, so that point-in-time answers still show the
-- services a customer had then. The live table keeps only the present catalog: every
-- present-time read, the key's uniqueness and the pivot's foreign key stay as they were.
-- Identity values are never handed out again, so an id names one entry, live or deleted.
-- Entries deleted before this migration are gone; their history keeps their key.
CREATE TABLE deleted_customer_services (
  id INTEGER PRIMARY KEY,
  key VARCHAR(100) COLLATE "C" NOT NULL CHECK (length(key) >= 1),
  name VARCHAR(255) COLLATE "C" NOT NULL CHECK (length(name) >= 1),
  name_folded TEXT COLLATE "C" NOT NULL,
  description TEXT,
  can_be_enabled BOOLEAN NOT NULL,
  created_at TIMESTAMPTZ(3) NOT NULL,
  updated_at TIMESTAMPTZ(3) NOT NULL,
  deleted_at TIMESTAMPTZ(3) NOT NULL
);

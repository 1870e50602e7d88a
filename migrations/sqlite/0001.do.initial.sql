-- Timestamps are ISO-8601 UTC text written by the application; flags are 0/1.
-- AUTOINCREMENT keeps ids of deleted rows from being handed out again.
CREATE TABLE customers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  name_folded TEXT NOT NULL,
  customer_account TEXT UNIQUE,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE INDEX customers_name_folded_index ON customers (name_folded, name, id);

CREATE TABLE customer_services (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 100),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  name_folded TEXT NOT NULL,
  description TEXT,
  can_be_enabled INTEGER NOT NULL DEFAULT 0 CHECK (can_be_enabled IN (0, 1)),
  customers_count INTEGER NOT NULL DEFAULT 0 CHECK (customers_count >= 0),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE INDEX customer_services_name_folded_index ON customer_services (name_folded, name, id);

CREATE TABLE customer_customer_service (
  customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  customer_service_id INTEGER NOT NULL REFERENCES customer_services (id) ON DELETE RESTRICT,
  version TEXT CHECK (version IS NULL OR length(version) <= 50),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (customer_id, customer_service_id)
) WITHOUT ROWID;

CREATE INDEX customer_customer_service_service_index ON customer_customer_service (customer_service_id, customer_id);

CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  email TEXT NOT NULL UNIQUE,
  password TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  expires_at TEXT NOT NULL
);

CREATE INDEX api_tokens_user_id_index ON api_tokens (user_id);

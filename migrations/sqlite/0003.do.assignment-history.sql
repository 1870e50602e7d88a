-- Every change to a customer's services, appended in the transaction that makes it.
-- No foreign keys: history outlives the customers and services it names.
CREATE TABLE assignment_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id INTEGER NOT NULL,
  customer_service_id INTEGER NOT NULL,
  service_key TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('attached', 'detached', 'updated')),
  version_before TEXT,
  version_after TEXT,
  user_id INTEGER,
  token_id INTEGER,
  reason TEXT CHECK (length(reason) <= 255),
  created_at TEXT NOT NULL
);

CREATE INDEX assignment_history_customer_index ON assignment_history (customer_id, id);

CREATE INDEX assignment_history_service_index ON assignment_history (customer_service_id, id);

-- The outbox other systems follow: ids are handed out, and committed, in order.
CREATE TABLE change_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at TEXT NOT NULL
);

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

-- Assignments made before history began: one attach each, at the time it was made, with
-- the version it has now (earlier version changes were not recorded and stay unknown).
-- Point-in-time answers and set versions then hold for them too. No events: consumers start
-- from the current state.
INSERT INTO assignment_history (customer_id, customer_service_id, service_key, action, version_before, version_after, reason, created_at)
SELECT p.customer_id, p.customer_service_id, s.key, 'attached', NULL, p.version,
  'Recorded when history began: attached at this time; earlier version changes are unknown.', p.created_at
FROM customer_customer_service p
JOIN customer_services s ON s.id = p.customer_service_id
ORDER BY p.created_at, p.customer_id, p.customer_service_id;

-- The first answer to a request sent with an Idempotency-Key, kept per token for 24 hours and
-- replayed to its retries. A row without a status is a claim: the request is being answered.
-- No foreign key: token ids are never handed out again, and rows go once expired anyway.
-- Keys compare byte for byte ("C"), as on SQLite.
CREATE TABLE idempotency_keys (
  token_id INTEGER NOT NULL,
  key VARCHAR(255) COLLATE "C" NOT NULL CHECK (length(key) >= 1),
  fingerprint CHAR(64) NOT NULL,
  status SMALLINT CHECK (status IS NULL OR status BETWEEN 200 AND 499),
  headers TEXT,
  body TEXT,
  created_at TIMESTAMPTZ(3) NOT NULL,
  expires_at TIMESTAMPTZ(3) NOT NULL,
  PRIMARY KEY (token_id, key)
);

CREATE INDEX idempotency_keys_expires_at_index ON idempotency_keys (expires_at);

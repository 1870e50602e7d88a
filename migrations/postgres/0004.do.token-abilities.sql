-- A token's abilities follow from whom it was issued for: no customer, an admin token
-- (every token issued before this migration, and every login); a customer, a token
-- limited to that customer ("customer:{id}"), which dies with the customer.
ALTER TABLE api_tokens ADD COLUMN customer_id INTEGER REFERENCES customers (id) ON DELETE CASCADE;

ALTER TABLE api_tokens ADD COLUMN name VARCHAR(255);

CREATE INDEX api_tokens_customer_id_index ON api_tokens (customer_id);

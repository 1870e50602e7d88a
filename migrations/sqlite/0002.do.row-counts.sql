-- Exact row counts of the tables lists page through, kept by the transactions that
-- insert and delete rows: an unfiltered page's total without counting every row.
CREATE TABLE row_counts (
  table_name TEXT PRIMARY KEY,
  row_count INTEGER NOT NULL CHECK (row_count >= 0)
);

INSERT INTO row_counts (table_name, row_count) SELECT 'customers', count(*) FROM customers;

INSERT INTO row_counts (table_name, row_count) SELECT 'customer_services', count(*) FROM customer_services;

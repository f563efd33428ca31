-- SQLite: .import the orders CSV (text) into a staging table, convert into the typed
-- table (ts: Unix seconds, money: integer 1/10000 units, exact), then index.
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE orders (
  seq INTEGER PRIMARY KEY, id TEXT NOT NULL, ts INTEGER NOT NULL, customer TEXT NOT NULL,
  amount INTEGER NOT NULL, qty INTEGER, sku TEXT, cost INTEGER,
  region TEXT, rep TEXT, channel TEXT);
.import --csv --schema temp @FILE@ orders_csv
INSERT INTO orders(id, ts, customer, amount, qty, sku, cost, region, rep, channel)
SELECT id, unixepoch(ts), customer, CAST(round(amount * 10000) AS INTEGER),
       coalesce(CAST(nullif(qty, '') AS INTEGER), 1), nullif(sku, ''),
       CAST(round(nullif(cost, '') * 10000) AS INTEGER),
       nullif(region, ''), nullif(rep, ''), nullif(channel, '')
FROM temp.orders_csv;
DROP TABLE temp.orders_csv;
CREATE INDEX orders_customer_ts ON orders(customer, ts);
CREATE INDEX orders_ts ON orders(ts);
ANALYZE orders;

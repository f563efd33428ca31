-- SQLite: a further batch of orders, appended with its indexes maintained
PRAGMA synchronous = NORMAL;
.import --csv --schema temp @FILE@ orders_csv
INSERT INTO orders(id, ts, customer, amount, qty, sku, cost, region, rep, channel)
SELECT id, unixepoch(ts), customer, CAST(round(amount * 10000) AS INTEGER),
       coalesce(CAST(nullif(qty, '') AS INTEGER), 1), nullif(sku, ''),
       CAST(round(nullif(cost, '') * 10000) AS INTEGER),
       nullif(region, ''), nullif(rep, ''), nullif(channel, '')
FROM temp.orders_csv;
DROP TABLE temp.orders_csv;

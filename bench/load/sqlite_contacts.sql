-- SQLite: the contacts CSV, as for orders; seq (the rowid) keeps arrival order
PRAGMA synchronous = NORMAL;
CREATE TABLE contacts (
  seq INTEGER PRIMARY KEY, id TEXT NOT NULL, ts INTEGER NOT NULL, customer TEXT NOT NULL,
  channel TEXT NOT NULL, stage TEXT, next_followup INTEGER, reason TEXT, rep TEXT);
.import --csv --schema temp @FILE@ contacts_csv
INSERT INTO contacts(id, ts, customer, channel, stage, next_followup, reason, rep)
SELECT id, unixepoch(ts), customer, channel, nullif(stage, ''),
       CASE WHEN next_followup <> '' THEN unixepoch(next_followup) END,
       nullif(reason, ''), nullif(rep, '')
FROM temp.contacts_csv;
DROP TABLE temp.contacts_csv;
CREATE INDEX contacts_customer_ts ON contacts(customer, ts);
CREATE INDEX contacts_ts ON contacts(ts);
ANALYZE contacts;

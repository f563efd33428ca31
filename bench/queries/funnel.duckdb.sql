-- the sales funnel: every customer with a contact before T; stage() = stage of the latest
-- contact that has one (ties: ingested last = highest rowid), 'new' if none;
-- followup_overdue() = the latest contact (same ties) has a next_followup < T
WITH p AS (  -- T: the first second after the newest event in the store (orders or contacts)
  SELECT greatest((SELECT max(ts) FROM orders), (SELECT max(ts) FROM contacts)) + INTERVAL 1 SECOND AS T
),
lc AS (SELECT customer, ts, rowid AS seq, stage, next_followup FROM contacts, p WHERE ts < T),
la AS (
  SELECT customer, next_followup FROM lc
  QUALIFY row_number() OVER (PARTITION BY customer ORDER BY ts DESC, seq DESC) = 1),
ls AS (
  SELECT customer, stage FROM lc WHERE stage IS NOT NULL
  QUALIFY row_number() OVER (PARTITION BY customer ORDER BY ts DESC, seq DESC) = 1),
cu AS (
  SELECT coalesce(ls.stage, 'new') AS stage, coalesce(la.next_followup < p.T, false) AS overdue
  FROM la LEFT JOIN ls USING (customer), p)
SELECT stage, count(*) AS customers, sum(CASE WHEN overdue THEN 1 ELSE 0 END) AS overdue
FROM cu
GROUP BY stage
ORDER BY stage;

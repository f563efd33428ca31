-- the sales funnel (see the DuckDB version); seq = arrival order (the rowid)
WITH p AS (  -- T: the first second after the newest event in the store; ts are Unix seconds
  SELECT max(coalesce((SELECT max(ts) FROM orders), 0),
             coalesce((SELECT max(ts) FROM contacts), 0)) + 1 AS T
),
lc AS (SELECT customer, ts, seq, stage, next_followup FROM contacts, p WHERE ts < T),
la AS (
  SELECT customer, next_followup,
         row_number() OVER (PARTITION BY customer ORDER BY ts DESC, seq DESC) AS rn
  FROM lc),
ls AS (
  SELECT customer, stage,
         row_number() OVER (PARTITION BY customer ORDER BY ts DESC, seq DESC) AS rn
  FROM lc WHERE stage IS NOT NULL),
cu AS (
  SELECT coalesce(ls.stage, 'new') AS stage,
         coalesce(la.next_followup < p.T, 0) AS overdue
  FROM la LEFT JOIN ls ON ls.customer = la.customer AND ls.rn = 1, p
  WHERE la.rn = 1)
SELECT stage, count(*) AS customers, sum(CASE WHEN overdue THEN 1 ELSE 0 END) AS overdue
FROM cu
GROUP BY stage
ORDER BY stage;

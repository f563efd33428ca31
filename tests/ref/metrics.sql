-- The metrics of the contract (/work/shared/spec/metrics.md), written independently in
-- SQLite SQL.  Run after a context that defines:
--   temp table prm(T, W0)        the query instant T and the window start (seconds, UTC)
--   temp table per(k, s, e)      the n periods [s, e) of the window (for activity/stability)
--   temp view  f                 the orders that pass the query's WHERE
--   temp view  fk                the contacts that pass the query's WHERE
-- Tables o / k hold the events: seq (ingest order), ts (epoch s), customer, amt / cst (amount
-- and cost in integer 1/10000 units), and the tags; k has stage and nf (next_followup, epoch).
-- Money leaves here as integer cents, rounded half away from zero from the exact value.

CREATE TEMP TABLE hist AS SELECT f.* FROM f, prm WHERE f.ts < prm.T;
CREATE TEMP TABLE win AS SELECT h.* FROM hist h, prm WHERE h.ts >= prm.W0;
CREATE INDEX temp.hist_c ON hist(customer, ts);
CREATE INDEX temp.win_c ON win(customer, ts);
CREATE TEMP TABLE scope AS SELECT DISTINCT customer FROM win;

-- raw per-customer sums, in 1/10000 units
CREATE TEMP TABLE cb AS
SELECT s.customer,
  coalesce((SELECT sum(w.amt) FROM win w WHERE w.customer = s.customer), 0) AS rev_u,
  (SELECT count(*) FROM win w WHERE w.customer = s.customer AND w.amt >= 0) AS norders,
  coalesce((SELECT sum(w.amt - w.cst) FROM win w WHERE w.customer = s.customer), 0) AS margin_u,
  (SELECT min(h.ts) FROM hist h WHERE h.customer = s.customer AND h.amt >= 0) AS first_ts,
  (SELECT max(h.ts) FROM hist h WHERE h.customer = s.customer AND h.amt >= 0) AS last_ts,
  coalesce((SELECT sum(h.amt - h.cst) FROM hist h WHERE h.customer = s.customer), 0) AS ltv_u
FROM scope s;

-- scope totals
CREATE TEMP TABLE tot AS
SELECT (SELECT count(*) FROM cb) AS n,
       (SELECT coalesce(sum(rev_u), 0) FROM cb) AS total_u,
       (SELECT count(*) FROM cb WHERE rev_u > 0) AS npos,
       (SELECT count(*) FROM per) AS nper;

-- revenue and order count per customer and period (zeros included)
CREATE TEMP TABLE cper AS
SELECT s.customer, p.k,
  coalesce((SELECT sum(w.amt) FROM win w WHERE w.customer = s.customer AND w.ts >= p.s AND w.ts < p.e), 0) AS x,
  (SELECT count(*) FROM win w WHERE w.customer = s.customer AND w.ts >= p.s AND w.ts < p.e AND w.amt >= 0) AS nord
FROM scope s CROSS JOIN per p;
CREATE INDEX temp.cper_c ON cper(customer);

-- activity and stability (two-pass population variance), plus the exact sums for class():
-- S = sum x and Q = sum x^2 as exact decimal text (the decimal extension of the sqlite3 shell),
-- since S^2 and Q overflow 64 bits for large amounts
CREATE TEMP TABLE cstab AS
SELECT a.customer, a.S, a.Q, a.act, a.mu,
  (SELECT avg((c.x - a.mu) * (c.x - a.mu)) FROM cper c WHERE c.customer = a.customer) AS var
FROM (SELECT customer, sum(x) AS S, decimal_sum(decimal_mul(x, x)) AS Q, sum(nord > 0) AS act,
             sum(x) * 1.0 / count(*) AS mu
      FROM cper GROUP BY customer) a;

-- median gap between distinct UTC order days, all history before T
-- (the UTC day number, floored: SQLite's integer division truncates toward zero)
CREATE TEMP TABLE cdays AS
SELECT DISTINCT customer, (ts - ((ts % 86400) + 86400) % 86400) / 86400 AS d FROM hist WHERE amt >= 0;
CREATE TEMP TABLE cgaps AS
SELECT customer, g FROM (
  SELECT customer, d - lag(d) OVER (PARTITION BY customer ORDER BY d) AS g FROM cdays)
WHERE g IS NOT NULL;
CREATE TEMP TABLE cmed AS
SELECT customer, avg(g) AS mg FROM (
  SELECT customer, g, row_number() OVER (PARTITION BY customer ORDER BY g) AS rn,
         count(*) OVER (PARTITION BY customer) AS cnt FROM cgaps)
WHERE rn IN ((cnt + 1) / 2, (cnt + 2) / 2)
GROUP BY customer;

-- rankings (worst first, ties by customer id ascending)
CREATE TEMP TABLE crank AS
SELECT customer,
  row_number() OVER (ORDER BY last_ts IS NULL DESC, last_ts ASC, customer ASC) - 1 AS r_rank,
  row_number() OVER (ORDER BY norders ASC, customer ASC) - 1 AS f_rank,
  row_number() OVER (ORDER BY rev_u ASC, customer ASC) - 1 AS m_rank,
  coalesce(sum(rev_u) OVER (ORDER BY rev_u DESC, customer ASC
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS above_u
FROM cb;

-- everything per customer, in output form
CREATE TEMP TABLE cm AS
SELECT b.customer,
  b.rev_u, b.norders, b.margin_u, b.ltv_u, b.first_ts, b.last_ts,
  CASE WHEN b.rev_u >= 0 THEN (b.rev_u + 50) / 100 ELSE -((50 - b.rev_u) / 100) END AS revenue,
  b.norders AS orders,
  CASE WHEN b.norders = 0 THEN NULL
       WHEN b.rev_u >= 0 THEN (b.rev_u + 50 * b.norders) / (100 * b.norders)
       ELSE -((50 * b.norders - b.rev_u) / (100 * b.norders)) END AS avg_order,
  CASE WHEN b.margin_u >= 0 THEN (b.margin_u + 50) / 100 ELSE -((50 - b.margin_u) / 100) END AS margin,
  CASE WHEN b.ltv_u >= 0 THEN (b.ltv_u + 50) / 100 ELSE -((50 - b.ltv_u) / 100) END AS lifetime_value,
  (prm.T - b.last_ts) / 86400.0 AS recency,
  (prm.T - b.first_ts) / 86400.0 AS tenure,
  CASE WHEN t.total_u > 0 THEN b.rev_u * 1.0 / t.total_u ELSE 0.0 END AS contribution,
  s.act * 1.0 / t.nper AS activity,
  CASE WHEN s.mu > 0 THEN s.mu / (s.mu + sqrt(s.var)) ELSE 0.0 END AS stability,
  m.mg AS median_gap,
  -- churned(90d): an order before T-90d, none in [T-90d, T)
  (b.last_ts IS NOT NULL AND b.last_ts < prm.T - 90 * 86400) AS churned90,
  -- churned_adaptive(2, 30d): recency > max(2*median_gap, 30) days (exact, in seconds)
  CASE WHEN b.last_ts IS NULL THEN 0
       ELSE (prm.T - b.last_ts) > 86400 * max(coalesce(2 * m.mg, 0), 30) END AS churned_ad,
  1 + (5 * r.r_rank) / t.n AS rfm_r,
  1 + (5 * r.f_rank) / t.n AS rfm_f,
  1 + (5 * r.m_rank) / t.n AS rfm_m,
  -- class(): contribution >= 1/npos  <=>  rev*npos >= total (total > 0);
  --          stability >= 0.5        <=>  S > 0 and 2 S^2 >= n Q   (exact integers)
  CASE WHEN t.total_u > 0 AND b.rev_u * t.npos >= t.total_u THEN 1 ELSE 0 END AS hi_c,
  CASE WHEN s.S > 0 AND decimal_cmp(decimal_mul(2, decimal_mul(s.S, s.S)), decimal_mul(t.nper, s.Q)) >= 0
       THEN 1 ELSE 0 END AS hi_s,
  CASE WHEN b.rev_u <= 0 OR t.total_u <= 0 THEN 'D'
       WHEN 2 * r.above_u < t.total_u THEN 'A'
       WHEN 5 * r.above_u < 4 * t.total_u THEN 'B'
       WHEN 20 * r.above_u < 19 * t.total_u THEN 'C'
       ELSE 'D' END AS abc,
  CASE WHEN b.rev_u >= 1000 * 10000 THEN 1 WHEN b.rev_u >= 500 * 10000 THEN 2
       WHEN b.rev_u >= 100 * 10000 THEN 3 ELSE 4 END AS tier
FROM cb b JOIN prm JOIN tot t
  JOIN cstab s ON s.customer = b.customer
  JOIN crank r ON r.customer = b.customer
  LEFT JOIN cmed m ON m.customer = b.customer;

CREATE TEMP VIEW cmc AS
SELECT *, CASE WHEN hi_c AND hi_s THEN 'EI' WHEN hi_c THEN 'EII'
               WHEN hi_s THEN 'EIII' ELSE 'EIV' END AS class
FROM cm;

-- contacts
CREATE TEMP TABLE khist AS SELECT fk.* FROM fk, prm WHERE fk.ts < prm.T;
CREATE TEMP TABLE kwin AS SELECT h.* FROM khist h, prm WHERE h.ts >= prm.W0;
CREATE INDEX temp.khist_c ON khist(customer, ts, seq);
CREATE TEMP TABLE kscope AS SELECT DISTINCT customer FROM kwin;
CREATE TEMP TABLE ck AS
SELECT s.customer,
  coalesce((SELECT h.stage FROM khist h WHERE h.customer = s.customer AND h.stage IS NOT NULL
            ORDER BY h.ts DESC, h.seq DESC LIMIT 1), 'new') AS stage,
  EXISTS (SELECT 1 FROM khist h WHERE h.customer = s.customer AND h.stage IS NOT NULL) AS has_stage,
  (SELECT count(*) FROM kwin w WHERE w.customer = s.customer) AS contacts,
  (SELECT max(h.ts) FROM khist h WHERE h.customer = s.customer) AS last_contact,
  (SELECT h.nf FROM khist h WHERE h.customer = s.customer
   ORDER BY h.ts DESC, h.seq DESC LIMIT 1) AS next_followup
FROM kscope s;
CREATE TEMP VIEW ckc AS
SELECT ck.*, (next_followup IS NOT NULL AND next_followup < prm.T) AS followup_overdue,
  CASE WHEN has_stage THEN (stage = 'won') * 1.0 END AS conversion
FROM ck JOIN prm;

-- the four classes over the window [T - 12mo, T), P = 1mo: the window is cut into the
-- 12 periods [T - (i+1)mo, T - i mo); x_i = a customer's revenue in period i (an empty
-- period is 0, adding nothing to S = sum x_i or Q = sum x_i^2).  Exactly, in 1/10000 units:
--   contribution >= cth = 1/npos  <=>  total > 0 and rev * npos >= total
--   stability >= 0.5               <=>  mu > 0 and mu >= sigma  <=>  S > 0 and S^2 >= 6 Q
WITH p AS (  -- T: the first second after the newest event in the store (orders or contacts)
  SELECT greatest((SELECT max(ts) FROM orders), (SELECT max(ts) FROM contacts)) + INTERVAL 1 SECOND AS T
),
b AS (SELECT i, T - to_months(i + 1) AS lo, T - to_months(i) AS hi FROM p, range(12) r(i)),
per AS (
  SELECT o.customer, b.i, sum(o.amount) AS x
  FROM orders o JOIN b ON o.ts >= b.lo AND o.ts < b.hi
  GROUP BY o.customer, b.i),
cs AS (
  SELECT customer, sum(x) AS rev,
         sum(CAST(x * 10000 AS HUGEINT)) AS s,
         sum(CAST(x * 10000 AS HUGEINT) * CAST(x * 10000 AS HUGEINT)) AS q
  FROM per GROUP BY customer),
tot AS (SELECT sum(s) AS total, count(*) FILTER (WHERE s > 0) AS npos FROM cs),
cls AS (
  SELECT rev,
         total > 0 AND s * npos >= total AS hi_c,
         s > 0 AND s * s >= 6 * q AS hi_s
  FROM cs, tot)
SELECT CASE WHEN hi_c AND hi_s THEN 'EI' WHEN hi_c THEN 'EII' WHEN hi_s THEN 'EIII' ELSE 'EIV' END
         AS class,
       count(*) AS customers, sum(rev) AS revenue
FROM cls
GROUP BY class
ORDER BY class;

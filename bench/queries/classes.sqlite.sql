-- the four classes over the window [T - 12mo, T), P = 1mo: periods [T - (i+1)mo, T - i mo);
-- S = sum x_i, Q = sum x_i^2 over a customer's period revenues (empty periods add 0).
-- Exact tests (1/10000 units; Q and S^2 may pass 2^63, so through the CLI's decimal_*):
--   contribution >= 1/npos  <=>  total > 0 and rev * npos >= total
--   stability >= 0.5        <=>  S > 0 and S^2 >= 6 Q
WITH p AS (  -- T: the first second after the newest event in the store; ts are Unix seconds
  SELECT max(coalesce((SELECT max(ts) FROM orders), 0),
             coalesce((SELECT max(ts) FROM contacts), 0)) + 1 AS T
),
k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 12),
b(i, t) AS (SELECT i, unixepoch(date(T, 'unixepoch', 'start of month', '-' || (i) || ' months'),
             '+' || (min(CAST(strftime('%d', T, 'unixepoch') AS INTEGER),
                         CAST(strftime('%d', date(T, 'unixepoch', 'start of month', '-' || (i) || ' months',
                                                  '+1 month', '-1 day')) AS INTEGER)) - 1) || ' days')
           + T % 86400 FROM k, p),
pr(i, lo, hi) AS (SELECT a.i, c.t, a.t FROM b a JOIN b c ON c.i = a.i + 1),
per AS (
  SELECT o.customer, pr.i, sum(o.amount) AS x
  FROM pr JOIN orders o ON o.ts >= pr.lo AND o.ts < pr.hi
  GROUP BY o.customer, pr.i),
cs AS (SELECT customer, sum(x) AS s, decimal_sum(decimal_mul(x, x)) AS q FROM per GROUP BY customer),
tot AS (SELECT sum(s) AS total, sum(s > 0) AS npos FROM cs),
cls AS (
  SELECT s,
         total > 0 AND s * npos >= total AS hi_c,
         s > 0 AND decimal_cmp(decimal_mul(s, s), decimal_mul(6, q)) >= 0 AS hi_s
  FROM cs, tot)
SELECT CASE WHEN hi_c AND hi_s THEN 'EI' WHEN hi_c THEN 'EII' WHEN hi_s THEN 'EIII' ELSE 'EIV' END
         AS class,
       count(*) AS customers, decimal_mul(sum(s), '0.0001') AS revenue
FROM cls
GROUP BY class
ORDER BY class;

-- who is slipping away (see the DuckDB version for the definitions)
WITH p AS (  -- T: the first second after the newest event in the store; ts are Unix seconds
  SELECT max(coalesce((SELECT max(ts) FROM orders), 0),
             coalesce((SELECT max(ts) FROM contacts), 0)) + 1 AS T
),
c AS (
  SELECT customer, sum(amount) AS rev, sum(amount - coalesce(cost, 0)) AS ltv,
         max(CASE WHEN amount >= 0 THEN ts END) AS last_o,
         max(amount >= 0 AND ts < T - 90 * 86400) AS before_d,
         max(amount >= 0 AND ts >= T - 90 * 86400) AS within_d
  FROM orders, p
  WHERE region = 'north' AND ts < T
  GROUP BY customer),
r AS (
  SELECT *, sum(rev) OVER () AS total,
         coalesce(sum(rev) OVER (ORDER BY rev DESC, customer
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS above
  FROM c),
a AS (
  SELECT *, CASE WHEN total <= 0 OR rev <= 0 THEN 'D'
                 WHEN above * 100 < total * 50 THEN 'A'
                 WHEN above * 100 < total * 80 THEN 'B'
                 WHEN above * 100 < total * 95 THEN 'C'
                 ELSE 'D' END AS abc
  FROM r)
SELECT customer, printf('%.6f', (T - last_o) / 86400.0) AS days_silent,
       decimal_mul(a.ltv, '0.0001') AS ltv
FROM a, p
WHERE before_d AND NOT within_d AND abc IN ('A', 'B')
ORDER BY a.ltv DESC, customer;

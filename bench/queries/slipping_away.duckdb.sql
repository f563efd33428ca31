-- who is slipping away: customers with a 'north' event before T (no window: all history);
-- churned(90d) = an order (amount >= 0) before T - 90d and none in [T - 90d, T);
-- abc(): rank by revenue desc, customer asc; s = share held by those ranked strictly above;
-- A when s < 0.5, B when s < 0.8 (revenue <= 0, or total <= 0: D)
WITH p AS (  -- T: the first second after the newest event in the store (orders or contacts)
  SELECT greatest((SELECT max(ts) FROM orders), (SELECT max(ts) FROM contacts)) + INTERVAL 1 SECOND AS T
),
c AS (
  SELECT customer, sum(amount) AS rev, sum(amount - coalesce(cost, 0)) AS ltv,
         max(ts) FILTER (WHERE amount >= 0) AS last_o,
         bool_or(amount >= 0 AND ts < T - INTERVAL 90 DAY) AS before_d,
         bool_or(amount >= 0 AND ts >= T - INTERVAL 90 DAY) AS within_d
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
SELECT customer, printf('%.6f', date_diff('second', last_o, T) / 86400.0) AS days_silent, ltv
FROM a, p
WHERE before_d AND NOT within_d AND abc IN ('A', 'B')
ORDER BY ltv DESC, customer;

-- revenue, orders and customers over [T - 30d, T)
WITH p AS (  -- T: the first second after the newest event in the store; ts are Unix seconds
  SELECT max(coalesce((SELECT max(ts) FROM orders), 0),
             coalesce((SELECT max(ts) FROM contacts), 0)) + 1 AS T
)
SELECT decimal_mul(sum(amount), '0.0001') AS revenue, sum(amount >= 0) AS orders,
       count(DISTINCT customer) AS customers
FROM orders, p
WHERE ts >= T - 30 * 86400 AND ts < T;

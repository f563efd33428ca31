-- top customers by revenue, a window of 36500 days (all history): [T - 36500d, T)
WITH p AS (  -- T: the first second after the newest event in the store; ts are Unix seconds
  SELECT max(coalesce((SELECT max(ts) FROM orders), 0),
             coalesce((SELECT max(ts) FROM contacts), 0)) + 1 AS T
)
SELECT customer, decimal_mul(sum(amount), '0.0001') AS revenue, sum(amount >= 0) AS orders
FROM orders, p
WHERE ts >= T - 36500 * 86400 AND ts < T
GROUP BY customer
ORDER BY sum(amount) DESC, customer
LIMIT 20;

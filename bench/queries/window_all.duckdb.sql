-- top customers by revenue, a window of 36500 days (all history): [T - 36500d, T)
WITH p AS (  -- T: the first second after the newest event in the store (orders or contacts)
  SELECT greatest((SELECT max(ts) FROM orders), (SELECT max(ts) FROM contacts)) + INTERVAL 1 SECOND AS T
)
SELECT customer, sum(amount) AS revenue, count(*) FILTER (WHERE amount >= 0) AS orders
FROM orders, p
WHERE ts >= T - INTERVAL 36500 DAY AND ts < T
GROUP BY customer
ORDER BY revenue DESC, customer
LIMIT 20;

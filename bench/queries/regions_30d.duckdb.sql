-- revenue, margin (cost missing = 0) and orders by region over [T - 30d, T)
WITH p AS (  -- T: the first second after the newest event in the store (orders or contacts)
  SELECT greatest((SELECT max(ts) FROM orders), (SELECT max(ts) FROM contacts)) + INTERVAL 1 SECOND AS T
)
SELECT region, sum(amount) AS revenue, sum(amount - coalesce(cost, 0)) AS margin,
       count(*) FILTER (WHERE amount >= 0) AS orders
FROM orders, p
WHERE ts >= T - INTERVAL 30 DAY AND ts < T
GROUP BY region
ORDER BY region;

-- revenue, orders and customers over [T - 30d, T)
WITH p AS (  -- T: the first second after the newest event in the store (orders or contacts)
  SELECT greatest((SELECT max(ts) FROM orders), (SELECT max(ts) FROM contacts)) + INTERVAL 1 SECOND AS T
)
SELECT sum(amount) AS revenue, count(*) FILTER (WHERE amount >= 0) AS orders,
       count(DISTINCT customer) AS customers
FROM orders, p
WHERE ts >= T - INTERVAL 30 DAY AND ts < T;

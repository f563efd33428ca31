-- monthly trend, two years: window [T - 24mo, T) (month arithmetic clamps the day),
-- grouped by the UTC calendar month of each event
WITH p AS (  -- T: the first second after the newest event in the store (orders or contacts)
  SELECT greatest((SELECT max(ts) FROM orders), (SELECT max(ts) FROM contacts)) + INTERVAL 1 SECOND AS T
)
SELECT strftime(ts, '%Y-%m') AS month, sum(amount) AS revenue,
       count(*) FILTER (WHERE amount >= 0) AS orders
FROM orders, p
WHERE ts >= T - INTERVAL 24 MONTH AND ts < T
GROUP BY month
ORDER BY month;

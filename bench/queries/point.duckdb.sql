-- one customer's revenue, orders and last order over all history before T
WITH p AS (  -- T: the first second after the newest event in the store (orders or contacts)
  SELECT greatest((SELECT max(ts) FROM orders), (SELECT max(ts) FROM contacts)) + INTERVAL 1 SECOND AS T
)
SELECT customer, sum(amount) AS revenue, count(*) FILTER (WHERE amount >= 0) AS orders,
       strftime(max(ts) FILTER (WHERE amount >= 0), '%Y-%m-%dT%H:%M:%SZ') AS last_order
FROM orders, p
WHERE customer = '@CUSTOMER@' AND ts < T
GROUP BY customer;

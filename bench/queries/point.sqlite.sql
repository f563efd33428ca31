-- one customer's revenue, orders and last order over all history before T
WITH p AS (  -- T: the first second after the newest event in the store; ts are Unix seconds
  SELECT max(coalesce((SELECT max(ts) FROM orders), 0),
             coalesce((SELECT max(ts) FROM contacts), 0)) + 1 AS T
)
SELECT customer, decimal_mul(sum(amount), '0.0001') AS revenue, sum(amount >= 0) AS orders,
       strftime('%Y-%m-%dT%H:%M:%SZ', max(CASE WHEN amount >= 0 THEN ts END), 'unixepoch')
         AS last_order
FROM orders, p
WHERE customer = '@CUSTOMER@' AND ts < T
GROUP BY customer;

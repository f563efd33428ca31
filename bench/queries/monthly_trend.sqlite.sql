-- monthly trend, two years: window [T - 24mo, T), by UTC calendar month
WITH p AS (  -- T: the first second after the newest event in the store; ts are Unix seconds
  SELECT max(coalesce((SELECT max(ts) FROM orders), 0),
             coalesce((SELECT max(ts) FROM contacts), 0)) + 1 AS T
),
w AS (SELECT T, unixepoch(date(T, 'unixepoch', 'start of month', '-' || (24) || ' months'),
             '+' || (min(CAST(strftime('%d', T, 'unixepoch') AS INTEGER),
                         CAST(strftime('%d', date(T, 'unixepoch', 'start of month', '-' || (24) || ' months',
                                                  '+1 month', '-1 day')) AS INTEGER)) - 1) || ' days')
           + T % 86400 AS lo FROM p)
SELECT strftime('%Y-%m', ts, 'unixepoch') AS month, decimal_mul(sum(amount), '0.0001') AS revenue,
       sum(amount >= 0) AS orders
FROM orders, w
WHERE ts >= lo AND ts < T
GROUP BY month
ORDER BY month;

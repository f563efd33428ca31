-- contribution series (HAVING share >= 0.001): T_i = T - i mo (i = 0..11), windows [T_i - 90d, T_i)
WITH p AS (  -- T: the first second after the newest event in the store; ts are Unix seconds
  SELECT max(coalesce((SELECT max(ts) FROM orders), 0),
             coalesce((SELECT max(ts) FROM contacts), 0)) + 1 AS T
),
k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 11),
s(a) AS (SELECT unixepoch(date(T, 'unixepoch', 'start of month', '-' || (i) || ' months'),
             '+' || (min(CAST(strftime('%d', T, 'unixepoch') AS INTEGER),
                         CAST(strftime('%d', date(T, 'unixepoch', 'start of month', '-' || (i) || ' months',
                                                  '+1 month', '-1 day')) AS INTEGER)) - 1) || ' days')
           + T % 86400 FROM k, p),
ev AS (
  SELECT s.a, o.customer, sum(o.amount) AS rev
  FROM s JOIN orders o ON o.ts >= s.a - 90 * 86400 AND o.ts < s.a
  GROUP BY s.a, o.customer),
tot AS (SELECT a, sum(rev) AS total FROM ev GROUP BY a)
SELECT strftime('%Y-%m-%dT%H:%M:%SZ', a, 'unixepoch') AS asof, customer,
       printf('%.6f', CAST(rev AS REAL) / total) AS share
FROM ev JOIN tot USING (a)
WHERE total > 0 AND rev * 1000 >= total
ORDER BY a, rev DESC, customer;

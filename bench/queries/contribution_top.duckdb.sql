-- contribution series (HAVING share >= 0.001): at T_i = T - i mo (i = 0..11), the window [T_i - 90d, T_i);
-- share = revenue / total revenue of the customers in scope (0 when total <= 0);
-- HAVING share >= 0.001 compared exactly: total > 0 and 1000 * revenue >= total
WITH p AS (  -- T: the first second after the newest event in the store (orders or contacts)
  SELECT greatest((SELECT max(ts) FROM orders), (SELECT max(ts) FROM contacts)) + INTERVAL 1 SECOND AS T
),
s AS (SELECT T - to_months(i) AS a FROM p, range(12) r(i)),
ev AS (
  SELECT s.a, o.customer, sum(o.amount) AS rev
  FROM s JOIN orders o ON o.ts >= s.a - INTERVAL 90 DAY AND o.ts < s.a
  GROUP BY s.a, o.customer),
tot AS (SELECT a, sum(rev) AS total FROM ev GROUP BY a)
SELECT strftime(a, '%Y-%m-%dT%H:%M:%SZ') AS asof, customer,
       printf('%.6f', CAST(rev * 10000 AS BIGINT)::DOUBLE / CAST(total * 10000 AS BIGINT)::DOUBLE)
         AS share
FROM ev JOIN tot USING (a)
WHERE total > 0 AND rev * 1000 >= total
ORDER BY a, rev DESC, customer;

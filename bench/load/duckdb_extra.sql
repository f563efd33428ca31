-- DuckDB: a further batch of orders appended to the table
INSERT INTO orders
SELECT * FROM read_csv('@FILE@', header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  timestampformat = '%Y-%m-%dT%H:%M:%SZ',
  columns = {'id': 'VARCHAR', 'ts': 'TIMESTAMP', 'customer': 'VARCHAR', 'amount': 'DECIMAL(18,4)',
             'qty': 'INTEGER', 'sku': 'VARCHAR', 'cost': 'DECIMAL(18,4)', 'region': 'VARCHAR',
             'rep': 'VARCHAR', 'channel': 'VARCHAR'});

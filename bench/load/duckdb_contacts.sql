-- DuckDB: the contacts CSV into a table, with explicit types; rowid keeps arrival order
CREATE TABLE contacts AS
SELECT * FROM read_csv('@FILE@', header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  timestampformat = '%Y-%m-%dT%H:%M:%SZ',
  columns = {'id': 'VARCHAR', 'ts': 'TIMESTAMP', 'customer': 'VARCHAR', 'channel': 'VARCHAR',
             'stage': 'VARCHAR', 'next_followup': 'TIMESTAMP', 'reason': 'VARCHAR',
             'rep': 'VARCHAR'});
CHECKPOINT;

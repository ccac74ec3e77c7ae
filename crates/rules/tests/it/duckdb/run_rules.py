"""Runs exported rule SQL in DuckDB and writes each rule's result rows.

Usage: run_rules.py SQL_DIR OUT_DIR START_UTC_US END_UTC_US FILE...

SQL_DIR holds <rule>.sql and tables/<table>.parquet (`Analyzer::export_sql`).
`events` is the FILEs, cut to the period, plus local_ts, as the engines
build it. Each rule's result goes to OUT_DIR/<rule>.parquet; a rule that
fails goes to OUT_DIR/<rule>.error with DuckDB's message.
"""
import glob
import os
import sys

import duckdb

sql_dir, out_dir, start_us, end_us = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
files = sys.argv[5:]
con = duckdb.connect()
for table in sorted(glob.glob(os.path.join(sql_dir, "tables", "*.parquet"))):
    name = os.path.splitext(os.path.basename(table))[0]
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet(?)", [table])
file_list = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
con.execute(
    f"""CREATE VIEW events AS SELECT *, ts + to_minutes(utc_offset_min) AS local_ts
    FROM read_parquet([{file_list}], hive_partitioning = false, union_by_name = true)
    WHERE ts >= make_timestamp({start_us}) AND ts < make_timestamp({end_us})"""
)
for path in sorted(glob.glob(os.path.join(sql_dir, "*.sql"))):
    rule = os.path.splitext(os.path.basename(path))[0]
    sql = open(path, encoding="utf-8").read()
    target = os.path.join(out_dir, rule + ".parquet")
    try:
        con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet)")
    except duckdb.Error as e:
        with open(os.path.join(out_dir, rule + ".error"), "w", encoding="utf-8") as f:
            f.write(str(e))

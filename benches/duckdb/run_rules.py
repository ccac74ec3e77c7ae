"""Runs exported rule SQL in DuckDB over the same Parquet store.

Usage: run_rules.py SQL_DIR STORE START_UTC_US END_UTC_US RUNS

SQL_DIR holds <rule>.sql and tables/<table>.parquet (`Analyzer::export_sql`).
The `events` view mirrors the engine's: the store's segments, cut to the
period, plus local_ts. Prints one JSON object: best total seconds, each
rule's best seconds and the row count of every rule.
"""
import glob
import json
import os
import sys
import time

import duckdb

sql_dir, store, start_us, end_us, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
con = duckdb.connect()
con.execute(f"SET threads = {os.cpu_count()}")
files = sorted(glob.glob(os.path.join(store, "device_id=*", "seg-*.parquet")))
file_list = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
con.execute(
    f"""CREATE VIEW events AS
    SELECT *, ts + to_minutes(utc_offset_min) AS local_ts
    FROM read_parquet([{file_list}], hive_partitioning = false)
    WHERE ts >= make_timestamp({start_us}) AND ts < make_timestamp({end_us})"""
)
for table in sorted(glob.glob(os.path.join(sql_dir, "tables", "*.parquet"))):
    name = os.path.splitext(os.path.basename(table))[0]
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet('{table}')")
rules = {
    os.path.splitext(os.path.basename(p))[0]: open(p, encoding="utf-8").read()
    for p in sorted(glob.glob(os.path.join(sql_dir, "*.sql")))
}
best = None
counts = {}
rule_seconds = {}
for _ in range(runs):
    started = time.perf_counter()
    for rule, sql in rules.items():
        rule_started = time.perf_counter()
        counts[rule] = len(con.execute(sql).fetchall())
        took = time.perf_counter() - rule_started
        rule_seconds[rule] = min(took, rule_seconds.get(rule, took))
    elapsed = time.perf_counter() - started
    best = elapsed if best is None else min(best, elapsed)
print(json.dumps({"seconds": best, "rule_seconds": rule_seconds, "counts": counts, "files": len(files)}))

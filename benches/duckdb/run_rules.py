"""Runs exported rule SQL in DuckDB over the same Parquet store.

Usage: run_rules.py SQL_DIR STORE START_UTC_US END_UTC_US RUNS [MODE] [WORK_DIR]

SQL_DIR holds <rule>.sql and tables/<table>.parquet (`Analyzer::export_sql`).
`events` mirrors the engine's: the store's segments, cut to the period, plus
local_ts. MODE says how a DuckDB user would hold it:

  views   a view over the Parquet files: every rule reads the files (default)
  table   the period's events loaded once into a table (in a database file
          under WORK_DIR, so that DuckDB may spill to disk), then every rule
  both    both, one after the other

Each rule's result is materialised in DuckDB (CREATE TEMP TABLE … AS), as
the analysis holds its findings, and counted. Prints one JSON object per
mode under its name: best total seconds of the rules, each rule's best
seconds, the row count of every rule, and for `table` the load's seconds.
"""
import glob
import json
import os
import sys
import time

import duckdb

sql_dir, store, start_us, end_us, runs = (
    sys.argv[1],
    sys.argv[2],
    int(sys.argv[3]),
    int(sys.argv[4]),
    int(sys.argv[5]),
)
mode = sys.argv[6] if len(sys.argv) > 6 else "views"
work_dir = sys.argv[7] if len(sys.argv) > 7 else None
files = sorted(glob.glob(os.path.join(store, "device_id=*", "seg-*.parquet")))
file_list = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
events_sql = f"""SELECT *, ts + to_minutes(utc_offset_min) AS local_ts
    FROM read_parquet([{file_list}], hive_partitioning = false)
    WHERE ts >= make_timestamp({start_us}) AND ts < make_timestamp({end_us})"""
rules = {
    os.path.splitext(os.path.basename(p))[0]: open(p, encoding="utf-8").read()
    for p in sorted(glob.glob(os.path.join(sql_dir, "*.sql")))
}


def connect(database):
    con = duckdb.connect(database)
    con.execute(f"SET threads = {os.cpu_count()}")
    for table in sorted(glob.glob(os.path.join(sql_dir, "tables", "*.parquet"))):
        name = os.path.splitext(os.path.basename(table))[0]
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_parquet('{table}')")
    return con


def run_rules(con):
    best = None
    counts = {}
    rule_seconds = {}
    for _ in range(runs):
        started = time.perf_counter()
        for rule, sql in rules.items():
            rule_started = time.perf_counter()
            con.execute(f"CREATE OR REPLACE TEMP TABLE rule_result AS {sql}")
            counts[rule] = con.execute("SELECT COUNT(*) FROM rule_result").fetchone()[0]
            con.execute("DROP TABLE rule_result")
            took = time.perf_counter() - rule_started
            rule_seconds[rule] = min(took, rule_seconds.get(rule, took))
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return {"seconds": best, "rule_seconds": rule_seconds, "counts": counts, "files": len(files)}


out = {}
if mode in ("views", "both"):
    con = connect(":memory:")
    con.execute(f"CREATE VIEW events AS {events_sql}")
    out["views"] = run_rules(con)
    con.close()
if mode in ("table", "both"):
    database = os.path.join(work_dir or ".", "duckdb-events.db")
    for leftover in (database, database + ".wal"):
        if os.path.exists(leftover):
            os.remove(leftover)
    con = connect(database)
    started = time.perf_counter()
    con.execute(f"CREATE TABLE events AS {events_sql}")
    load = time.perf_counter() - started
    result = run_rules(con)
    result["load_seconds"] = load
    result["events"] = con.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    out["table"] = result
    con.close()
    os.remove(database)
if mode == "views":
    out = out["views"]
print(json.dumps(out))

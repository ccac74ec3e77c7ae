"""Worklog Analyzer's Spark job: runs a rule pack's SQL over the store.

Started by the `worklog-spark` engine as `spark-submit job.py HOST:PORT`
(client deploy mode: this driver runs beside the engine). Once its session is
up it connects to HOST:PORT, sends the token from WORKLOG_SPARK_TOKEN on the
first line, then one JSON answer per line: first {"ready": true, ...}, then
one for each request line it reads. Not stdin/stdout: spark-submit gives its
Python driver no standard input and mixes its standard output with Spark's.

Request:
  {"id": 1, "events": {"files": [...], "empty": path, "devices": [...] | null,
   "start_us": n, "end_us": n, "columns": [...] | null},
   "tables": [{"name": ..., "path": ...}], "queries": [...], "out": dir}
Answer:
  {"id": 1, "events": n, "results": [{"path": ..., "rows": n, "seconds": s}
   | {"error": text}, ...]}

The session settings that make Spark read the store as the other engines do
are pinned here, whatever the cluster's defaults: times are UTC wall-clock
values (TIMESTAMP_NTZ), `seq` (UInt64 in Parquet) is a BIGINT.
"""
import json
import os
import socket
import sys
import time
import traceback

PINNED = {
    # `ts` is written without a zone (isAdjustedToUTC = false): read it as a
    # wall-clock TIMESTAMP_NTZ, never shifted by a session zone.
    "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
    # Anything that still converts between zones does so at UTC.
    "spark.sql.session.timeZone": "UTC",
    # Overflow, bad casts and division by zero are errors, not NULLs.
    "spark.sql.ansi.enabled": "true",
    # String literals are escaped with a backslash (the engine's dialect
    # renders them so).
    "spark.sql.parser.escapedStringLiterals": "false",
    # Results come back through Arrow.
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


def answer(channel, message):
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def error_text(e):
    text = str(e).strip() or type(e).__name__
    # Spark's messages carry a JVM stack trace after the first lines.
    lines = [l for l in text.splitlines() if l.strip()][:6]
    return "\n".join(lines)


def events_frame(spark, spec):
    from pyspark.sql import functions as F

    files = spec["files"] or [spec["empty"]]
    frame = spark.read.option("mergeSchema", "false").parquet(*files)
    types = dict(frame.dtypes)
    if types.get("ts") != "timestamp_ntz":
        raise ValueError(
            "column ts reads as %s, not timestamp_ntz: the store's ts must be a Parquet "
            "timestamp without a zone" % types.get("ts")
        )
    frame = frame.withColumn("seq", F.col("seq").cast("bigint"))
    start = "CAST(timestamp_micros(%d) AS TIMESTAMP_NTZ)" % int(spec["start_us"])
    end = "CAST(timestamp_micros(%d) AS TIMESTAMP_NTZ)" % int(spec["end_us"])
    frame = frame.where(F.expr("ts >= %s AND ts < %s" % (start, end)))
    if spec.get("devices") is not None:
        frame = frame.where(F.col("device_id").isin(list(spec["devices"])))
    frame = frame.withColumn(
        "local_ts", F.expr("ts + make_dt_interval(0, 0, CAST(utc_offset_min AS INT), 0)")
    )
    if spec.get("columns") is not None:
        frame = frame.select(*spec["columns"])
    return frame


def table_frame(spark, path):
    # Read on the driver and sent to the executors: the file is on this
    # machine, which a cluster's executors cannot see.
    import pyarrow.parquet as pq

    from pyspark.sql import functions as F

    frame = spark.createDataFrame(pq.read_table(path))
    # Arrow's zone-less timestamps arrive as TIMESTAMP (with the session
    # zone, UTC): make them the wall-clock values they are, as `ts` is.
    for name, kind in frame.dtypes:
        if kind == "timestamp":
            frame = frame.withColumn(name, F.col(name).cast("timestamp_ntz"))
    return frame


def run(spark, request):
    import pyarrow.parquet as pq

    for name in [t.name for t in spark.catalog.listTables()]:
        spark.catalog.dropTempView(name)
    events = events_frame(spark, request["events"])
    events = events.persist()
    rows = events.count()
    events.createOrReplaceTempView("events")
    for table in request["tables"]:
        table_frame(spark, table["path"]).createOrReplaceTempView(table["name"])
    results = []
    for index, query in enumerate(request["queries"]):
        started = time.perf_counter()
        try:
            result = spark.sql(query).toArrow()
            path = "%s/%d.parquet" % (request["out"], index)
            pq.write_table(result, path)
            results.append(
                {"path": path, "rows": result.num_rows, "seconds": time.perf_counter() - started}
            )
        except Exception as e:  # one failing query must not fail the others
            results.append({"error": error_text(e)})
    events.unpersist()
    return {"id": request["id"], "events": rows, "results": results}


def connect(address):
    host, _, port = address.rpartition(":")
    connection = socket.create_connection((host, int(port)))
    channel = connection.makefile("rw", encoding="utf-8", newline="\n")
    channel.write(os.environ.get("WORKLOG_SPARK_TOKEN", "") + "\n")
    channel.flush()
    return connection, channel


def main():
    from pyspark.sql import SparkSession

    if len(sys.argv) != 2:
        sys.exit("usage: spark-submit job.py HOST:PORT (started by worklog's Spark engine)")
    started = time.perf_counter()
    builder = SparkSession.builder.appName("worklog-analyzer")
    for key, value in PINNED.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    for key, value in PINNED.items():
        spark.conf.set(key, value)
    spark.sparkContext.setLogLevel("ERROR")
    connection, channel = connect(sys.argv[1])
    answer(
        channel,
        {
            "ready": True,
            "spark": spark.version,
            "master": spark.sparkContext.master,
            "seconds": time.perf_counter() - started,
        },
    )
    for line in channel:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except ValueError as e:
            answer(channel, {"id": None, "fatal": "unreadable request: %s" % e})
            continue
        try:
            answer(channel, run(spark, request))
        except Exception as e:
            answer(channel, {"id": request.get("id"), "fatal": error_text(e),
                             "trace": traceback.format_exc()[-2000:]})
    connection.close()
    spark.stop()


if __name__ == "__main__":
    main()

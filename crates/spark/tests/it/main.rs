//! The Spark engine's process handling, with stand-ins for spark-submit
//! (small Python scripts speaking, or breaking, the job's protocol), so
//! that these run without Spark: a job that dies, one that never connects,
//! one with the wrong token, one that answers garbage. The equality of
//! results with polars is tested in `worklog-rules` (`tests/it/spark.rs`)
//! against real Spark.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::time::{Duration, Instant};

use worklog_rules::{Engine, EventsSpec};
use worklog_spark::{SparkEngine, SparkOptions};

/// A stand-in for spark-submit: `python3 SCRIPT <spark-submit's options>
/// JOB HOST:PORT`, the script's body given.
fn stand_in(dir: &Path, body: &str) -> SparkOptions {
    let script = dir.join("fake_submit.py");
    let prelude = "import os, socket, sys, time, json\naddress = sys.argv[-1]\nhost, _, port = address.rpartition(':')\n";
    std::fs::write(&script, format!("{prelude}{body}\n")).unwrap();
    SparkOptions::new()
        .submit_command(&format!("python3 {}", script.display()))
        .start_timeout(Duration::from_secs(5))
}

fn start_error(options: SparkOptions) -> String {
    let engine = SparkEngine::new(options).unwrap();
    engine.start().unwrap_err().chain()
}

#[test]
fn a_job_that_exits_is_reported_with_its_status_and_output() {
    let dir = tempfile::tempdir().unwrap();
    let options = stand_in(
        dir.path(),
        "print('Error: JAVA_HOME is not set', file=sys.stderr)\nsys.exit(3)",
    );
    let error = start_error(options);
    assert!(error.contains("exit status: 3"), "{error}");
    assert!(error.contains("JAVA_HOME is not set"), "{error}");
}

#[test]
fn a_job_that_never_connects_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let options = stand_in(dir.path(), "time.sleep(60)");
    let began = Instant::now();
    let error = start_error(options);
    assert!(
        began.elapsed() < Duration::from_secs(30),
        "{:?}",
        began.elapsed()
    );
    assert!(error.contains("did not start within 5 s"), "{error}");
}

#[test]
fn a_connection_without_the_token_is_not_taken_for_the_job() {
    let dir = tempfile::tempdir().unwrap();
    let options = stand_in(
        dir.path(),
        "s = socket.create_connection((host, int(port)))\n\
         s.sendall(b'not-the-token\\n' + json.dumps({'ready': True, 'spark': 'x', 'master': 'y'}).encode() + b'\\n')\n\
         time.sleep(60)",
    );
    let error = start_error(options);
    assert!(error.contains("did not start within 5 s"), "{error}");
}

#[test]
fn a_job_with_the_token_starts_and_a_garbled_answer_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let options = stand_in(
        dir.path(),
        "s = socket.create_connection((host, int(port)))\n\
         f = s.makefile('rw')\n\
         f.write(os.environ['WORKLOG_SPARK_TOKEN'] + '\\n')\n\
         f.write(json.dumps({'ready': True, 'spark': '9.9.9', 'master': sys.argv[sys.argv.index('--master') + 1]}) + '\\n')\n\
         f.flush()\n\
         request = f.readline()\n\
         f.write('this is not json\\n')\n\
         f.flush()\n\
         f.readline()",
    );
    let engine = SparkEngine::new(options.master("local[3]")).unwrap();
    let started = engine.start().unwrap();
    assert_eq!(started.spark_version, "9.9.9");
    assert_eq!(started.master, "local[3]");
    let session = engine
        .load(&EventsSpec::new(Vec::new(), 0, 1), &[])
        .unwrap();
    let results = session.run(&["SELECT 1 AS x", "SELECT 2 AS y"]);
    assert_eq!(results.len(), 2);
    for result in results {
        let error = result.unwrap_err().chain();
        assert!(error.contains("answered something unreadable"), "{error}");
    }
}

#[test]
fn an_unreadable_event_file_is_refused_before_spark_sees_it() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("seg-1.parquet");
    std::fs::write(&bogus, b"not parquet").unwrap();
    // No Spark is started for this: the file is checked first.
    let engine = SparkEngine::new(SparkOptions::new().submit_command("/nonexistent")).unwrap();
    let Err(error) = engine.load(&EventsSpec::new(vec![bogus.clone()], 0, 1), &[]) else {
        panic!("an unreadable file was accepted");
    };
    assert!(
        error.chain().contains(&bogus.display().to_string()),
        "{}",
        error.chain()
    );
}

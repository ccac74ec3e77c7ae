//! The Spark job as a child process: `spark-submit job.py ADDRESS`, talking
//! to this process over a loopback TCP connection it opens back to us, one
//! JSON request a line and one answer a line.
//!
//! Not stdin/stdout: spark-submit runs the Python driver as a child of its
//! JVM, which gives it no standard input and copies its standard output
//! into the JVM's own, mixed with Spark's messages. The job proves it is the
//! one we started with a token it is given in its environment.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use worklog_rules::EngineError;

use crate::SparkOptions;

/// The environment variable that carries the token to the job.
const TOKEN_VARIABLE: &str = "WORKLOG_SPARK_TOKEN";

/// Lines of the job's output kept for error messages.
const OUTPUT_LINES: usize = 40;

/// The longest answer line accepted (the answers are small: results travel
/// as files).
const MAX_ANSWER_BYTES: u64 = 16 << 20;

/// What the job said once its Spark session was up.
#[derive(Debug, Clone, PartialEq)]
pub struct Started {
    /// Spark's version (`4.3.0`).
    pub spark_version: String,
    /// The master the session runs on (`local[*]`, `yarn`, …).
    pub master: String,
    /// Seconds from spawning spark-submit to the session being ready.
    pub seconds: f64,
}

/// A running job.
pub(crate) struct Driver {
    child: Child,
    connection: Option<(BufReader<TcpStream>, TcpStream)>,
    output: Arc<Mutex<VecDeque<String>>>,
    pub started: Started,
}

impl Driver {
    /// Starts `spark-submit … job.py` and waits until its session is up
    /// and it has connected back with its first answer (at most
    /// `options.start_timeout`).
    pub fn start(options: &SparkOptions, job: &Path) -> Result<Driver, EngineError> {
        let began = Instant::now();
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| EngineError::with_source("cannot listen on the loopback address", e))?;
        let address = listener
            .local_addr()
            .map_err(|e| EngineError::with_source("cannot read the loopback port", e))?;
        let token = new_token()?;
        let (program, args) = options
            .submit
            .split_first()
            .ok_or_else(|| EngineError::new("the spark-submit command is empty"))?;
        let mut command = Command::new(program);
        command.args(args);
        let has = |flag: &str| options.submit.iter().any(|a| a == flag);
        if !has("--master") {
            command
                .arg("--master")
                .arg(options.master.as_deref().unwrap_or("local[*]"));
        }
        if !has("--driver-memory") {
            command.arg("--driver-memory").arg(&options.driver_memory);
        }
        for (key, value) in &options.conf {
            command.arg("--conf").arg(format!("{key}={value}"));
        }
        if !options.conf.iter().any(|(k, _)| k == "spark.ui.enabled") {
            command.arg("--conf").arg("spark.ui.enabled=false");
        }
        command
            .arg(job)
            .arg(address.to_string())
            .env(TOKEN_VARIABLE, &token)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().map_err(|e| {
            EngineError::with_source(
                format!(
                    "cannot start {program:?}: install Spark (`pip install pyspark==4.3.0 pyarrow`, \
                     and a Java 17 runtime) or give the spark-submit command to use"
                ),
                e,
            )
        })?;
        let output = Arc::new(Mutex::new(VecDeque::new()));
        if let Some(stdout) = child.stdout.take() {
            keep_tail(stdout, Arc::clone(&output));
        }
        if let Some(stderr) = child.stderr.take() {
            keep_tail(stderr, Arc::clone(&output));
        }
        let mut driver = Driver {
            child,
            connection: None,
            output,
            started: Started {
                spark_version: String::new(),
                master: String::new(),
                seconds: 0.0,
            },
        };
        let stream = driver.accept(&listener, &token, options.start_timeout)?;
        let reader = stream
            .try_clone()
            .map_err(|e| EngineError::with_source("cannot use the job's connection", e))?;
        driver.connection = Some((BufReader::new(reader), stream));
        let ready = driver.answer()?;
        if ready.get("ready").and_then(Value::as_bool) != Some(true) {
            return Err(EngineError::new(format!(
                "the Spark job did not start its session: {}",
                text(&ready, "fatal")
            )));
        }
        driver.started = Started {
            spark_version: text(&ready, "spark"),
            master: text(&ready, "master"),
            seconds: began.elapsed().as_secs_f64(),
        };
        Ok(driver)
    }

    /// The job's connection, once it has shown the token; fails when the
    /// job exits first or `timeout` passes.
    fn accept(
        &mut self,
        listener: &TcpListener,
        token: &str,
        timeout: Duration,
    ) -> Result<TcpStream, EngineError> {
        listener
            .set_nonblocking(true)
            .map_err(|e| EngineError::with_source("cannot wait for the Spark job", e))?;
        let deadline = Instant::now() + timeout;
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    if let Some(stream) = authenticated(stream, token) {
                        return Ok(stream);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(EngineError::with_source("cannot accept the Spark job", e)),
            }
            if let Ok(Some(_)) = self.child.try_wait() {
                return Err(self.died(None));
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let error = self.died(None);
                return Err(EngineError::new(format!(
                    "the Spark job did not start within {} s (raise it with the start timeout): {}",
                    timeout.as_secs(),
                    error.chain()
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends one request and waits for its answer.
    pub fn request(&mut self, request: &Value) -> Result<Value, EngineError> {
        let mut line = request.to_string();
        line.push('\n');
        let written = match self.connection.as_mut() {
            Some((_, stream)) => stream
                .write_all(line.as_bytes())
                .and_then(|()| stream.flush()),
            None => Err(std::io::Error::from(std::io::ErrorKind::NotConnected)),
        };
        written.map_err(|e| self.died(Some(e)))?;
        let answer = self.answer()?;
        match answer.get("fatal").and_then(Value::as_str) {
            Some(fatal) => Err(EngineError::new(format!("the Spark job failed: {fatal}"))),
            None => Ok(answer),
        }
    }

    /// The job's next answer line.
    fn answer(&mut self) -> Result<Value, EngineError> {
        let mut line = Vec::new();
        let read = match self.connection.as_mut() {
            Some((reader, _)) => reader
                .by_ref()
                .take(MAX_ANSWER_BYTES)
                .read_until(b'\n', &mut line),
            None => Err(std::io::Error::from(std::io::ErrorKind::NotConnected)),
        };
        match read {
            Ok(0) => return Err(self.died(None)),
            Ok(_) if line.last() != Some(&b'\n') => {
                return Err(EngineError::new(format!(
                    "the Spark job's answer is cut off or longer than {MAX_ANSWER_BYTES} bytes"
                )));
            }
            Ok(_) => {}
            Err(e) => return Err(self.died(Some(e))),
        }
        serde_json::from_slice(&line)
            .map_err(|e| EngineError::with_source("the Spark job answered something unreadable", e))
    }

    /// The error for a job that stopped answering: its exit status and the
    /// end of what it printed.
    fn died(&mut self, cause: Option<std::io::Error>) -> EngineError {
        let status = wait_a_little(&mut self.child);
        // The output readers may still be taking the last lines in.
        std::thread::sleep(Duration::from_millis(200));
        let tail = self
            .output
            .lock()
            .map(|t| t.iter().cloned().collect::<Vec<_>>().join("\n"))
            .unwrap_or_default();
        let message = format!(
            "the Spark job stopped ({}); the end of its output:\n{tail}",
            status.map_or_else(|| "still running".into(), |s| s.to_string())
        );
        match cause {
            Some(e) => EngineError::with_source(message, e),
            None => EngineError::new(message),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Closing the connection ends the job's loop: it stops its session
        // and exits. One that does not within 10 s is killed.
        drop(self.connection.take());
        if wait_a_little(&mut self.child).is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The child's exit status if it exits within 10 s.
fn wait_a_little(child: &mut Child) -> Option<std::process::ExitStatus> {
    for _ in 0..200 {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// The connection when its first line is the token (read within 10 s);
/// anything else that connected to the port is dropped.
fn authenticated(mut stream: TcpStream, token: &str) -> Option<TcpStream> {
    stream.set_nonblocking(false).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    // Byte by byte: what follows the token is the job's first answer,
    // which a buffered reader here would take away.
    let mut line = Vec::with_capacity(token.len() + 1);
    let mut byte = [0u8; 1];
    while line.len() <= token.len() {
        stream.read_exact(&mut byte).ok()?;
        if byte[0] == b'\n' {
            break;
        }
        line.push(byte[0]);
    }
    if line != token.as_bytes() {
        return None;
    }
    stream.set_read_timeout(None).ok()?;
    Some(stream)
}

/// 128 random bits, in hex.
fn new_token() -> Result<String, EngineError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| EngineError::new(format!("no randomness for the job's token: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Keeps the last lines `from` prints, for error messages.
fn keep_tail(from: impl Read + Send + 'static, tail: Arc<Mutex<VecDeque<String>>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines().map_while(Result::ok) {
            if let Ok(mut tail) = tail.lock() {
                if tail.len() == OUTPUT_LINES {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
        }
    });
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

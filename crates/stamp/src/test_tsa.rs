//! A real TSA for tests: Debian's `openssl ts`, with its own test CA made
//! in a temporary folder (feature `test-tsa`; tests only).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The key a test TSA signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA 2048 with SHA-256, ESS signing-certificate v2 (SHA-256).
    Rsa,
    /// ECDSA P-256 with SHA-256, ESS signing-certificate v1 (SHA-1), as
    /// older TSAs write.
    EcdsaP256,
}

/// A test CA and a TSA certified by it, in `dir`.
#[derive(Debug, Clone)]
pub struct TestTsa {
    dir: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("openssl cannot run ({e}): install Debian's openssl"))?;
    if !out.status.success() {
        return Err(format!(
            "openssl {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(out.stdout)
}

impl TestTsa {
    /// Makes a CA named `ca_name` and a TSA with a `key` key in `dir`.
    pub fn create(dir: &Path, ca_name: &str, key: KeyKind) -> Result<Self, String> {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let w = |name: &str, text: &str| {
            std::fs::write(dir.join(name), text).map_err(|e| e.to_string())
        };
        let subject = format!("/CN={ca_name}");
        openssl(
            dir,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-days",
                "3650",
                "-subj",
                &subject,
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        )?;
        let new_key: &[&str] = match key {
            KeyKind::Rsa => &["-newkey", "rsa:2048"],
            KeyKind::EcdsaP256 => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        };
        let mut request = vec!["req"];
        request.extend_from_slice(new_key);
        request.extend([
            "-nodes",
            "-keyout",
            "tsa.key",
            "-out",
            "tsa.csr",
            "-subj",
            "/CN=Test TSA/O=Worklog Tests",
        ]);
        openssl(dir, &request)?;
        w(
            "ext.cnf",
            "extendedKeyUsage=critical,timeStamping\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n",
        )?;
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                "tsa.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "tsa.crt",
                "-days",
                "3650",
                "-extfile",
                "ext.cnf",
            ],
        )?;
        w("serial", "01\n")?;
        let ess = match key {
            KeyKind::Rsa => "sha256",
            KeyKind::EcdsaP256 => "sha1",
        };
        w(
            "tsa.cnf",
            &format!(
                "[ tsa ]\ndefault_tsa = tsa_config1\n[ tsa_config1 ]\ndir = .\nserial = ./serial\ncrypto_device = builtin\nsigner_cert = ./tsa.crt\ncerts = ./ca.crt\nsigner_key = ./tsa.key\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\nother_policies = 1.2.3.4.5\ndigests = sha256, sha384, sha512\naccuracy = secs:1\nordering = no\ntsa_name = yes\ness_cert_id_chain = no\ness_cert_id_alg = {ess}\n"
            ),
        )?;
        Ok(TestTsa {
            dir: dir.to_owned(),
        })
    }

    /// The CA certificate (PEM) to trust.
    pub fn ca_certificate(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }

    /// The TSA's answer (DER `TimeStampResp`) to a request's DER.
    pub fn reply(&self, request: &[u8]) -> Result<Vec<u8>, String> {
        let name = format!("req-{}.tsq", std::process::id());
        let (query, answer) = (self.dir.join(&name), self.dir.join(format!("{name}.tsr")));
        std::fs::write(&query, request).map_err(|e| e.to_string())?;
        openssl(
            &self.dir,
            &[
                "ts",
                "-reply",
                "-queryfile",
                &name,
                "-config",
                "tsa.cnf",
                "-out",
                &format!("{name}.tsr"),
            ],
        )?;
        let bytes = std::fs::read(&answer).map_err(|e| e.to_string())?;
        let _ = std::fs::remove_file(query);
        let _ = std::fs::remove_file(answer);
        Ok(bytes)
    }

    /// Runs `openssl` with `args` in the TSA's folder (to craft requests).
    pub fn openssl(&self, args: &[&str]) -> Result<Vec<u8>, String> {
        openssl(&self.dir, args)
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// How a served test TSA answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// As a TSA does: its token, `application/timestamp-reply`.
    Answer,
    /// An HTML error page with status 200, as a misconfigured proxy does.
    Garbage,
    /// Reads the request and never answers.
    Silent,
}

/// A test TSA served over HTTP on the loopback interface (one thread; it
/// lives as long as the test process).
#[derive(Debug, Clone)]
pub struct Served {
    /// `http://127.0.0.1:<port>/tsa`.
    pub url: String,
}

impl TestTsa {
    /// Serves this TSA over HTTP (RFC 3161 §3.4: a POST of the request, the
    /// answer in the body).
    pub fn serve(&self, behaviour: Behaviour) -> Result<Served, String> {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let url = format!(
            "http://{}/tsa",
            listener.local_addr().map_err(|e| e.to_string())?
        );
        let tsa = self.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(&stream);
                let mut length = 0usize;
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    if line == "\r\n" {
                        break;
                    }
                    let lower = line.to_ascii_lowercase();
                    if let Some(v) = lower.strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    line.clear();
                }
                let mut body = vec![0; length.min(1 << 20)];
                if reader.read_exact(&mut body).is_err() {
                    continue;
                }
                let (status, kind, answer) = match behaviour {
                    Behaviour::Answer => match tsa.reply(&body) {
                        Ok(answer) => ("200 OK", "application/timestamp-reply", answer),
                        Err(e) => ("500 Internal Server Error", "text/plain", e.into_bytes()),
                    },
                    Behaviour::Garbage => {
                        ("200 OK", "text/html", b"<html>maintenance</html>".to_vec())
                    }
                    Behaviour::Silent => {
                        held.push(stream);
                        continue;
                    }
                };
                let mut stream = &stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    answer.len()
                );
                let _ = stream.write_all(&answer);
            }
        });
        Ok(Served { url })
    }
}

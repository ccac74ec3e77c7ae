//! `worklog`: the auditor's command line. Thin glue over the `worklog` crate.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use worklog::ledger::{
    AnchorLog, HeadClaim, InclusionProof, Keyring, Role, SecretKey, Verifier, VerifyReport,
    export_heads, prove, prune,
};
use worklog::schema::{Date, Timestamp};
use worklog::{AnalyzeConfig, DemoConfig, analyze, run_demo};

/// Exit code: the job completed and found nothing wrong.
const EXIT_OK: u8 = 0;
/// Exit code: integrity anomalies were found.
const EXIT_ANOMALIES: u8 = 1;
/// Exit code: usage or input error.
const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "worklog",
    version,
    about = "Tamper-evident PC operation logs and compliance evidence for 業務品質評価基準 items 108-125",
    after_help = "Exit codes: 0 done, 1 integrity anomalies found, 2 usage or input error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a fleet, write it to a signed store, anchor it and verify it.
    #[command(
        after_help = "Example:\n  worklog demo --out worklog-out\n  worklog demo --out big --devices 100 --days 30 --events-per-day 2000"
    )]
    Demo {
        /// Output folder (must not hold a store yet).
        #[arg(long, default_value = "worklog-out")]
        out: PathBuf,
        /// Simulated devices.
        #[arg(long, default_value_t = DemoConfig::default().devices)]
        devices: usize,
        /// Simulated days.
        #[arg(long, default_value_t = DemoConfig::default().days)]
        days: u32,
        /// Events per device per working day.
        #[arg(long, default_value_t = DemoConfig::default().events_per_device_day)]
        events_per_day: u32,
        /// Simulator seed (same seed, same events).
        #[arg(long, default_value_t = DemoConfig::default().seed)]
        seed: u64,
    },
    /// Import events from JSON Lines or CSV into a store through the ledger writer.
    #[command(
        after_help = "Rejected lines go to the reject file (JSON Lines: line, reason, raw) and the rest is ingested; \
the exit code is 2 when any line was rejected.\n\nFormat: one event per line with the schema's field names \
(docs/ingest-format.md, docs/field-reference.md); `seq` is assigned by the ledger.\n\nExample:\n  \
worklog ingest --input events.jsonl --store store --keys keys --create-keys"
    )]
    Ingest {
        /// The input file (.jsonl/.json: JSON Lines; .csv: CSV with a header).
        #[arg(long)]
        input: PathBuf,
        /// The store folder (created if missing).
        #[arg(long)]
        store: PathBuf,
        /// Keys folder: public keys, secrets in <keys>/secret/<device>.key.
        #[arg(long)]
        keys: PathBuf,
        /// Where rejected lines go (default: <input>.rejects.jsonl).
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// Generate a key for a device that has none (otherwise its lines are rejected).
        #[arg(long)]
        create_keys: bool,
    },
    /// Verify a store's hash chains, signatures and (optionally) anchors.
    #[command(
        after_help = "Example:\n  worklog verify --store worklog-out/store --keys worklog-out/keys --anchors worklog-out/anchors.jsonl"
    )]
    Verify {
        /// The store folder.
        #[arg(long)]
        store: PathBuf,
        /// Folder of trusted public keys (*.pub).
        #[arg(long)]
        keys: PathBuf,
        /// Anchor log to check heads against.
        #[arg(long)]
        anchors: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run the rule pack over a store and a policy for a period: findings and verdicts.
    #[command(
        after_help = "Writes analysis.json (the whole model), findings.parquet and verdicts.parquet into --out.\n\
Days are local dates in the policy's time zone (default Asia/Tokyo), both included.\n\n\
Example:\n  worklog analyze --store worklog-out/store --policy worklog-out/policy --from 2026-10-01 --to 2026-10-14 --out analysis"
    )]
    Analyze {
        /// The store folder.
        #[arg(long)]
        store: PathBuf,
        /// The policy folder.
        #[arg(long)]
        policy: PathBuf,
        /// The rule pack folder (default: the pack built into this program,
        /// written to <out>/rules).
        #[arg(long)]
        rules: Option<PathBuf>,
        /// First day (YYYY-MM-DD, local).
        #[arg(long)]
        from: String,
        /// Last day (YYYY-MM-DD, local, included).
        #[arg(long)]
        to: String,
        /// Output folder.
        #[arg(long, default_value = "analysis")]
        out: PathBuf,
        /// Print the verdict summary as JSON.
        #[arg(long)]
        json: bool,
        /// Exit 1 when any finding (not waived) remains: for pipelines that gate on it.
        #[arg(long, value_enum)]
        fail_on: Option<FailOn>,
    },
    /// Verify, analyze and report in one job: the auditor's batch job.
    #[command(
        after_help = "Writes verification.json, analysis/ (analysis.json, findings.parquet, verdicts.parquet) and \
report/ (report.xlsx, report.html, report.json, findings.csv) into --out.\n\n\
Settings come from flags, then WORKLOG_* environment variables, then the configuration file \
(--config, or ./worklog.toml when present; paths in it are relative to it).\n\n\
Exit codes: 0 done, 1 integrity anomalies (or, with --fail-on findings, any finding), 2 usage or input error.\n\n\
Examples:\n  worklog audit --demo --out worklog-out\n  \
worklog audit --store store --keys keys --anchors anchors.jsonl --policy policy --from 2026-10-01 --to 2026-10-31 --out audit-2026-10\n  \
worklog audit --config worklog.toml --fail-on findings"
    )]
    Audit(AuditArgs),
    /// Write the Excel, HTML and JSON reports of an analysis.
    #[command(after_help = "Example:\n  worklog report --analysis analysis --out report --lang en")]
    Report {
        /// `analysis.json` written by `worklog analyze`, or its folder.
        #[arg(long)]
        analysis: PathBuf,
        /// Output folder.
        #[arg(long, default_value = "report")]
        out: PathBuf,
        /// Report language.
        #[arg(long, value_enum, default_value = "ja")]
        lang: Lang,
    },
    /// List, check or show the rules of a pack.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Generate an Ed25519 key pair (device or authority).
    #[command(after_help = "Example:\n  worklog keygen --role device --id PC-0001 --out keys")]
    Keygen {
        /// device or authority.
        #[arg(long, value_enum)]
        role: KeyRole,
        /// Device id, or the authority's name.
        #[arg(long)]
        id: String,
        /// The keys folder: writes <out>/<id>.pub and <out>/secret/<id>.key,
        /// the layout `ingest`, `verify` and `audit` read.
        #[arg(long)]
        out: PathBuf,
    },
    /// Export heads for anchoring, or countersign them into an anchor log.
    #[command(subcommand)]
    Anchor(AnchorCommand),
    /// Produce (and check) the inclusion proof of one event.
    #[command(
        after_help = "Example:\n  worklog prove --store worklog-out/store --device PC-0002 --seq 120 --keys worklog-out/keys"
    )]
    Prove {
        /// The store folder.
        #[arg(long)]
        store: PathBuf,
        /// The device.
        #[arg(long)]
        device: String,
        /// The event's sequence number.
        #[arg(long)]
        seq: u64,
        /// Check the proof against these public keys as well.
        #[arg(long)]
        keys: Option<PathBuf>,
    },
    /// Remove segments older than a date under a signed prune checkpoint.
    Prune {
        /// The store folder.
        #[arg(long)]
        store: PathBuf,
        /// The device.
        #[arg(long)]
        device: String,
        /// Remove segments whose every event is before this date (UTC, YYYY-MM-DD).
        #[arg(long)]
        before: String,
        /// The authority's secret key file.
        #[arg(long)]
        authority_key: PathBuf,
    },
}

#[derive(Subcommand)]
enum RulesCommand {
    /// List the pack's rules (id, category, items, severity, title).
    List {
        /// The rule pack folder (default: the pack built into this program).
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// Check every rule file: metadata, parameters, SQL planned against the schema.
    Check {
        /// The rule pack folder (default: the pack built into this program).
        #[arg(long)]
        rules: Option<PathBuf>,
        /// The policy folder whose settings fill the parameters.
        #[arg(long)]
        policy: PathBuf,
    },
    /// Show one rule: its texts and its SQL with parameters filled in.
    Show {
        /// The rule id.
        id: String,
        /// The rule pack folder (default: the pack built into this program).
        #[arg(long)]
        rules: Option<PathBuf>,
        /// The policy folder whose settings fill the parameters.
        #[arg(long)]
        policy: PathBuf,
    },
}

#[derive(Subcommand)]
enum AnchorCommand {
    /// Write every device's latest head claim (JSON Lines).
    Export {
        /// The store folder.
        #[arg(long)]
        store: PathBuf,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Check head claims and countersign them into the anchor log.
    Import {
        /// Head claims from `anchor export`.
        #[arg(long)]
        claims: PathBuf,
        /// The anchor log (appended to).
        #[arg(long)]
        anchors: PathBuf,
        /// Folder of device public keys.
        #[arg(long)]
        keys: PathBuf,
        /// The authority's secret key file.
        #[arg(long)]
        authority_key: PathBuf,
    },
}

#[derive(clap::Args)]
struct AuditArgs {
    /// Simulate the demo fleet into --out and audit it: no other input needed.
    #[arg(long)]
    demo: bool,
    /// Configuration file (default: ./worklog.toml when present).
    #[arg(long, env = "WORKLOG_CONFIG")]
    config: Option<PathBuf>,
    /// The store folder.
    #[arg(long, env = "WORKLOG_STORE")]
    store: Option<PathBuf>,
    /// Folder of trusted public keys.
    #[arg(long, env = "WORKLOG_KEYS")]
    keys: Option<PathBuf>,
    /// The anchor log.
    #[arg(long, env = "WORKLOG_ANCHORS")]
    anchors: Option<PathBuf>,
    /// The policy folder.
    #[arg(long, env = "WORKLOG_POLICY")]
    policy: Option<PathBuf>,
    /// The rule pack folder (default: the pack built into this program,
    /// written to <out>/rules).
    #[arg(long, env = "WORKLOG_RULES")]
    rules: Option<PathBuf>,
    /// First day (YYYY-MM-DD, local).
    #[arg(long, env = "WORKLOG_FROM")]
    from: Option<String>,
    /// Last day (YYYY-MM-DD, local, included).
    #[arg(long, env = "WORKLOG_TO")]
    to: Option<String>,
    /// Output folder (default: worklog-out).
    #[arg(long, env = "WORKLOG_OUT")]
    out: Option<PathBuf>,
    /// Report language (default: ja).
    #[arg(long, env = "WORKLOG_LANG", value_enum)]
    lang: Option<Lang>,
    /// Print the result (verdicts, anomalies, files) as JSON.
    #[arg(long)]
    json: bool,
    /// Exit 1 when any finding (not waived) remains.
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// No progress on stderr.
    #[arg(long, short)]
    quiet: bool,
}

/// `worklog.toml`: every audit setting; paths relative to the file.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    store: Option<PathBuf>,
    keys: Option<PathBuf>,
    anchors: Option<PathBuf>,
    policy: Option<PathBuf>,
    rules: Option<PathBuf>,
    from: Option<String>,
    to: Option<String>,
    out: Option<PathBuf>,
    language: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Lang {
    /// 日本語
    Ja,
    /// English
    En,
}

impl Lang {
    fn language(self) -> worklog::rules::Language {
        match self {
            Lang::Ja => worklog::rules::Language::Ja,
            Lang::En => worklog::rules::Language::En,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    /// Any finding that is not waived.
    Findings,
}

#[derive(Clone, Copy, ValueEnum)]
enum KeyRole {
    Device,
    Authority,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            if is_broken_pipe(&error) {
                return ExitCode::from(EXIT_OK);
            }
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Demo {
            out,
            devices,
            days,
            events_per_day,
            seed,
        } => {
            let config = DemoConfig {
                seed,
                devices,
                days,
                events_per_device_day: events_per_day,
                language: worklog::rules::Language::Ja,
            };
            let demo = run_demo(&out, &config)
                .with_context(|| format!("demo job in {}", out.display()))?;
            let mut text = format!(
                "Simulated {} devices × {} days: {} events written to a signed store, {} ground-truth labels.\n",
                devices, days, demo.events, demo.labels
            );
            text += &summary(&demo.verification);
            text += &verdict_summary(&demo.analysis);
            text += &report_paths(&demo.reports);
            text += &format!(
                "\nanalysis:      {}\nstore:         {}\nkeys:          {}\nanchors:       {}\npolicy:        {}\nground truth:  {}\nverification:  {}\n",
                demo.analysis_dir.display(),
                demo.store.display(),
                demo.keys.display(),
                demo.anchors.display(),
                demo.policy.display(),
                demo.ground_truth.display(),
                demo.verification_json.display()
            );
            print(&text)?;
            Ok(exit_for(&demo.verification))
        }
        Command::Analyze {
            store,
            policy,
            rules,
            from,
            to,
            out,
            json,
            fail_on,
        } => {
            let day = |text: &str, what: &str| {
                worklog::rules::Period::parse_day(text, what).context("bad period")
            };
            let rules = match rules {
                Some(dir) => dir,
                None => {
                    let dir = out.join("rules");
                    worklog::write_default_pack(&dir).with_context(|| {
                        format!("writing the default rule pack into {}", dir.display())
                    })?;
                    dir
                }
            };
            let config = AnalyzeConfig {
                store,
                policy,
                rules,
                first_day: day(&from, "--from")?,
                last_day: day(&to, "--to")?,
                verification: None,
            };
            let analysis = analyze(&config).context("analysis")?;
            worklog::rules::write_analysis(&analysis, &out)
                .with_context(|| format!("writing the analysis into {}", out.display()))?;
            if json {
                let rollups: Vec<_> = analysis
                    .rollups
                    .iter()
                    .filter(|r| r.department.is_none())
                    .collect();
                print(&(serde_json::to_string_pretty(&rollups)? + "\n"))?;
            } else {
                print(
                    &(verdict_summary(&analysis)
                        + &format!("\nanalysis:      {}\n", out.display())),
                )?;
            }
            let gate = fail_on.is_some() && !analysis.findings.is_empty();
            Ok(if gate { EXIT_ANOMALIES } else { EXIT_OK })
        }
        Command::Audit(args) => run_audit(args),
        Command::Report {
            analysis,
            out,
            lang,
        } => {
            let analysis = worklog::load_analysis(&analysis)?;
            let files = worklog::report::write_reports(
                &analysis,
                &out,
                &worklog::report::ReportOptions {
                    language: lang.language(),
                    ..Default::default()
                },
                worklog::report::Generation::now(),
            )
            .with_context(|| format!("writing the reports into {}", out.display()))?;
            print(&report_paths(&files))?;
            Ok(EXIT_OK)
        }
        Command::Rules(RulesCommand::List { rules }) => {
            let (pack, _embedded) = load_pack(rules.as_deref())?;
            let mut text = format!("{} ({} rules)\n", pack.catalog.edition, pack.rules.len());
            for r in &pack.rules {
                text += &format!(
                    "{:<36} {:<5} {:<8} {:<7} {}\n",
                    r.id,
                    r.category.as_str(),
                    r.items.join(","),
                    r.severity.as_str(),
                    r.title_ja
                );
            }
            for p in &pack.problems {
                text += &format!("unusable: {p}\n");
            }
            print(&text)?;
            Ok(if pack.problems.is_empty() {
                EXIT_OK
            } else {
                EXIT_ERROR
            })
        }
        Command::Rules(RulesCommand::Check { rules, policy }) => {
            let (pack, _embedded) = load_pack(rules.as_deref())?;
            let policy = worklog::load_policy(&policy)?;
            let problems = rules_checker(&pack, &policy)?.check()?;
            for p in pack.problems.iter().chain(&problems) {
                eprintln!("error: {p}");
            }
            let bad = pack.problems.len() + problems.len();
            print(&format!(
                "{} rules, {bad} with problems\n",
                pack.rules.len() + pack.problems.len()
            ))?;
            Ok(if bad == 0 { EXIT_OK } else { EXIT_ERROR })
        }
        Command::Rules(RulesCommand::Show { id, rules, policy }) => {
            let (pack, _embedded) = load_pack(rules.as_deref())?;
            let policy = worklog::load_policy(&policy)?;
            let Some(rule) = pack.rule(&id) else {
                bail!(
                    "no rule {id:?} in {}: see `worklog rules list`",
                    rules.map_or("the default pack".into(), |r| r.display().to_string())
                );
            };
            let params = rules_checker(&pack, &policy)?.params().clone();
            let sql = rule.render_sql(&params)?;
            print(&format!(
                "{}  [{} {} {}]\n{}\n{}\n\n{}\n{}\n\n対処 / remediation:\n{}\n{}\n\nSQL ({} line {}):\n{}\n",
                rule.id,
                rule.category.as_str(),
                rule.items.join(","),
                rule.severity,
                rule.title_ja,
                rule.title_en,
                rule.rationale_ja,
                rule.rationale_en,
                rule.remediation_ja,
                rule.remediation_en,
                rule.file,
                rule.sql_line,
                sql.trim()
            ))?;
            Ok(EXIT_OK)
        }
        Command::Ingest {
            input,
            store,
            keys,
            rejects,
            create_keys,
        } => {
            let rejects = rejects.unwrap_or_else(|| {
                let mut name = input.file_name().unwrap_or_default().to_os_string();
                name.push(".rejects.jsonl");
                input.with_file_name(name)
            });
            let format = worklog::InputFormat::from_path(&input);
            let report = worklog::ingest(&input, format, &store, &keys, &rejects, create_keys)
                .with_context(|| format!("ingesting {}", input.display()))?;
            print(&format!(
                "{} events ingested for {} devices into {}; {} lines rejected{}\n",
                report.accepted,
                report.devices.len(),
                store.display(),
                report.rejected,
                if report.rejected > 0 {
                    format!(" (see {})", rejects.display())
                } else {
                    String::new()
                }
            ))?;
            if report.rejected > 0 {
                // The reject file holds every line with its reason; name
                // the first here so a batch log shows what went wrong.
                let first = std::fs::read_to_string(&rejects)
                    .ok()
                    .and_then(|t| t.lines().next().map(str::to_owned))
                    .and_then(|l| serde_json::from_str::<serde_json::Value>(&l).ok())
                    .map(|v| {
                        format!(
                            "; first: line {} — {}",
                            v["line"],
                            v["reason"].as_str().unwrap_or_default()
                        )
                    })
                    .unwrap_or_default();
                eprintln!(
                    "error: {} line(s) of {} rejected, see {}{first}",
                    report.rejected,
                    input.display(),
                    rejects.display()
                );
                return Ok(EXIT_ERROR);
            }
            Ok(EXIT_OK)
        }
        Command::Verify {
            store,
            keys,
            anchors,
            json,
        } => {
            let keyring = load_keys(&keys)?;
            let log = match &anchors {
                Some(path) => Some(open_anchor_log(path)?),
                None => None,
            };
            let verifier = Verifier::new(&keyring);
            let verifier = match (&log, &anchors) {
                (Some(log), Some(path)) => verifier.anchors(log, path.display().to_string()),
                _ => verifier,
            };
            if !store.is_dir() {
                bail!(
                    "store {} is not a folder; pass the folder that holds device_id=… partitions",
                    store.display()
                );
            }
            let report = verifier
                .verify(&store)
                .with_context(|| format!("verifying {}", store.display()))?;
            if json {
                print(&(serde_json::to_string_pretty(&report)? + "\n"))?;
            } else {
                print(&summary(&report))?;
            }
            Ok(exit_for(&report))
        }
        Command::Keygen { role, id, out } => {
            let role = match role {
                KeyRole::Device => Role::Device,
                KeyRole::Authority => Role::Authority,
            };
            let secret_dir = out.join("secret");
            std::fs::create_dir_all(&secret_dir)
                .with_context(|| format!("creating {}", secret_dir.display()))?;
            let key = SecretKey::generate(role, &id)?;
            let (secret, public) = (
                secret_dir.join(format!("{id}.key")),
                out.join(format!("{id}.pub")),
            );
            key.write(&secret)
                .context("writing the secret key (it must not exist yet)")?;
            key.public().write(&public)?;
            print(&format!(
                "{role} key {} (id {})\nsecret: {}\npublic: {}\n",
                id,
                key.public().key_id(),
                secret.display(),
                public.display()
            ))?;
            Ok(EXIT_OK)
        }
        Command::Anchor(AnchorCommand::Export { store, out }) => {
            let claims = export_heads(&store)
                .with_context(|| format!("reading heads of {}", store.display()))?;
            let mut text = String::new();
            for claim in &claims {
                text += &serde_json::to_string(claim)?;
                text.push('\n');
            }
            std::fs::write(&out, text).with_context(|| format!("writing {}", out.display()))?;
            print(&format!(
                "{} head claims written to {}\n",
                claims.len(),
                out.display()
            ))?;
            Ok(EXIT_OK)
        }
        Command::Anchor(AnchorCommand::Import {
            claims,
            anchors,
            keys,
            authority_key,
        }) => {
            let keyring = load_keys(&keys)?;
            let authority = SecretKey::read(&authority_key)?;
            let mut log = open_anchor_log(&anchors)?;
            let text = std::fs::read_to_string(&claims)
                .with_context(|| format!("reading {}", claims.display()))?;
            let now = Timestamp(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)?
                    .as_micros() as i64,
            );
            let mut anchored = 0;
            for (i, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                let claim: HeadClaim = serde_json::from_str(line).with_context(|| {
                    format!("{} line {}: not a head claim", claims.display(), i + 1)
                })?;
                log.anchor(&claim, &keyring, &authority, now.0)
                    .with_context(|| format!("{} line {}", claims.display(), i + 1))?;
                anchored += 1;
            }
            print(&format!(
                "{anchored} heads anchored in {}\n",
                anchors.display()
            ))?;
            Ok(EXIT_OK)
        }
        Command::Prove {
            store,
            device,
            seq,
            keys,
        } => {
            let proof: InclusionProof = prove(&store, &device, seq)?;
            if let Some(keys) = keys {
                proof.check(&load_keys(&keys)?)?;
                eprintln!(
                    "proof checked: event {seq} of {device} is in {} under a valid signature",
                    proof.segment_file
                );
            }
            print(&(serde_json::to_string_pretty(&proof)? + "\n"))?;
            Ok(EXIT_OK)
        }
        Command::Prune {
            store,
            device,
            before,
            authority_key,
        } => {
            let Some(date) = Date::parse(&before) else {
                bail!("--before {before:?} is not a date such as 2016-04-01");
            };
            let authority = SecretKey::read(&authority_key)?;
            let horizon = Timestamp::from_secs(i64::from(date.0) * 86_400);
            match prune(&store, &device, horizon, &authority)? {
                Some(cp) => print(&format!(
                    "pruned {device} through seq {} (checkpoint signed by {})\n",
                    cp.cut_seq, cp.authority_key_id
                ))?,
                None => print(&format!("nothing of {device} is older than {before}\n"))?,
            }
            Ok(EXIT_OK)
        }
    }
}

fn report_paths(files: &worklog::report::ReportFiles) -> String {
    format!(
        "excel:         {}\nhtml:          {}\njson:          {}\ncsv:           {}\n",
        files.excel.display(),
        files.html.display(),
        files.json.display(),
        files.csv.display()
    )
}

/// A spinner on stderr when it is a terminal and not `--quiet`.
fn progress(quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

fn run_audit(args: AuditArgs) -> Result<u8> {
    let bar = progress(args.quiet);
    let fail_on_findings = args.fail_on.is_some();
    if args.demo {
        let out = args
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from("worklog-out"));
        bar.set_message(
            "simulating the demo fleet, signing, anchoring, verifying, analysing, reporting",
        );
        let config = DemoConfig {
            language: args
                .lang
                .map_or(worklog::rules::Language::Ja, Lang::language),
            ..DemoConfig::default()
        };
        let demo =
            run_demo(&out, &config).with_context(|| format!("demo audit in {}", out.display()))?;
        bar.finish_and_clear();
        let mut text = format!(
            "Simulated {} devices × {} days: {} events, signed, anchored; {} ground-truth labels in {}.\n",
            config.devices,
            config.days,
            demo.events,
            demo.labels,
            demo.ground_truth.display()
        );
        text += &summary(&demo.verification);
        text += &verdict_summary(&demo.analysis);
        text += &format!("\nanalysis:      {}\n", demo.analysis_dir.display());
        text += &report_paths(&demo.reports);
        print(&text)?;
        return Ok(audit_exit(
            &demo.verification,
            &demo.analysis,
            fail_on_findings,
        ));
    }
    let (file, base) = match &args.config {
        Some(path) => (
            Some(path.clone()),
            path.parent().map(Path::to_path_buf).unwrap_or_default(),
        ),
        None if Path::new("worklog.toml").is_file() => {
            (Some(PathBuf::from("worklog.toml")), PathBuf::new())
        }
        None => (None, PathBuf::new()),
    };
    let config: ConfigFile = match &file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the configuration {}", path.display()))?;
            toml::from_str(&text).with_context(|| {
                format!("configuration {} is not valid (fields: store, keys, anchors, policy, rules, from, to, out, language)", path.display())
            })?
        }
        None => ConfigFile::default(),
    };
    let from_file = |p: Option<PathBuf>| p.map(|p| base.join(p));
    let need = |value: Option<PathBuf>, flag: &str| {
        value.with_context(|| {
            format!("{flag} is required (or set it in worklog.toml, or use --demo)")
        })
    };
    let store = need(args.store.or(from_file(config.store)), "--store")?;
    let keys = need(args.keys.or(from_file(config.keys)), "--keys")?;
    let policy = need(args.policy.or(from_file(config.policy)), "--policy")?;
    let anchors = args.anchors.or(from_file(config.anchors));
    let rules = args.rules.or(from_file(config.rules));
    let out = args
        .out
        .or(from_file(config.out))
        .unwrap_or_else(|| PathBuf::from("worklog-out"));
    let language = match (args.lang, config.language.as_deref()) {
        (Some(lang), _) => lang.language(),
        (None, Some(code)) => worklog::rules::Language::from_code(code)
            .with_context(|| format!("language {code:?} in the configuration: use ja or en"))?,
        (None, None) => worklog::rules::Language::Ja,
    };
    let day = |value: Option<String>, flag: &str| -> Result<worklog::rules::NaiveDate> {
        let text = value.with_context(|| format!("{flag} is required (YYYY-MM-DD)"))?;
        Ok(worklog::rules::Period::parse_day(&text, flag)?)
    };
    let first_day = day(args.from.or(config.from), "--from")?;
    let last_day = day(args.to.or(config.to), "--to")?;
    let audit_config = worklog::AuditConfig {
        store,
        keys,
        anchors,
        policy,
        rules,
        first_day,
        last_day,
        out: out.clone(),
        language,
    };
    let result = worklog::audit(&audit_config, &|stage| bar.set_message(stage.to_owned()))
        .with_context(|| format!("audit into {}", out.display()))?;
    bar.finish_and_clear();
    if args.json {
        let rollups: Vec<_> = result
            .analysis
            .rollups
            .iter()
            .filter(|r| r.department.is_none())
            .collect();
        let anomalies: Vec<String> = result
            .verification
            .anomalies()
            .map(ToString::to_string)
            .collect();
        let value = serde_json::json!({
            "anomalies": anomalies,
            "verdicts": rollups,
            "findings": result.analysis.findings.len(),
            "problems": result.analysis.problems,
            "reports": {
                "excel": result.reports.excel,
                "html": result.reports.html,
                "json": result.reports.json,
                "csv": result.reports.csv,
            },
        });
        print(&(serde_json::to_string_pretty(&value)? + "\n"))?;
    } else {
        let mut text = summary(&result.verification);
        text += &verdict_summary(&result.analysis);
        text += &format!("\nanalysis:      {}\n", out.join("analysis").display());
        text += &report_paths(&result.reports);
        print(&text)?;
    }
    Ok(audit_exit(
        &result.verification,
        &result.analysis,
        fail_on_findings,
    ))
}

fn audit_exit(
    verification: &VerifyReport,
    analysis: &worklog::rules::Analysis,
    fail_on_findings: bool,
) -> u8 {
    if !verification.is_clean() || (fail_on_findings && !analysis.findings.is_empty()) {
        EXIT_ANOMALIES
    } else {
        EXIT_OK
    }
}

/// An analyzer over a one-day period, for checking and rendering rules.
fn rules_checker<'a>(
    pack: &'a worklog::rules::RulePack,
    policy: &'a worklog::schema::policy::Policy,
) -> Result<worklog::rules::Analyzer<'a>> {
    let day = worklog::rules::Period::parse_day("2026-01-01", "day")?;
    let zone = policy
        .settings
        .as_ref()
        .map_or("Asia/Tokyo", |s| s.time_zone.as_str());
    let period = worklog::rules::Period::new(day, day, zone)?;
    Ok(worklog::rules::Analyzer::builder(pack, policy)
        .period(period)
        .build()?)
}

/// The organisation's verdict per item, and what else needs attention.
fn verdict_summary(analysis: &worklog::rules::Analysis) -> String {
    let mut text = format!(
        "\n{} — {} to {} ({}), {} events, {} devices\n",
        analysis.organisation,
        analysis.period.first_day,
        analysis.period.last_day,
        analysis.period.time_zone,
        analysis.events,
        analysis.devices.len()
    );
    for item in &analysis.items {
        if let Some(r) = analysis.organisation_verdict(&item.number) {
            let counts: Vec<String> = r
                .counts
                .iter()
                .map(|(v, n)| format!("{} {n}", v.name_ja()))
                .collect();
            text += &format!(
                "  {:<6} {:<8} findings {:>4}   ({})\n",
                item.number,
                r.verdict.name_ja(),
                r.findings,
                counts.join(", ")
            );
        }
    }
    let leak = analysis
        .findings
        .iter()
        .filter(|f| f.category == worklog::rules::Category::Leak)
        .count();
    text += &format!(
        "  leak signals {leak}, waived findings {}, files not analysed {}\n",
        analysis.waived.len(),
        analysis.problems.len()
    );
    for check in &analysis.log_checks {
        text += &format!(
            "  {}: {:?} — {}\n",
            check.name_ja, check.status, check.detail_en
        );
    }
    for p in &analysis.problems {
        text += &format!(
            "  problem ({}) {}{}: {}\n",
            p.source,
            p.file,
            p.line.map(|l| format!(" line {l}")).unwrap_or_default(),
            p.reason
        );
    }
    text
}

fn load_keys(dir: &Path) -> Result<Keyring> {
    let ring = Keyring::load_dir(dir)
        .with_context(|| format!("loading public keys from {}", dir.display()))?;
    for (path, reason) in &ring.problems {
        eprintln!("warning: key file {} skipped: {reason}", path.display());
    }
    Ok(ring)
}

fn open_anchor_log(path: &Path) -> Result<AnchorLog> {
    let (log, problems) = AnchorLog::open(path)?;
    for p in problems {
        eprintln!("warning: {} line {}: {}", path.display(), p.line, p.reason);
    }
    Ok(log)
}

fn exit_for(report: &VerifyReport) -> u8 {
    if report.is_clean() {
        EXIT_OK
    } else {
        EXIT_ANOMALIES
    }
}

fn summary(report: &VerifyReport) -> String {
    let devices = report.devices.len();
    let anomalies: Vec<_> = report.anomalies().collect();
    let mut text = format!(
        "Verified {} segment files, {} events of {} devices ({:.1} MB canonical): ",
        report.files,
        report.rows,
        devices,
        report.canonical_bytes as f64 / 1e6
    );
    if anomalies.is_empty() {
        let anchored: u64 = report.devices.iter().map(|d| d.anchors_matched).sum();
        text += &format!("every chain intact, {anchored} anchors matched.\n");
    } else {
        text += &format!("{} integrity anomalies.\n", anomalies.len());
        for a in anomalies {
            text += &format!("  {a}\n");
        }
    }
    text
}

/// The pack at `dir`, or the one built into the program (written to a
/// temporary folder that lives as long as the returned guard).
fn load_pack(
    dir: Option<&Path>,
) -> Result<(worklog::rules::RulePack, Option<worklog::EmbeddedPack>)> {
    match dir {
        Some(dir) => Ok((
            worklog::rules::RulePack::load(dir)
                .with_context(|| format!("loading the rule pack {}", dir.display()))?,
            None,
        )),
        None => {
            let embedded = worklog::EmbeddedPack::write()?;
            let pack = worklog::rules::RulePack::load(embedded.dir())
                .context("loading the default rule pack")?;
            Ok((pack, Some(embedded)))
        }
    }
}

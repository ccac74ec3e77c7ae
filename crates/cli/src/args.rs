//! The command line's arguments: clap structs only, no command logic.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use worklog::model::NaiveDate;

/// The command line.
#[derive(Parser)]
#[command(
    name = "worklog",
    version,
    about = "Tamper-evident PC operation logs and compliance evidence for 業務品質評価基準 items 108-125",
    after_help = "Exit codes: 0 done, 1 integrity anomalies (or, with --fail-on, findings) found or a time-stamp broken, 2 usage or input error, 3 internal error (a bug: the job did not finish)."
)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand)]
pub(crate) enum Command {
    /// Import events from JSON Lines or CSV into a store through the ledger writer.
    #[command(
        after_help = "Rejected lines go to the reject file (JSON Lines: line, reason, raw) and the rest is ingested; \
the exit code is 2 when any line was rejected.\n\nFormat: one event per line with the schema's field names \
(docs/ingest-format.md, docs/field-reference.md); `seq` is assigned by the ledger.\n\nExample:\n  \
worklog ingest --input events.jsonl --store store --keys keys --create-keys"
    )]
    Ingest(IngestArgs),
    /// Verify a store's hash chains, signatures and (optionally) anchors.
    #[command(
        after_help = "Example:\n  worklog verify --store worklog-out/store --keys worklog-out/keys --anchors worklog-out/anchors.jsonl"
    )]
    Verify(VerifyArgs),
    /// Run the rule pack over a store and a policy for a period: findings and verdicts.
    #[command(
        after_help = "Writes analysis.json (the whole model), findings.parquet and verdicts.parquet into --out.\n\
Days are local dates in the policy's time zone (default Asia/Tokyo), both included.\n\n\
Example:\n  worklog analyze --store worklog-out/store --policy worklog-out/policy --from 2026-10-01 --to 2026-10-14 --out analysis"
    )]
    Analyze(AnalyzeArgs),
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
    Audit(Box<AuditArgs>),
    /// Write the Excel, HTML and JSON reports of an analysis.
    #[command(after_help = "Example:\n  worklog report --analysis analysis --out report --lang en")]
    Report(ReportArgs),
    /// List, check or show the rules of a pack.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Generate an Ed25519 key pair (device or authority).
    #[command(after_help = "Example:\n  worklog keygen --role device --id PC-0001 --out keys")]
    Keygen(KeygenArgs),
    /// Export heads for anchoring, or countersign them into an anchor log.
    #[command(subcommand)]
    Anchor(AnchorCommand),
    /// Produce (and check) the inclusion proof of one event.
    #[command(
        after_help = "Example:\n  worklog prove --store worklog-out/store --device PC-0002 --seq 120 --keys worklog-out/keys"
    )]
    Prove(ProveArgs),
    /// Remove segments older than a date under a signed prune checkpoint.
    Prune(PruneArgs),
}

// `worklog ingest`: Import events from JSON Lines or CSV into a store through the ledger writer.
#[derive(clap::Args)]
pub(crate) struct IngestArgs {
    /// The input file (.jsonl/.json: JSON Lines; .csv: CSV with a header).
    #[arg(long, conflicts_with = "paths")]
    pub input: Option<PathBuf>,
    /// Input files or folders (with --format evtx: .evtx files, a folder
    /// gives all of its .evtx files; the other exports likewise: .csv,
    /// .json, Squid's *.log*).
    #[arg(value_name = "FILE|DIR")]
    pub paths: Vec<PathBuf>,
    /// Input format (default: from the file name: .csv CSV, .evtx EVTX,
    /// else JSON Lines).
    #[arg(long, value_enum)]
    pub format: Option<IngestFormat>,
    /// The store folder (created if missing).
    #[arg(long)]
    pub store: PathBuf,
    /// Keys folder: public keys, secrets in <keys>/secret/<device>.key.
    #[arg(long)]
    pub keys: PathBuf,
    /// Where rejected lines go (default: <input>.rejects.jsonl; for the
    /// exports of --format evtx, osquery, message-trace, intune, defender
    /// and squid, the records not read go beside the summary).
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// Generate a key for a device that has none (otherwise its lines are rejected).
    #[arg(long)]
    pub create_keys: bool,
    /// Exports: a CSV `computer,device_id` naming the inventory's device
    /// of each computer (default: the computer name, osquery's
    /// hostIdentifier or Intune's device name is the device id; with
    /// --policy, in the inventory's spelling whatever its case).
    #[arg(long)]
    pub computer_map: Option<PathBuf>,
    /// Message trace: the PC of each mail user, a CSV `user,device_id`
    /// (mail address or UPN) or an Intune device export (each device's
    /// primary user).
    #[arg(long)]
    pub user_map: Option<PathBuf>,
    /// Squid: the PC of each client address, a CSV `address,device_id`.
    #[arg(long)]
    pub address_map: Option<PathBuf>,
    /// Exports: the organisation's time zone, for each event's UTC offset
    /// (default: the --policy folder's, else Asia/Tokyo).
    #[arg(long, conflicts_with = "policy")]
    pub time_zone: Option<String>,
    /// Exports: the policy folder whose time zone (`policy.toml`
    /// `time_zone`) gives each event's UTC offset, and whose devices.csv
    /// names the devices.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Exports: where the per-file summary goes (JSON; default:
    /// <store>/_import/<format>-<UTC time>.json).
    #[arg(long)]
    pub summary: Option<PathBuf>,
    /// Print what was done as JSON (each file's account and the store's
    /// outcome) instead of lines of text.
    #[arg(long)]
    pub json: bool,
    /// Language of the lines printed.
    #[arg(long, value_enum, default_value = "ja")]
    pub lang: Lang,
}

/// What `worklog ingest` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum IngestFormat {
    /// One JSON object per line.
    Jsonl,
    /// CSV with a header of column names.
    Csv,
    /// Windows event logs (.evtx).
    Evtx,
    /// osquery result logs (JSON Lines; docs/osquery.md).
    Osquery,
    /// Exchange Online message trace (Get-MessageTrace(V2) | Export-Csv,
    /// the admin center's report).
    MessageTrace,
    /// Intune managed devices (admin center export, reports API, Graph).
    Intune,
    /// Defender for Endpoint advanced hunting (portal export, API JSON).
    Defender,
    /// Squid's native access.log.
    Squid,
}

impl IngestFormat {
    /// The library's format of an export, `None` for the collector's own
    /// JSON Lines and CSV.
    pub(crate) fn export(self) -> Option<worklog::ExportFormat> {
        match self {
            IngestFormat::Jsonl | IngestFormat::Csv => None,
            IngestFormat::Evtx => Some(worklog::ExportFormat::Evtx),
            IngestFormat::Osquery => Some(worklog::ExportFormat::Osquery),
            IngestFormat::MessageTrace => Some(worklog::ExportFormat::MessageTrace),
            IngestFormat::Intune => Some(worklog::ExportFormat::Intune),
            IngestFormat::Defender => Some(worklog::ExportFormat::Defender),
            IngestFormat::Squid => Some(worklog::ExportFormat::Squid),
        }
    }
}

// `worklog verify`: Verify a store's hash chains, signatures and (optionally) anchors.
#[derive(clap::Args)]
pub(crate) struct VerifyArgs {
    /// The store folder.
    #[arg(long)]
    pub store: PathBuf,
    /// Folder of trusted public keys (*.pub).
    #[arg(long)]
    pub keys: PathBuf,
    /// Anchor log to check heads against.
    #[arg(long)]
    pub anchors: Option<PathBuf>,
    /// How often heads are anchored, at most, in hours: a device that
    /// logged longer than this after its newest anchor is reported
    /// (truncation or rewrite after it cannot be excluded).
    #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..))]
    pub anchor_interval: u32,
    /// Decode and check every row of every file, even of files whose bytes
    /// a signed digest already proves (slower; the result is the same for
    /// an intact store).
    #[arg(long)]
    pub deep: bool,
    /// Check the anchor log's time-stamps (<anchors>.stamps.jsonl) against
    /// these certificates (PEM): the TSAs the user trusts.
    #[arg(long, requires = "anchors")]
    pub tsa_ca: Option<PathBuf>,
    /// Require the anchor log's time-stamps to be issued under this TSA
    /// policy (OID).
    #[arg(long, value_name = "OID", requires = "tsa_ca", value_parser = parse_oid)]
    pub tsa_policy: Option<worklog::stamp::ObjectIdentifier>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Language of the summary printed.
    #[arg(long, value_enum, default_value = "ja")]
    pub lang: Lang,
}

// `worklog analyze`: Run the rule pack over a store and a policy for a period: findings and verdicts.
#[derive(clap::Args)]
pub(crate) struct AnalyzeArgs {
    /// The store folder.
    #[arg(long)]
    pub store: PathBuf,
    /// The policy folder.
    #[arg(long)]
    pub policy: PathBuf,
    /// The rule pack folder (default: the pack built into this program,
    /// written to <out>/rules).
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// First day (YYYY-MM-DD, local).
    #[arg(long, value_name = "DAY", value_parser = parse_day)]
    pub from: NaiveDate,
    /// Last day (YYYY-MM-DD, local, included).
    #[arg(long, value_name = "DAY", value_parser = parse_day)]
    pub to: NaiveDate,
    /// Output folder.
    #[arg(long, default_value = "analysis")]
    pub out: PathBuf,
    /// Print the verdict summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// Language of the summary printed.
    #[arg(long, value_enum, default_value = "ja")]
    pub lang: Lang,
    /// Exit 1 when any finding (not waived) remains: for pipelines that gate on it.
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Memory for the period's events (e.g. 2GiB, 512MiB): devices are
    /// analysed in groups that fit it.
    #[arg(long, env = "WORKLOG_MEMORY", value_parser = worklog::settings::parse_size)]
    pub memory: Option<u64>,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// No progress on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Which engine runs the rules' SQL, and how Spark is started.
#[derive(clap::Args, Default)]
pub(crate) struct EngineArgs {
    /// The engine that runs the rules: polars (in this process, within
    /// --memory) or spark (spark-submit: local mode, or the cluster given
    /// by --spark-master / --spark-submit; docs/spark.md). The findings do
    /// not depend on it.
    #[arg(long, env = "WORKLOG_ENGINE", value_enum, default_value = "polars")]
    pub engine: EngineKind,
    /// The spark-submit command with its own options (default:
    /// spark-submit from the PATH), e.g. "spark-submit --deploy-mode client
    /// --queue audit".
    #[arg(long, env = "WORKLOG_SPARK_SUBMIT", value_name = "COMMAND")]
    pub spark_submit: Option<String>,
    /// The Spark master (default local[*]): yarn, spark://host:7077,
    /// k8s://…
    #[arg(long, env = "WORKLOG_SPARK_MASTER", value_name = "URL")]
    pub spark_master: Option<String>,
    /// One Spark setting for spark-submit's --conf (repeatable), e.g.
    /// spark.executor.memory=8g.
    #[arg(long, value_name = "KEY=VALUE")]
    pub spark_conf: Vec<String>,
    /// The Spark driver's memory (default 4g): the findings are collected
    /// there.
    #[arg(long, value_name = "SIZE")]
    pub spark_driver_memory: Option<String>,
    /// The store as the cluster's executors read it (hdfs:///audit/store,
    /// s3a://bucket/store, abfss://…): each event file under --store is
    /// given to Spark as this URI plus its path below --store. Default:
    /// the local paths (local mode, or a store every node mounts at the
    /// same path).
    #[arg(long, env = "WORKLOG_SPARK_STORE_URI", value_name = "URI")]
    pub spark_store_uri: Option<String>,
}

/// The engines `--engine` names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum EngineKind {
    /// polars, in this process.
    #[default]
    Polars,
    /// Apache Spark through spark-submit.
    Spark,
}

// `worklog report`: Write the Excel, HTML and JSON reports of an analysis.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct ReportArgs {
    #[command(subcommand)]
    pub command: Option<ReportCommand>,
    /// `analysis.json` written by `worklog analyze`, or its folder.
    #[arg(long, required = true)]
    pub analysis: Option<PathBuf>,
    /// Output folder.
    #[arg(long, default_value = "report")]
    pub out: PathBuf,
    /// Report language.
    #[arg(long, value_enum, default_value = "ja")]
    pub lang: Lang,
    #[command(flatten)]
    pub extras: ReportExtras,
}

/// `worklog report verify`.
#[derive(Subcommand)]
pub(crate) enum ReportCommand {
    /// Check that a time-stamped audit folder is unchanged since its stamp
    /// (`audit --tsa`): the stamp verifies, and every file is as listed.
    #[command(after_help = "Example:\n  worklog report verify audit-2026-10 --tsa-ca tsa-root.pem")]
    Verify {
        /// The audit folder (`audit --out`).
        dir: PathBuf,
        /// The certificates (PEM) the TSA's chain must reach.
        #[arg(long)]
        tsa_ca: PathBuf,
        /// Require the stamp to be issued under this TSA policy (OID).
        #[arg(long, value_name = "OID", value_parser = parse_oid)]
        tsa_policy: Option<worklog::stamp::ObjectIdentifier>,
    },
}

/// What a report may add: a comparison with the last audit, and a
/// pseudonymised copy for external parties.
#[derive(clap::Args, Default)]
pub(crate) struct ReportExtras {
    /// The last audit's `analysis.json` (or its folder): the reports show
    /// per item and device what is new, fixed and still open, and verdict
    /// changes.
    #[arg(long, value_name = "ANALYSIS")]
    pub compare: Option<PathBuf>,
    /// Write the reports pseudonymised for external parties: user names,
    /// device ids, personal paths and mail addresses become keyed, stable
    /// pseudonyms (HMAC-SHA-256 with the key in this file, at least 16
    /// bytes, e.g. `head -c 32 /dev/urandom > pseudonym.key`; keep it: the
    /// mapping is written nowhere).
    #[arg(long, value_name = "KEY_FILE")]
    pub pseudonymise_key: Option<PathBuf>,
}

// `worklog keygen`: Generate an Ed25519 key pair (device or authority).
#[derive(clap::Args)]
pub(crate) struct KeygenArgs {
    /// device or authority.
    #[arg(long, value_enum)]
    pub role: KeyRole,
    /// Device id, or the authority's name (`--device` as everywhere else
    /// for a device's key).
    #[arg(long, visible_alias = "device")]
    pub id: String,
    /// The keys folder: writes <out>/<id>.pub and <out>/secret/<id>.key,
    /// the layout `ingest`, `verify` and `audit` read.
    #[arg(long)]
    pub out: PathBuf,
}

// `worklog prove`: Produce (and check) the inclusion proof of one event.
#[derive(clap::Args)]
pub(crate) struct ProveArgs {
    /// The store folder.
    #[arg(long)]
    pub store: PathBuf,
    /// The device.
    #[arg(long)]
    pub device: String,
    /// The event's sequence number.
    #[arg(long)]
    pub seq: u64,
    /// Check the proof against these public keys as well.
    #[arg(long)]
    pub keys: Option<PathBuf>,
    /// Print the proof itself (JSON: the event, its leaf, the audit path
    /// and the signed segment record), the document to keep or hand over.
    #[arg(long)]
    pub json: bool,
}

// `worklog prune`: Remove segments older than a date under a signed prune checkpoint.
#[derive(clap::Args)]
pub(crate) struct PruneArgs {
    /// The store folder.
    #[arg(long)]
    pub store: PathBuf,
    /// The device.
    #[arg(long)]
    pub device: String,
    /// Remove segments whose every event is before this date (UTC, YYYY-MM-DD).
    #[arg(long, value_name = "DAY", value_parser = parse_day)]
    pub before: NaiveDate,
    /// The authority's secret key file.
    #[arg(long)]
    pub authority_key: PathBuf,
}

#[derive(Subcommand)]
pub(crate) enum RulesCommand {
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
pub(crate) enum AnchorCommand {
    /// Write every device's latest head claim (JSON Lines).
    Export {
        /// The store folder.
        #[arg(long)]
        store: PathBuf,
        /// The head-claims file to write (JSON Lines), what `anchor import
        /// --claims` reads.
        #[arg(long, alias = "out", value_name = "FILE")]
        claims: PathBuf,
        /// Print what was written as JSON.
        #[arg(long)]
        json: bool,
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
        /// Then have the anchor log time-stamped by this TSA (RFC 3161).
        #[command(flatten)]
        tsa: TsaArgs,
        /// Print what was anchored (and stamped) as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Have the anchor log, as it is now, time-stamped by a TSA (RFC 3161):
    /// its token goes to <anchors>.stamps.jsonl.
    #[command(
        after_help = "Example:\n  worklog anchor stamp --anchors anchors.jsonl --tsa http://tsa.example.jp/tsa --tsa-ca tsa-root.pem"
    )]
    Stamp {
        /// The anchor log.
        #[arg(long)]
        anchors: PathBuf,
        /// The TSA.
        #[command(flatten)]
        tsa: TsaArgs,
        /// Print the stamp as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// A time-stamping authority (RFC 3161) and the roots its chain must reach.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct TsaArgs {
    /// The TSA's URL (http:// or https://).
    #[arg(long, requires = "tsa_ca")]
    pub tsa: Option<String>,
    /// The certificates (PEM) the TSA's chain must reach.
    #[arg(long)]
    pub tsa_ca: Option<PathBuf>,
    /// Seconds to wait for the TSA.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub tsa_timeout: u64,
    /// The TSA policy (OID) to ask for and require, e.g. an accredited
    /// service's (default: the TSA's own default policy).
    #[arg(long, value_name = "OID", value_parser = parse_oid)]
    pub tsa_policy: Option<worklog::stamp::ObjectIdentifier>,
}

/// An object identifier in dotted form.
/// A day, `YYYY-MM-DD`.
pub(crate) fn parse_day(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{text:?} is not a day: give one such as 2026-10-01 (YYYY-MM-DD)"))
}

/// The demo fleet's size (`audit --demo` only).
#[derive(clap::Args)]
pub(crate) struct DemoFleetArgs {
    /// With --demo: simulated devices [default: 30].
    #[arg(long, requires = "demo", value_name = "N")]
    pub devices: Option<usize>,
    /// With --demo: simulated days [default: 14].
    #[arg(long, requires = "demo", value_name = "N")]
    pub days: Option<u32>,
    /// With --demo: events per device per working day [default: 500].
    #[arg(long, requires = "demo", value_name = "N")]
    pub events_per_day: Option<u32>,
    /// With --demo: the simulator's seed (same seed, same events).
    #[arg(long, requires = "demo", value_name = "N")]
    pub seed: Option<u64>,
}

pub(crate) fn parse_oid(text: &str) -> Result<worklog::stamp::ObjectIdentifier, String> {
    worklog::stamp::ObjectIdentifier::new(text.trim()).map_err(|e| {
        format!(
            "{text:?} is not an object identifier (dotted numbers, e.g. 1.2.392.200091.1.1): {e}"
        )
    })
}

#[derive(clap::Args)]
pub(crate) struct AuditArgs {
    /// Simulate the demo fleet into --out and audit it: no other input needed.
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub fleet: DemoFleetArgs,
    /// Configuration file (default: ./worklog.toml when present).
    #[arg(long, env = "WORKLOG_CONFIG")]
    pub config: Option<PathBuf>,
    /// The store folder.
    #[arg(long, env = "WORKLOG_STORE")]
    pub store: Option<PathBuf>,
    /// Folder of trusted public keys.
    #[arg(long, env = "WORKLOG_KEYS")]
    pub keys: Option<PathBuf>,
    /// The anchor log.
    #[arg(long, env = "WORKLOG_ANCHORS")]
    pub anchors: Option<PathBuf>,
    /// The policy folder.
    #[arg(long, env = "WORKLOG_POLICY")]
    pub policy: Option<PathBuf>,
    /// The rule pack folder (default: the pack built into this program,
    /// written to <out>/rules).
    #[arg(long, env = "WORKLOG_RULES")]
    pub rules: Option<PathBuf>,
    /// First day (YYYY-MM-DD, local); with --demo, the demo's first
    /// simulated day (default: the 14 days ending yesterday).
    #[arg(long, env = "WORKLOG_FROM", value_name = "DAY", value_parser = parse_day)]
    pub from: Option<NaiveDate>,
    /// Last day (YYYY-MM-DD, local, included).
    #[arg(long, env = "WORKLOG_TO", value_name = "DAY", value_parser = parse_day)]
    pub to: Option<NaiveDate>,
    /// Output folder (default: worklog-out).
    #[arg(long, env = "WORKLOG_OUT")]
    pub out: Option<PathBuf>,
    /// Report language (default: ja).
    #[arg(long, env = "WORKLOG_LANG", value_enum)]
    pub lang: Option<Lang>,
    /// Print the result (verdicts, anomalies, files) as JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when any finding (not waived) remains.
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Memory for the period's events (e.g. 2GiB, 512MiB; default 2GiB):
    /// devices are analysed in groups that fit it.
    #[arg(long, env = "WORKLOG_MEMORY", value_parser = worklog::settings::parse_size)]
    pub memory: Option<u64>,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// No progress on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub extras: ReportExtras,
    /// Time-stamp the analysis and the audit folder (RFC 3161): the
    /// report's first page states the stamp; `worklog report verify`
    /// checks the folder later.
    #[command(flatten)]
    pub tsa: TsaArgs,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Lang {
    /// 日本語
    Ja,
    /// English
    En,
}

impl Lang {
    pub fn language(self) -> worklog::rules::Language {
        match self {
            Lang::Ja => worklog::rules::Language::Ja,
            Lang::En => worklog::rules::Language::En,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum FailOn {
    /// Any finding that is not waived.
    Findings,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum KeyRole {
    Device,
    Authority,
}

//! The ledger's commands: ingest, verify, keys, anchors, proofs, pruning.

use std::path::{Path, PathBuf};
use worklog::report::Messages;

use anyhow::{Context, Result, bail};
use worklog::ledger::stamps::StampsCheck;
use worklog::ledger::{
    AnchorLog, InclusionProof, Keyring, Role, SecretKey, Verifier, VerifyReport,
};
use worklog::schema::Timestamp;
use worklog::stamp::TrustAnchors;

use crate::args::{
    IngestArgs, IngestFormat, KeyRole, KeygenArgs, ProveArgs, PruneArgs, TsaArgs, VerifyArgs,
};
use crate::text::{stale_anchors, summary};
use crate::{EXIT_ANOMALIES, EXIT_ERROR, EXIT_OK, print};

/// Whether inputs given without `--format` are Windows event logs: a
/// `.evtx` file among them, or a folder holding `.evtx` files (read as a
/// channel folder: its other files are left alone). A folder without any
/// needs `--format`: its files' names do not say which export they are.
fn evtx_inputs(inputs: &[PathBuf], is_evtx: &dyn Fn(&PathBuf) -> bool) -> Result<bool> {
    let mut evtx = inputs.iter().any(is_evtx);
    for dir in inputs.iter().filter(|p| p.is_dir()) {
        let files: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("reading the folder {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        if !files.iter().any(is_evtx) {
            anyhow::bail!(
                "{} is a folder without .evtx files: say what its files are with --format (osquery, message-trace, intune, defender, squid; jsonl or csv for a collector's files)",
                dir.display()
            );
        }
        evtx = true;
    }
    Ok(evtx)
}

/// `worklog ingest`.
pub(crate) fn ingest(args: IngestArgs) -> Result<u8> {
    let mut inputs: Vec<PathBuf> = args.paths.clone();
    inputs.extend(args.input.clone());
    let is_evtx = |file: &PathBuf| {
        file.extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("evtx"))
    };
    match args.format.and_then(IngestFormat::export) {
        Some(format) => return super::logs::ingest_logs(args, format),
        None if args.format.is_none() && evtx_inputs(&inputs, &is_evtx)? => {
            return super::logs::ingest_logs(args, worklog::ExportFormat::Evtx);
        }
        None => {}
    }
    let format = match args.format {
        Some(IngestFormat::Csv) => Some(worklog::InputFormat::Csv),
        Some(_) => Some(worklog::InputFormat::JsonLines),
        None => None,
    };
    let rejects = match &args.rejects {
        Some(path) => worklog::RejectsTo::File(path.clone()),
        None => worklog::RejectsTo::BesideEachInput,
    };
    let report = worklog::ingest(
        &inputs,
        format,
        &args.store,
        &args.keys,
        &rejects,
        args.create_keys,
    )
    .context("ingesting")?;
    let text = if args.json {
        serde_json::to_string_pretty(&report)? + "\n"
    } else {
        let m = Messages::new(args.lang.language());
        let mut text = String::new();
        for file in &report.files {
            text += &crate::text::lines_file(file, &m);
        }
        text += &crate::text::store_outcome(&report.store, &args.store, &m);
        text
    };
    print(&text)?;
    crate::text::warn_quarantined(&report.store);
    if report.refused_anything() {
        for file in report.files.iter().filter(|f| f.rejected_lines > 0) {
            // The reject file holds every line with its reason; name the
            // first here so a batch log shows what went wrong.
            let first = file
                .first_rejection
                .as_ref()
                .map(|(line, reason)| format!("; first: line {line} — {reason}"))
                .unwrap_or_default();
            eprintln!(
                "error: {} line(s) of {} rejected, see {}{first}",
                file.rejected_lines,
                file.file.display(),
                file.rejects
                    .as_ref()
                    .map_or_else(String::new, |p| p.display().to_string())
            );
        }
        for file in &report.files {
            if let Some(reason) = &file.refused {
                eprintln!("error: {} was not ingested: {reason}", file.file.display());
            }
        }
        return Ok(EXIT_ERROR);
    }
    Ok(EXIT_OK)
}

/// `worklog verify`.
pub(crate) fn verify(args: VerifyArgs) -> Result<u8> {
    let VerifyArgs {
        store,
        keys,
        anchors,
        anchor_interval,
        deep,
        tsa_ca,
        tsa_policy,
        json,
        lang,
    } = args;
    let m = Messages::new(lang.language());
    let keyring = load_keys(&keys)?;
    let log = match &anchors {
        Some(path) => Some(open_anchor_log(path)?),
        None => None,
    };
    let verifier = Verifier::new(&keyring).deep(deep);
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
    let stamps = match (&tsa_ca, &log) {
        (Some(ca), Some(log)) => Some(check_stamps(ca, log, tsa_policy)?),
        _ => None,
    };
    if json {
        // The report as before; with --tsa-ca, its stamps beside it.
        let mut value = serde_json::to_value(&report)?;
        if let (Some(stamps), Some(object)) = (&stamps, value.as_object_mut()) {
            object.insert("anchor_stamps".into(), serde_json::to_value(stamps)?);
        }
        print(&(serde_json::to_string_pretty(&value)? + "\n"))?;
    } else {
        let mut text = summary(&report, &m) + &stale_anchors(&report, anchor_interval, &m);
        if let (Some(stamps), Some(log)) = (&stamps, &log) {
            text += &crate::text::stamps(stamps, log, &m);
        }
        print(&text)?;
    }
    // Time-stamps were asked for: none at all is evidence missing (a
    // removed stamps file would hide a rewrite), not a clean result.
    let stamps_broken = stamps
        .as_ref()
        .is_some_and(|s| !s.problems.is_empty() || s.file.is_none());
    Ok(match exit_for(&report) {
        EXIT_OK if stamps_broken => EXIT_ANOMALIES,
        code => code,
    })
}

fn check_stamps(
    ca: &Path,
    log: &AnchorLog,
    policy: Option<worklog::stamp::ObjectIdentifier>,
) -> Result<StampsCheck> {
    let trust = TrustAnchors::load(ca)?;
    Ok(worklog::ledger::stamps::check_stamps(log, &trust, policy)?)
}

/// `worklog anchor stamp`.
pub(crate) fn anchor_stamp(anchors: &Path, args: &TsaArgs, json: bool) -> Result<u8> {
    let Some(tsa) = super::tsa_of(args)? else {
        bail!("give the TSA with --tsa URL --tsa-ca ROOTS.pem");
    };
    let stamped = worklog::tsa::stamp_anchor_log(anchors, &tsa)?;
    print(&if json {
        serde_json::to_string_pretty(&stamped_json(&stamped))? + "\n"
    } else {
        stamped_text(anchors, &stamped)
    })?;
    Ok(EXIT_OK)
}

fn stamped_text(anchors: &Path, stamped: &worklog::tsa::Stamped) -> String {
    format!(
        "{}: {} entries time-stamped by {} at {} (token in {})\n",
        anchors.display(),
        stamped.covers_entries,
        stamped.stamp.tsa,
        stamped.stamp.time.format("%Y-%m-%dT%H:%M:%SZ"),
        stamped.file.display()
    )
}

/// A stamp as `--json` prints it.
fn stamped_json(stamped: &worklog::tsa::Stamped) -> serde_json::Value {
    serde_json::json!({
        "entries": stamped.covers_entries,
        "tsa": stamped.stamp.tsa.to_string(),
        "time": stamped.stamp.time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "stamps_file": stamped.file,
    })
}

/// `worklog keygen`.
pub(crate) fn keygen(args: KeygenArgs) -> Result<u8> {
    let KeygenArgs { role, id, out } = args;
    let role = match role {
        KeyRole::Device => Role::Device,
        KeyRole::Authority => Role::Authority,
    };
    let key = SecretKey::generate(role, &id)?;
    let (secret, public) = worklog::ledger::KeysDir::new(&out)
        .add(&key)
        .context("writing the key pair (the secret key must not exist yet)")?;
    print(&format!(
        "{role} key {} (id {})\nsecret: {}\npublic: {}\n",
        id,
        key.public().key_id(),
        secret.display(),
        public.display()
    ))?;
    Ok(EXIT_OK)
}

/// `worklog anchor export`.
pub(crate) fn anchor_export(store: &Path, claims: &Path, json: bool) -> Result<u8> {
    let written = worklog::export_head_claims(store, claims)
        .with_context(|| format!("exporting the heads of {}", store.display()))?;
    print(&if json {
        serde_json::to_string_pretty(&written)? + "\n"
    } else {
        format!(
            "{} head claims written to {}\n",
            written.claims,
            written.file.display()
        )
    })?;
    Ok(EXIT_OK)
}

/// `worklog anchor import`.
pub(crate) fn anchor_import(
    claims: &Path,
    anchors: &Path,
    keys: &Path,
    authority_key: &Path,
    tsa: &TsaArgs,
    json: bool,
) -> Result<u8> {
    // The TSA's roots are read before anything is anchored.
    let tsa = super::tsa_of(tsa)?;
    let keyring = load_keys(keys)?;
    let authority = SecretKey::read(authority_key)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_micros();
    let anchored = worklog::anchor_head_claims(
        claims,
        anchors,
        &keyring,
        &authority,
        i64::try_from(now).unwrap_or(i64::MAX),
    )?;
    let stamped = match tsa {
        Some(tsa) => Some(worklog::tsa::stamp_anchor_log(anchors, &tsa).context(
            "the heads are anchored, but the log is not time-stamped: run `worklog anchor stamp` again",
        )?),
        None => None,
    };
    let text = if json {
        let mut value = serde_json::to_value(&anchored)?;
        if let (Some(stamped), Some(object)) = (&stamped, value.as_object_mut()) {
            object.insert("stamp".into(), stamped_json(stamped));
        }
        serde_json::to_string_pretty(&value)? + "\n"
    } else {
        let mut text = format!(
            "{} heads anchored in {}\n",
            anchored.anchored,
            anchors.display()
        );
        if let Some(stamped) = &stamped {
            text += &stamped_text(anchors, stamped);
        }
        text
    };
    print(&text)?;
    Ok(EXIT_OK)
}

/// `worklog prove`.
pub(crate) fn prove(args: ProveArgs) -> Result<u8> {
    let ProveArgs {
        store,
        device,
        seq,
        keys,
        json,
    } = args;
    let proof: InclusionProof = worklog::ledger::prove(&store, &device, seq)?;
    let checked = match keys {
        Some(keys) => {
            proof.check(&load_keys(&keys)?)?;
            "checked against the keys: the event is in the file under a valid signature"
        }
        None => "not checked (give --keys to check it against the devices' keys)",
    };
    if json {
        eprintln!("proof {checked}");
        print(&(serde_json::to_string_pretty(&proof)? + "\n"))?;
    } else {
        print(&format!(
            "event {seq} of {device}: leaf {} of {} in {}, Merkle root {}\nproof {checked}\n(--json prints the proof itself)\n",
            proof.leaf_index, proof.tree_size, proof.segment_file, proof.record.merkle_root
        ))?;
    }
    Ok(EXIT_OK)
}

/// `worklog prune`.
pub(crate) fn prune(args: PruneArgs) -> Result<u8> {
    let PruneArgs {
        store,
        device,
        before,
        authority_key,
    } = args;
    let authority = SecretKey::read(&authority_key)?;
    let midnight = before.and_time(chrono::NaiveTime::MIN).and_utc();
    let horizon = Timestamp::from_secs(midnight.timestamp());
    match worklog::ledger::prune(&store, &device, horizon, &authority)? {
        Some(cp) => print(&format!(
            "pruned {device} through seq {} (checkpoint signed by {})\n",
            cp.cut_seq, cp.authority_key_id
        ))?,
        None => print(&format!("nothing of {device} is older than {before}\n"))?,
    }
    Ok(EXIT_OK)
}

pub(crate) fn load_keys(dir: &Path) -> Result<Keyring> {
    let ring = Keyring::load_dir(dir)
        .with_context(|| format!("loading public keys from {}", dir.display()))?;
    for (path, reason) in &ring.problems {
        eprintln!("warning: key file {} skipped: {reason}", path.display());
    }
    Ok(ring)
}

/// The anchor log to verify against: it must exist, and a line that does
/// not parse is reported by the verifier as `anchor_log_broken`.
fn open_anchor_log(path: &Path) -> Result<AnchorLog> {
    Ok(AnchorLog::open_existing(path)?.0)
}

/// 0 when every chain verifies, 1 on anomalies.
pub(crate) fn exit_for(report: &VerifyReport) -> u8 {
    if report.is_clean() {
        EXIT_OK
    } else {
        EXIT_ANOMALIES
    }
}

//! `worklog`: the auditor's command line. Thin glue over the `worklog` crate:
//! the arguments are in `args`, each command's logic in `commands`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

mod args;
mod commands;
mod progress;
mod text;

use args::{AnchorCommand, Cli, Command, RulesCommand};

/// Exit code: the job completed and found nothing wrong.
const EXIT_OK: u8 = 0;
/// Exit code: integrity anomalies were found.
const EXIT_ANOMALIES: u8 = 1;
/// Exit code: usage or input error.
const EXIT_ERROR: u8 = 2;
/// Exit code: an internal error (a panic that was not contained).
const EXIT_INTERNAL: u8 = 3;

fn main() -> ExitCode {
    one_line_panics();
    let cli = Cli::parse();
    ExitCode::from(exit_code(std::panic::catch_unwind(
        std::panic::AssertUnwindSafe(|| run(cli)),
    )))
}

/// The documented exit code of a job's outcome, saying on stderr why it
/// was not 0 or 1: an error and its causes (2), a panic (3).
fn exit_code(outcome: std::thread::Result<Result<u8>>) -> u8 {
    let Ok(outcome) = outcome else {
        // The hook has printed where; nothing was finished.
        eprintln!("internal error: the job did not finish (a bug: please report this message)");
        return EXIT_INTERNAL;
    };
    match outcome {
        Ok(code) => code,
        Err(error) if is_broken_pipe(&error) => EXIT_OK,
        Err(error) => {
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            EXIT_ERROR
        }
    }
}

/// A panic prints one line, not a backtrace: the verifier and the
/// importers contain panics of third-party decoders on hostile files and
/// report the file; the panic itself is only a diagnostic. One that is not
/// contained ends the job with exit code 3.
fn one_line_panics() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_owned());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("panic{at}: {}", message.replace(['\n', '\r'], " "));
    }));
}

fn run(cli: Cli) -> Result<u8> {
    use commands::{analysis, audit, ledger};
    match cli.command {
        Command::Analyze(args) => analysis::analyze(args),
        Command::Audit(args) => audit::run(*args),
        Command::Report(args) => analysis::report(args),
        Command::Rules(RulesCommand::List { rules }) => analysis::rules_list(rules),
        Command::Rules(RulesCommand::Check { rules, policy }) => {
            analysis::rules_check(rules, &policy)
        }
        Command::Rules(RulesCommand::Show { id, rules, policy }) => {
            analysis::rules_show(&id, rules, &policy)
        }
        Command::Ingest(args) => ledger::ingest(args),
        Command::Verify(args) => ledger::verify(args),
        Command::Keygen(args) => ledger::keygen(args),
        Command::Anchor(AnchorCommand::Export {
            store,
            claims,
            json,
        }) => ledger::anchor_export(&store, &claims, json),
        Command::Anchor(AnchorCommand::Import {
            claims,
            anchors,
            keys,
            authority_key,
            tsa,
            json,
        }) => ledger::anchor_import(&claims, &anchors, &keys, &authority_key, &tsa, json),
        Command::Anchor(AnchorCommand::Stamp { anchors, tsa, json }) => {
            ledger::anchor_stamp(&anchors, &tsa, json)
        }
        Command::Prove(args) => ledger::prove(args),
        Command::Prune(args) => ledger::prune(args),
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Writes `text` to stdout (a closed pipe ends the program quietly).
fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_outcome_has_its_documented_code() {
        let caught = |job: fn() -> Result<u8>| exit_code(std::panic::catch_unwind(job));
        assert_eq!(caught(|| Ok(EXIT_OK)), 0);
        assert_eq!(caught(|| Ok(EXIT_ANOMALIES)), 1);
        assert_eq!(caught(|| Err(anyhow::anyhow!("no such store"))), 2);
        let pipe = || Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe).into());
        assert_eq!(caught(pipe), 0, "a closed pipe ends the job quietly");
        std::panic::set_hook(Box::new(|_| {}));
        assert_eq!(caught(|| panic!("a bug")), 3);
        let _ = std::panic::take_hook();
    }
}

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
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli)));
    let Ok(outcome) = outcome else {
        // The hook has printed where; nothing was finished.
        eprintln!("internal error: the job did not finish (a bug: please report this message)");
        return ExitCode::from(EXIT_INTERNAL);
    };
    match outcome {
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
        Command::Demo(args) => analysis::demo(args),
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
        Command::Anchor(AnchorCommand::Export { store, out }) => {
            ledger::anchor_export(&store, &out)
        }
        Command::Anchor(AnchorCommand::Import {
            claims,
            anchors,
            keys,
            authority_key,
            tsa,
        }) => ledger::anchor_import(&claims, &anchors, &keys, &authority_key, &tsa),
        Command::Anchor(AnchorCommand::Stamp { anchors, tsa }) => {
            ledger::anchor_stamp(&anchors, &tsa)
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

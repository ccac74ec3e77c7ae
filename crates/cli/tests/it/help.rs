//! Every subcommand's help, as a snapshot: a changed flag, default or text
//! shows in review. The subcommands are found by walking `worklog help`,
//! so a new one gets its snapshot without editing this file.

use crate::{text, worklog};

/// The subcommand names listed under "Commands:" in a help text.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| line.trim() != "Commands:")
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        // A wrapped description continues deeper than the names.
        .filter(|line| !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_subcommand_has_its_help_snapshot() {
    let mut pending = vec![Vec::<String>::new()];
    let mut seen = 0;
    while let Some(path) = pending.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let run = worklog(&args);
        assert_eq!(run.status.code(), Some(0), "{args:?}");
        let help = text(&run.stdout);
        let name = if path.is_empty() {
            "worklog".to_owned()
        } else {
            path.join("_")
        };
        insta::assert_snapshot!(format!("help_{name}"), help);
        seen += 1;
        for sub in subcommands(&help) {
            let mut next = path.clone();
            next.push(sub);
            pending.push(next);
        }
    }
    // worklog, 10 commands, 3 of rules, 3 of anchor, 1 of report.
    assert!(seen >= 18, "only {seen} help texts found");
}

/// Exit code 2 for usage errors, as the help says: clap's own refusals
/// (unknown flag, missing flag, a value not among the choices, a number
/// out of range) name what is wrong on stderr and write nothing to stdout.
#[test]
fn usage_errors_exit_2_and_say_what_is_wrong() {
    let cases: [(&[&str], &str); 5] = [
        (
            &["verify", "--store", "s", "--keys", "k", "--frobnicate"],
            "--frobnicate",
        ),
        (&["verify", "--store", "s"], "--keys"),
        (&["report", "--analysis", "a", "--lang", "fr"], "fr"),
        (
            &[
                "verify",
                "--store",
                "s",
                "--keys",
                "k",
                "--anchor-interval",
                "0",
            ],
            "0",
        ),
        (&["no-such-command"], "no-such-command"),
    ];
    for (args, named) in cases {
        let run = worklog(args);
        let stderr = text(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(named), "{args:?}: {stderr}");
        assert!(run.stdout.is_empty(), "{args:?}");
    }
}

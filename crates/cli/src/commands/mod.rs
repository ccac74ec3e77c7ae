//! What each command does, one module per group of commands.

pub(crate) mod analysis;
pub(crate) mod audit;
pub(crate) mod ledger;
pub(crate) mod logs;

use anyhow::Result;
use worklog::stamp::TrustAnchors;
use worklog::tsa::Tsa;

use crate::args::TsaArgs;

/// The TSA the flags name, its roots read (none without `--tsa`).
pub(crate) fn tsa_of(args: &TsaArgs) -> Result<Option<Tsa>> {
    let (Some(url), Some(ca)) = (&args.tsa, &args.tsa_ca) else {
        return Ok(None);
    };
    let mut tsa = Tsa::new(url.clone(), TrustAnchors::load(ca)?);
    tsa.timeout = std::time::Duration::from_secs(args.tsa_timeout);
    tsa.policy = args.tsa_policy;
    Ok(Some(tsa))
}

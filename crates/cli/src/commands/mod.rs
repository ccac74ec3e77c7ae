//! What each command does, one module per group of commands.

pub(crate) mod analysis;
pub(crate) mod audit;
pub(crate) mod ledger;
pub(crate) mod logs;

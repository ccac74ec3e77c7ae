//! The PDF evidence binder: A4 pages written by the tool itself (krilla,
//! the embedded font), nothing cut or overlapping, page numbers — the
//! cover with scope and integrity, one page per 設問, the log-management
//! checks, the glossary and the manifest.

mod binder;
mod font;
mod layout;
mod render;

pub use binder::{PdfOptions, render_pdf, write_pdf};

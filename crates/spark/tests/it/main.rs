//! Spark engine tests.

//! The integration tests, in one binary: the real server over HTTP, on a random port, over
//! a fresh database per test (see `tests/common`). One module per subject.

#[path = "../common/mod.rs"]
mod common;

mod admin_api;
mod analysis;
mod backoffice;
mod cash_reports;
mod counts;
mod failover;
mod faults;
mod import_django;
mod instances;
mod isolation;
mod lifecycle;
mod live;
mod notifications;
mod offline;
mod openapi;
mod operations;
mod security;
mod sendings;
mod sync;
mod terminal_api;
mod till_sessions;
mod transfers;

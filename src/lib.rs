//! `caisse`: the server that point-of-sale tills sync their offline sales to.

pub mod accounts;
pub mod boutiques;
pub mod cash_reports;
pub mod catalogue;
pub mod cli;
pub mod code;
pub mod config;
pub mod db;
pub mod events;
pub mod field;
pub mod http;
pub mod import_django;
pub mod money;
pub mod notifications;
pub mod rates;
pub mod review;
pub mod sales;
pub mod secret;
pub mod stock;
pub mod telemetry;
pub mod terminals;
pub mod till_records;
pub mod till_sessions;

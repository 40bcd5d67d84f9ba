//! `caisse`: the server that point-of-sale tills sync their offline sales to.

pub mod accounts;
pub mod cli;
pub mod code;
pub mod config;
pub mod db;
pub mod http;
pub mod money;
pub mod sales;
pub mod secret;
pub mod shop;
pub mod startup;
pub mod stock;
pub mod telemetry;

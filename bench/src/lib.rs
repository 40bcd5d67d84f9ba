//! The performance yardstick of caisse: a load generator that checks the database after
//! the load, bench data, the pgbench ceilings, and the runner that puts them side by side.

pub mod load;
pub mod pgbench;
pub mod postgres;
pub mod run;
pub mod server;
pub mod setup;
pub mod verify;

//! What the back-office reads from the configuration.

use crate::config::Config;

/// The back-office's settings, read once at start-up.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Cookies are marked `Secure` (sent over HTTPS only) unless the server is reached over
    /// plain HTTP (`CAISSE_PLAIN_HTTP`, for development).
    pub secure_cookies: bool,
    /// An active till not seen for longer than this is flagged.
    pub terminal_silence: chrono::Duration,
}

impl Settings {
    pub fn new(config: &Config) -> Self {
        Settings {
            secure_cookies: !config.plain_http,
            terminal_silence: chrono::Duration::hours(i64::from(config.terminal_silence_hours)),
        }
    }
}

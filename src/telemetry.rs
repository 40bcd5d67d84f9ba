//! Logging, set up once per process.

use crate::config::LogFormat;
use std::io::Write;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Installs the global subscriber on stderr, filtered by `filter` (already validated by the
/// configuration): human-readable lines, or one JSON object per line for a log collector.
/// Each line written while a request is served carries the request's span, and so its
/// `request_id`. The database driver's per-statement logs stay quiet unless asked for by
/// name.
pub fn init(filter: &str, format: LogFormat) {
    let filter = if filter.contains("sqlx") {
        filter.to_owned()
    } else {
        format!("{filter},sqlx=warn")
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(filter))
        .with_writer(OneLine);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}

/// Standard error, one line per record. A line end or another control character inside a
/// record (in an invoice number a till sent, an e-mail typed at login) is written escaped, so
/// no value can forge a log line. (The JSON format escapes its strings itself.)
struct OneLine;

impl<'a> MakeWriter<'a> for OneLine {
    type Writer = Record;

    fn make_writer(&'a self) -> Record {
        Record(Vec::with_capacity(256))
    }
}

/// One record, written whole when dropped.
struct Record(Vec<u8>);

impl Write for Record {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        let _ = std::io::stderr().lock().write_all(&one_line(&self.0));
    }
}

/// `record` with every control character but its final line end, the tab and the escape of
/// the terminal's colours written as `\u{..}`.
fn one_line(record: &[u8]) -> Vec<u8> {
    let (body, end) = match record.strip_suffix(b"\n") {
        Some(body) => (body, &b"\n"[..]),
        None => (record, &b""[..]),
    };
    if !body.iter().any(|&b| escaped(b)) {
        return record.to_vec();
    }
    let mut line = Vec::with_capacity(record.len() + 16);
    for &b in body {
        if escaped(b) {
            line.extend_from_slice(format!("\\u{{{b:x}}}").as_bytes());
        } else {
            line.push(b);
        }
    }
    line.extend_from_slice(end);
    line
}

fn escaped(b: u8) -> bool {
    (b < 0x20 && b != b'\t' && b != 0x1b) || b == 0x7f
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn a_value_cannot_forge_a_log_line() {
        assert_eq!(
            one_line(b"INFO login failed email=a@b\nINFO logged in\r\n"),
            b"INFO login failed email=a@b\\u{a}INFO logged in\\u{d}\n"
        );
        assert_eq!(one_line(b"plain\tline\n"), b"plain\tline\n");
    }
}

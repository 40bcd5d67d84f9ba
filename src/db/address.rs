//! `DATABASE_URL`: one PostgreSQL server, or several of which caisse uses the one that takes
//! writes.
//!
//! sqlx reads single-host URLs only. libpq also takes a list of hosts, in a URL
//! (`postgres://u:p@h1:5432,h2:5432/caisse?target_session_attrs=read-write`, which is what
//! `pg_autoctl show uri` prints) or in keyword form (`host=h1,h2 port=5432 dbname=caisse …`).
//! Each host of such a list becomes connect options of its own, everything else (user,
//! password, database, TLS settings) shared, in the list's order of preference;
//! [`super::primary`] follows whichever of them is read-write. A single-host URL is given to
//! sqlx untouched, so that it means exactly what it always meant.

use sqlx::postgres::PgConnectOptions;
use std::str::FromStr;

/// The servers a `DATABASE_URL` names.
#[derive(Debug, Clone)]
pub enum Servers {
    /// One server, read by sqlx as it always was.
    One(Box<PgConnectOptions>),
    /// Several, in order of preference: caisse uses the one whose sessions are read-write.
    Several(Vec<PgConnectOptions>),
}

/// A `DATABASE_URL` that cannot be used. The message never repeats the password.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct AddressError(String);

fn error(message: impl Into<String>) -> AddressError {
    AddressError(message.into())
}

/// Reads a `DATABASE_URL`: a `postgres://` (or `postgresql://`) URL, or libpq's keyword form.
pub fn parse(address: &str) -> Result<Servers, AddressError> {
    let trimmed = address.trim();
    if let Some((scheme, rest)) = trimmed.split_once("://")
        && matches!(scheme, "postgres" | "postgresql")
    {
        return parse_url(address, scheme, rest);
    }
    if trimmed.contains('=') {
        return parse_keywords(trimmed);
    }
    // Whatever sqlx makes of it (its message names the problem).
    one(address)
}

/// The URL as sqlx reads it, exactly as given.
fn one(url: &str) -> Result<Servers, AddressError> {
    PgConnectOptions::from_str(url)
        .map(|options| Servers::One(Box::new(options)))
        .map_err(|e| match e {
            sqlx::Error::Configuration(inner) => error(inner.to_string()),
            other => error(other.to_string()),
        })
}

/// `scheme://[userinfo@]host[:port][,host[:port]…][/database][?parameters]`
fn parse_url(url: &str, scheme: &str, rest: &str) -> Result<Servers, AddressError> {
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path_and_query) = rest.split_at(authority_end);
    let (userinfo, hosts) = match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => (Some(userinfo), hosts),
        None => (None, authority),
    };
    if !hosts.contains(',') {
        return one(url);
    }
    let (path, query) = match path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path_and_query, None),
    };
    // sqlx does not know `target_session_attrs` (it would warn and ignore it): it is read
    // here, and every server of the list is asked for a read-write session anyway.
    let mut parameters = Vec::new();
    for pair in query.into_iter().flat_map(|q| q.split('&')) {
        match pair.split_once('=') {
            Some(("target_session_attrs", value)) => session_attrs(value)?,
            _ if pair.is_empty() => {}
            _ => parameters.push(pair),
        }
    }
    let query = if parameters.is_empty() {
        String::new()
    } else {
        format!("?{}", parameters.join("&"))
    };
    let userinfo = userinfo.map(|u| format!("{u}@")).unwrap_or_default();
    let servers = hosts
        .split(',')
        .map(|host| {
            if host.is_empty() {
                return Err(error(
                    "DATABASE_URL lists an empty host (two commas in a row, or one at an end)",
                ));
            }
            PgConnectOptions::from_str(&format!("{scheme}://{userinfo}{host}{path}{query}"))
                .map_err(|e| error(format!("host {host}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Servers::Several(servers))
}

/// caisse writes: of libpq's `target_session_attrs`, only those that pick a server taking
/// writes make sense for it.
fn session_attrs(value: &str) -> Result<(), AddressError> {
    match value {
        "read-write" | "primary" => Ok(()),
        other => Err(error(format!(
            "target_session_attrs={other}: caisse records sales, so it needs a server that \
             takes writes: use read-write (or leave it out)"
        ))),
    }
}

/// libpq's keyword form: `host=h1,h2 port=5432,5433 dbname=caisse user=caisse password='…'`.
fn parse_keywords(text: &str) -> Result<Servers, AddressError> {
    let mut hosts = None;
    let mut ports = None;
    let mut user = None;
    let mut password = None;
    let mut database = None;
    let mut parameters: Vec<(&str, String)> = Vec::new();
    for (key, value) in keywords(text)? {
        match key.as_str() {
            "host" => hosts = Some(value),
            "port" => ports = Some(value),
            "user" => user = Some(value),
            "password" => password = Some(value),
            "dbname" => database = Some(value),
            "target_session_attrs" => session_attrs(&value)?,
            "sslmode" => parameters.push(("sslmode", value)),
            "sslrootcert" => parameters.push(("sslrootcert", value)),
            "sslcert" => parameters.push(("sslcert", value)),
            "sslkey" => parameters.push(("sslkey", value)),
            "application_name" => parameters.push(("application_name", value)),
            "options" => parameters.push(("options", value)),
            other => {
                return Err(error(format!(
                    "unknown keyword {other:?} (known: host, port, dbname, user, password, \
                     target_session_attrs, sslmode, sslrootcert, sslcert, sslkey, \
                     application_name, options)"
                )));
            }
        }
    }
    let hosts: Vec<String> = hosts
        .unwrap_or_else(|| "localhost".into())
        .split(',')
        .map(str::to_owned)
        .collect();
    let ports: Vec<String> = match ports {
        None => vec![String::new(); hosts.len()],
        Some(ports) => {
            let ports: Vec<String> = ports.split(',').map(str::to_owned).collect();
            match ports.len() {
                1 => vec![ports[0].clone(); hosts.len()],
                n if n == hosts.len() => ports,
                n => {
                    return Err(error(format!(
                        "{} hosts but {n} ports: give one port for all, or one per host",
                        hosts.len()
                    )));
                }
            }
        }
    };
    let userinfo = match (&user, &password) {
        (None, None) => String::new(),
        (user, None) => format!("{}@", encode(user.as_deref().unwrap_or_default())),
        (user, Some(password)) => format!(
            "{}:{}@",
            encode(user.as_deref().unwrap_or_default()),
            encode(password)
        ),
    };
    let path = database
        .map(|d| format!("/{}", encode(&d)))
        .unwrap_or_default();
    let mut servers = Vec::with_capacity(hosts.len());
    for (host, port) in hosts.iter().zip(&ports) {
        if host.is_empty() {
            return Err(error("host lists an empty host name"));
        }
        if !port.is_empty() && port.parse::<u16>().is_err() {
            return Err(error(format!("port {port:?} is not a port number")));
        }
        let mut query: Vec<String> = parameters
            .iter()
            .map(|(key, value)| format!("{key}={}", encode(value)))
            .collect();
        // A host that is a directory is a Unix socket's; an IPv6 address goes in brackets.
        let authority = if host.starts_with('/') {
            query.push(format!("host={}", encode(host)));
            "localhost".to_owned()
        } else if host.contains(':') {
            format!("[{host}]")
        } else {
            host.clone()
        };
        let port = if port.is_empty() {
            String::new()
        } else {
            format!(":{port}")
        };
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{}", query.join("&"))
        };
        let url = format!("postgres://{userinfo}{authority}{port}{path}{query}");
        servers.push(
            PgConnectOptions::from_str(&url).map_err(|e| error(format!("host {host}: {e}")))?,
        );
    }
    match servers.len() {
        1 => Ok(Servers::One(Box::new(servers.remove(0)))),
        _ => Ok(Servers::Several(servers)),
    }
}

/// `key=value` pairs separated by spaces; a value may be single-quoted, with `\'` and `\\`
/// inside (libpq's rules).
fn keywords(text: &str) -> Result<Vec<(String, String)>, AddressError> {
    let mut pairs = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(pairs);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(error(format!("{key:?} has no value (expected {key}=…)")));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    Some('\\') => match chars.next() {
                        Some(c) => value.push(c),
                        None => return Err(error(format!("the value of {key} is unterminated"))),
                    },
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => return Err(error(format!("the value of {key} is unterminated"))),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    if let Some(c) = chars.next() {
                        value.push(c);
                    }
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push((key, value));
    }
}

/// `address` with its password hidden, to be shown in a message.
pub fn redacted(address: &str) -> String {
    let trimmed = address.trim();
    if let Some((scheme, rest)) = trimmed.split_once("://") {
        let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
        return match authority.rsplit_once('@') {
            Some((userinfo, _)) if userinfo.contains(':') => {
                let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
                format!("{scheme}://{user}:***@{}", &rest[userinfo.len() + 1..])
            }
            _ => trimmed.to_owned(),
        };
    }
    match keywords(trimmed) {
        Ok(pairs) => pairs
            .iter()
            .map(|(key, value)| match key.as_str() {
                "password" => format!("{key}=***"),
                _ => format!("{key}={value}"),
            })
            .collect::<Vec<_>>()
            .join(" "),
        Err(_) => "(not shown)".to_owned(),
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::ConnectOptions;
    use sqlx::postgres::PgSslMode;

    fn several(address: &str) -> Vec<PgConnectOptions> {
        match parse(address).unwrap() {
            Servers::Several(servers) => servers,
            Servers::One(_) => panic!("one server read from {address}"),
        }
    }

    fn hosts(servers: &[PgConnectOptions]) -> Vec<(String, u16)> {
        servers
            .iter()
            .map(|s| (s.get_host().to_owned(), s.get_port()))
            .collect()
    }

    fn password(options: &PgConnectOptions) -> Option<String> {
        options.to_url_lossy().password().map(str::to_owned)
    }

    #[test]
    fn a_single_host_url_is_read_by_sqlx_as_before() {
        let url = "postgres://caisse:secret@db:5433/caisse?sslmode=disable";
        let Servers::One(options) = parse(url).unwrap() else {
            panic!("several servers");
        };
        let expected = PgConnectOptions::from_str(url).unwrap();
        assert_eq!(options.to_url_lossy(), expected.to_url_lossy());
        assert_eq!((options.get_host(), options.get_port()), ("db", 5433));
    }

    #[test]
    fn the_uri_pg_autoctl_prints() {
        let servers = several(
            "postgres://127.0.0.1:25433,127.0.0.1:25434/caisse?target_session_attrs=read-write&sslmode=prefer",
        );
        assert_eq!(
            hosts(&servers),
            [("127.0.0.1".into(), 25433), ("127.0.0.1".into(), 25434)]
        );
        for server in &servers {
            assert_eq!(server.get_database(), Some("caisse"));
            assert!(
                matches!(server.get_ssl_mode(), PgSslMode::Prefer),
                "the other parameters are kept"
            );
        }
    }

    #[test]
    fn user_password_and_database_apply_to_every_host() {
        let servers = several("postgresql://caisse:p%40ss%2Fw@db1,db2:6432,[::1]:5433/ventes");
        assert_eq!(
            hosts(&servers),
            [
                ("db1".into(), 5432),
                ("db2".into(), 6432),
                ("[::1]".into(), 5433)
            ]
        );
        for server in &servers {
            assert_eq!(server.get_username(), "caisse");
            assert_eq!(password(server).as_deref(), Some("p%40ss%2Fw"));
            assert_eq!(server.get_database(), Some("ventes"));
        }
    }

    #[test]
    fn only_sessions_that_take_writes_are_asked_for() {
        assert!(parse("postgres://u@h1,h2/caisse?target_session_attrs=primary").is_ok());
        assert!(parse("postgres://u@h1,h2/caisse").is_ok());
        for attrs in ["read-only", "standby", "prefer-standby", "any"] {
            let e = parse(&format!(
                "postgres://u@h1,h2/caisse?target_session_attrs={attrs}"
            ))
            .unwrap_err();
            assert!(e.to_string().contains("read-write"), "{e}");
        }
    }

    #[test]
    fn an_empty_host_is_refused_without_showing_the_password() {
        for url in [
            "postgres://u:hunter2@h1,,h2/caisse",
            "postgres://u:hunter2@h1,/caisse",
        ] {
            let e = parse(url).unwrap_err().to_string();
            assert!(e.contains("empty host"), "{e}");
            assert!(!e.contains("hunter2"), "{e}");
        }
        let e = parse("postgres://u:hunter2@h1,h2:port/caisse")
            .unwrap_err()
            .to_string();
        assert!(e.contains("h2:port") && !e.contains("hunter2"), "{e}");
    }

    #[test]
    fn the_keyword_form() {
        let servers = several(
            "host=db1,db2 port=5432,5433 dbname=caisse user=caisse \
             password='se cret' target_session_attrs=read-write sslmode=disable",
        );
        assert_eq!(
            hosts(&servers),
            [("db1".into(), 5432), ("db2".into(), 5433)]
        );
        for server in &servers {
            assert_eq!(server.get_username(), "caisse");
            assert_eq!(server.get_database(), Some("caisse"));
            assert!(matches!(server.get_ssl_mode(), PgSslMode::Disable));
            assert_eq!(password(server).as_deref(), Some("se%20cret"));
        }
        let servers = several("host=a,b password='it\\'s a \\\\ secret' user=u");
        assert_eq!(
            password(&servers[0]).as_deref(),
            Some("it%27s%20a%20%5C%20secret")
        );
    }

    #[test]
    fn keyword_ports_are_one_for_all_or_one_per_host() {
        let servers = several("host=a,b,c port=6000");
        assert_eq!(
            hosts(&servers),
            [("a".into(), 6000), ("b".into(), 6000), ("c".into(), 6000)]
        );
        let e = parse("host=a,b,c port=1,2").unwrap_err().to_string();
        assert!(e.contains("3 hosts but 2 ports"), "{e}");
        assert!(parse("host=a,b port=x").is_err());
    }

    #[test]
    fn keyword_mistakes_are_named() {
        assert!(
            parse("host=a,b sslmod=disable")
                .unwrap_err()
                .to_string()
                .contains("unknown keyword \"sslmod\"")
        );
        assert!(
            parse("host=a,b password='open")
                .unwrap_err()
                .to_string()
                .contains("unterminated")
        );
        assert!(
            parse("host=a,b dbname")
                .unwrap_err()
                .to_string()
                .contains("no value")
        );
    }

    #[test]
    fn passwords_are_hidden_from_messages() {
        assert_eq!(
            redacted("postgres://caisse:s3cr%40t@h1:5432,h2:5432/caisse?sslmode=prefer"),
            "postgres://caisse:***@h1:5432,h2:5432/caisse?sslmode=prefer"
        );
        assert_eq!(
            redacted("postgres://caisse@h1/caisse"),
            "postgres://caisse@h1/caisse"
        );
        assert_eq!(
            redacted("host=h1,h2 password='a b' user=caisse"),
            "host=h1,h2 password=*** user=caisse"
        );
        assert_eq!(redacted("host=h1 password='open"), "(not shown)");
    }

    #[test]
    fn a_single_keyword_host_is_one_server() {
        let Servers::One(options) = parse("host=db port=5433 dbname=caisse user=caisse").unwrap()
        else {
            panic!("several servers");
        };
        assert_eq!((options.get_host(), options.get_port()), ("db", 5433));
    }
}

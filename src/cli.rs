//! The command line: `caisse serve`, `caisse migrate`, `caisse seed-demo`, and the commands
//! that create administration tokens, merchants and back-office users.

use crate::accounts::{self, AccountError, NewUser};
use crate::config::{Config, ConfigError};
use crate::db::local::{LocalPostgres, LocalPostgresError};
use crate::db::{self, seed};
use crate::http::TERMINAL_API;
use crate::http::server::{Application, shutdown_signal};
use crate::telemetry;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use sqlx::PgPool;
use std::net::SocketAddr;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "caisse",
    version,
    about = "Sync server for offline point-of-sale tills",
    long_about = "Sync server for offline point-of-sale tills: records every sale exactly once, \
                  keeps stock and its journal right, and keeps each shop's data to itself.\n\n\
                  Configuration comes from the environment (and a .env file), listed below. \
                  Without DATABASE_URL every command uses a private PostgreSQL kept under \
                  CAISSE_DATA_DIR (default .data)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// The command line of this process; `--help` ends with every configuration variable.
    pub fn from_process() -> Cli {
        let matches = Cli::command()
            .after_long_help(variables_help())
            .get_matches();
        Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
}

/// The configuration variables, their defaults and meaning, as `--help` shows them.
fn variables_help() -> String {
    let variables = Config::variables();
    let width = variables.iter().map(|v| v.name.len()).max().unwrap_or(0);
    let mut help = String::from("Configuration (environment variables):\n");
    for v in variables {
        help.push_str(&format!(
            "  {:<width$}  {} [default: {}]\n",
            v.name, v.meaning, v.default
        ));
    }
    help
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default command).
    ///
    /// Applies pending migrations first. With DATABASE_URL unset, starts a private
    /// PostgreSQL from the machine's installed binaries (data under CAISSE_DATA_DIR, loopback
    /// only), loads the demo shops the first time, and stops that PostgreSQL on Ctrl-C or
    /// SIGTERM.
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Load the demo shops "Ma Boutique" (BTQ-009) and "Autre Boutique" (BTQ-010) with
    /// their tills, categories and articles, and a merchant for each with a back-office
    /// user (demo logins in the README). Idempotent: what exists is left as it is.
    /// With --remove: remove them, with everything recorded in them.
    SeedDemo {
        /// Remove the demo shops, their tills, catalogue, sales and journal, their merchants
        /// and back-office users, instead of loading them.
        #[arg(long)]
        remove: bool,
    },
    /// Create an administration token for the /api/admin/ API. The token is printed once,
    /// alone on standard output (only its hash is stored): keep it somewhere safe.
    CreateAdminToken {
        /// Who or what the token is for, e.g. "ops" or "jean".
        #[arg(long, default_value = "admin")]
        nom: String,
        /// Only this merchant's shops (its id or exact name); without it, every shop.
        #[arg(long)]
        commercant: Option<String>,
        /// Valid this many days; without it, until revoked.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=36_500))]
        jours: Option<u32>,
    },
    /// List the administration tokens (never the tokens themselves): id, name, scope, expiry.
    ListAdminTokens,
    /// Revoke an administration token: it stops working at once.
    RevokeAdminToken {
        /// The token's id, as listed.
        #[arg(long)]
        id: i64,
    },
    /// Check the invariants of stock and sales over the whole database: every article's
    /// stock equals its initial stock plus its movements, movements chain without gaps,
    /// every sale's total and movements match its lines. Exits 1 if any is broken.
    Check,
    /// Bring a chain across from the Django backend its tills used: merchants, shops, tills,
    /// categories, articles, sales, movements and alerts, with the ids the tills hold. Run it
    /// again after switching the tills: it brings only what changed and never duplicates.
    /// Prints a report of every inconsistency found in Django's data (kept as imported);
    /// docs/migration-from-django.md has the whole evening.
    ImportDjango {
        /// The Django database, e.g. postgres://user@host/gestion (read only, in one snapshot).
        #[arg(long = "from", value_name = "DATABASE_URL")]
        from: String,
        /// Read and report, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Create a merchant (commercant): the owner of boutiques, whose back-office users see
    /// and manage only those. Prints its id.
    CreateMerchant {
        /// The merchant's name, unique, e.g. "Ets Kabila et Fils".
        #[arg(long)]
        nom: String,
        /// A contact address.
        #[arg(long)]
        email: Option<String>,
    },
    /// Give a boutique to a merchant: its users see it from their next page on, and the
    /// previous owner's users no longer do.
    AssignBoutique {
        /// The boutique's code (e.g. BTQ-009) or id.
        #[arg(long)]
        boutique: String,
        /// The merchant's id or exact name.
        #[arg(long)]
        commercant: String,
    },
    /// Create a back-office user, who logs in at /backoffice/login with this e-mail. The
    /// password is asked for twice (not echoed), or read from the first line of standard
    /// input with --password-stdin; it never goes on the command line.
    CreateUser {
        /// The login.
        #[arg(long)]
        email: String,
        /// The merchant the user works for (its id or exact name): they see its boutiques only.
        #[arg(long, required_unless_present = "superuser")]
        commercant: Option<String>,
        /// The user sees and manages every boutique.
        #[arg(long)]
        superuser: bool,
        /// The user's name, shown in the pages' header.
        #[arg(long, default_value = "")]
        nom: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a back-office user's password (asked for, or --password-stdin); the sessions
    /// opened with the old one are closed.
    SetPassword {
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Local(#[from] LocalPostgresError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0} invariant(s) broken")]
    Broken(usize),
    #[error("{0}")]
    Account(#[from] AccountError),
    #[error("the two passwords differ")]
    PasswordMismatch,
    #[error("import: {0}")]
    Import(#[from] crate::import_django::ImportError),
    #[error(
        "refusing to serve on {0}: the demo login(s) {1} still have the password the README \
         publishes; change it (caisse set-password --email <e-mail>) or remove the demo data \
         (caisse seed-demo --remove), or listen on loopback only"
    )]
    PublishedPasswords(SocketAddr, String),
    #[error("no administration token {0}")]
    NoSuchToken(i64),
}

pub async fn run(cli: Cli) -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("caisse: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log_filter, config.log_format);
    let result = match Database::open(&config).await {
        Ok(db) => {
            let result = match cli.command.unwrap_or(Command::Serve) {
                Command::Serve => serve(&config, &db).await,
                Command::Migrate => migrate(&db).await,
                Command::SeedDemo { remove: false } => seed_demo(&db).await,
                Command::SeedDemo { remove: true } => remove_demo(&db).await,
                Command::Check => check(&db).await,
                Command::ImportDjango { from, dry_run } => import_django(&db, &from, dry_run).await,
                Command::CreateAdminToken {
                    nom,
                    commercant,
                    jours,
                } => create_admin_token(&db, &nom, commercant.as_deref(), jours).await,
                Command::ListAdminTokens => list_admin_tokens(&db).await,
                Command::RevokeAdminToken { id } => revoke_admin_token(&db, id).await,
                Command::CreateMerchant { nom, email } => {
                    create_merchant(&db, &nom, email.as_deref()).await
                }
                Command::CreateUser {
                    email,
                    commercant,
                    superuser,
                    nom,
                    password_stdin,
                } => {
                    create_user(
                        &db,
                        &email,
                        commercant.as_deref(),
                        superuser,
                        &nom,
                        password_stdin,
                    )
                    .await
                }
                Command::SetPassword {
                    email,
                    password_stdin,
                } => set_password(&db, &email, password_stdin).await,
                Command::AssignBoutique {
                    boutique,
                    commercant,
                } => assign_boutique(&db, &boutique, &commercant).await,
            };
            db.close().await;
            result
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Config(e)) => {
            eprintln!("caisse: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("caisse: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The database a command works on, and the private PostgreSQL behind it, if any.
struct Database {
    pool: PgPool,
    local: Option<LocalPostgres>,
}

impl Database {
    /// Connects to `DATABASE_URL`, or starts the private PostgreSQL when there is none.
    async fn open(config: &Config) -> Result<Self, Failure> {
        let (url, local) = match &config.database_url {
            Some(url) => (url.clone(), None),
            None => {
                let local = LocalPostgres::start(&config.data_dir).await?;
                (local.url.clone(), Some(local))
            }
        };
        match db::connect(&url, config.pool_size, config.acquire_timeout).await {
            Ok(pool) => Ok(Database { pool, local }),
            Err(e) => {
                if let Some(local) = &local {
                    local.stop().await;
                }
                Err(e.into())
            }
        }
    }

    /// Closes the pool, then stops the private PostgreSQL if there is one.
    async fn close(self) {
        self.pool.close().await;
        if let Some(local) = &self.local {
            local.stop().await;
        }
    }
}

async fn migrate(db: &Database) -> Result<(), Failure> {
    db::migrate(&db.pool).await?;
    println!("migrations applied");
    Ok(())
}

async fn seed_demo(db: &Database) -> Result<(), Failure> {
    db::migrate(&db.pool).await?;
    seed::seed_demo(&db.pool).await?;
    println!("demo data loaded");
    Ok(())
}

async fn remove_demo(db: &Database) -> Result<(), Failure> {
    db::migrate(&db.pool).await?;
    let removed = seed::remove_demo(&db.pool).await?;
    println!("demo data removed ({removed} shop(s))");
    Ok(())
}

async fn create_admin_token(
    db: &Database,
    nom: &str,
    commercant: Option<&str>,
    days: Option<u32>,
) -> Result<(), Failure> {
    db::migrate(&db.pool).await?;
    let merchant = match commercant {
        Some(key) => Some(accounts::find_merchant(&db.pool, key).await?),
        None => None,
    };
    let token = accounts::create_scoped_admin_token(
        &db.pool,
        accounts::NewAdminToken {
            nom,
            commercant_id: merchant.as_ref().map(|(id, _)| *id),
            days,
        },
    )
    .await?;
    // The token alone on standard output, for a script to take; never in a message.
    println!("{token}");
    let scope = match &merchant {
        Some((_, name)) => format!("the shops of \"{name}\""),
        None => "every shop".to_owned(),
    };
    let until = days.map_or("until revoked".to_owned(), |d| format!("for {d} day(s)"));
    eprintln!(
        "administration token \"{nom}\" created for {scope}, valid {until}; it is shown only \
         now. Send it as 'Authorization: Bearer <token>' to /api/admin/."
    );
    Ok(())
}

async fn list_admin_tokens(db: &Database) -> Result<(), Failure> {
    db::migrate(&db.pool).await?;
    for t in accounts::list_admin_tokens(&db.pool, None).await? {
        let scope = t.commercant_nom.map_or("every shop".to_owned(), |name| {
            format!("merchant \"{name}\"")
        });
        let state = match (t.valide, t.date_revocation) {
            (true, _) => match t.date_expiration {
                Some(at) => format!("valid until {}", at.format("%Y-%m-%d %H:%M UTC")),
                None => "valid".to_owned(),
            },
            (false, Some(at)) => format!("revoked {}", at.format("%Y-%m-%d %H:%M UTC")),
            (false, None) => "expired".to_owned(),
        };
        println!("{}\t{}\t{scope}\t{state}", t.id, t.nom);
    }
    Ok(())
}

async fn revoke_admin_token(db: &Database, id: i64) -> Result<(), Failure> {
    db::migrate(&db.pool).await?;
    if accounts::revoke_admin_token(&db.pool, id, None).await? {
        println!("administration token {id} revoked");
        Ok(())
    } else {
        Err(Failure::NoSuchToken(id))
    }
}

async fn create_merchant(db: &Database, nom: &str, email: Option<&str>) -> Result<(), Failure> {
    db::migrate(&db.pool).await?;
    let id = accounts::create_merchant(&db.pool, nom, email).await?;
    println!("{id}");
    eprintln!(
        "merchant \"{}\" created (id {id}); give it a boutique with:\n  \
         caisse assign-boutique --boutique <code> --commercant {id}",
        nom.trim()
    );
    Ok(())
}

/// A new password: the first line of standard input, or typed twice at the terminal.
fn read_password(from_stdin: bool, email: &str) -> Result<String, Failure> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let password = rpassword::prompt_password(format!("Password for {email}: "))?;
    let again = rpassword::prompt_password("Again: ")?;
    if password != again {
        return Err(Failure::PasswordMismatch);
    }
    Ok(password)
}

async fn create_user(
    db: &Database,
    email: &str,
    commercant: Option<&str>,
    superuser: bool,
    nom: &str,
    password_stdin: bool,
) -> Result<(), Failure> {
    db::migrate(&db.pool).await?;
    let merchant = match commercant {
        Some(key) => Some(accounts::find_merchant(&db.pool, key).await?),
        None => None,
    };
    let password = read_password(password_stdin, email)?;
    let id = accounts::create_user(
        &db.pool,
        NewUser {
            email,
            nom,
            commercant_id: merchant.as_ref().map(|(id, _)| *id),
            superuser,
            password: &password,
        },
    )
    .await?;
    let scope = match merchant {
        Some((_, name)) if !superuser => format!("the boutiques of \"{name}\""),
        _ => "every boutique".to_owned(),
    };
    println!("{id}");
    eprintln!(
        "user {} created; they see {scope} at /backoffice/login",
        email.trim()
    );
    Ok(())
}

async fn set_password(db: &Database, email: &str, password_stdin: bool) -> Result<(), Failure> {
    db::migrate(&db.pool).await?;
    let password = read_password(password_stdin, email)?;
    accounts::set_password(&db.pool, email, &password).await?;
    println!("password of {} changed", email.trim());
    Ok(())
}

async fn assign_boutique(db: &Database, boutique: &str, commercant: &str) -> Result<(), Failure> {
    db::migrate(&db.pool).await?;
    let (id, name) = accounts::find_merchant(&db.pool, commercant).await?;
    let shop = accounts::assign_boutique(&db.pool, boutique, id).await?;
    println!("boutique \"{shop}\" now belongs to \"{name}\"");
    Ok(())
}

async fn check(db: &Database) -> Result<(), Failure> {
    let violations = db::check::check_invariants(&db.pool).await?;
    for violation in &violations {
        println!("{violation}");
    }
    if let Some(report) = crate::import_django::last_report(&db.pool).await?
        && !report.findings.is_empty()
    {
        println!("inherited from the Django import, kept as imported (outside the invariants):");
        for finding in &report.findings {
            println!("  - {finding}");
        }
    }
    if violations.is_empty() {
        println!("all invariants hold");
        Ok(())
    } else {
        Err(Failure::Broken(violations.len()))
    }
}

async fn import_django(db: &Database, from: &str, dry_run: bool) -> Result<(), Failure> {
    db::migrate(&db.pool).await?;
    let report = crate::import_django::import(&db.pool, from, dry_run).await?;
    print!("{report}");
    Ok(())
}

async fn serve(config: &Config, db: &Database) -> Result<(), Failure> {
    db::migrate(&db.pool).await?;
    if db.local.as_ref().is_some_and(|local| local.created) {
        seed::seed_demo(&db.pool).await?;
        tracing::info!("demo data loaded into the new private database");
    }
    // Anyone who reads the README could log in: such a server stays on this machine.
    if !config.addr.ip().is_loopback() {
        let published = seed::published_logins(&db.pool).await?;
        if !published.is_empty() {
            return Err(Failure::PublishedPasswords(
                config.addr,
                published.join(", "),
            ));
        }
    }
    let app = Application::bind(config, db.pool.clone()).await?;
    // Bound: no other server is using this data directory, so a private PostgreSQL found
    // running was left behind and is this server's to stop.
    if let Some(local) = &db.local {
        local.take_over();
    }
    let addr = app.local_addr()?;
    print_banner(addr, config, db).await;
    app.serve(shutdown_signal()).await?;
    Ok(())
}

/// Where the server is and a request to paste, with the real id of a demo article.
async fn print_banner(addr: SocketAddr, config: &Config, db: &Database) {
    let host = if addr.ip().is_unspecified() {
        format!("127.0.0.1:{}", addr.port())
    } else {
        addr.to_string()
    };
    let base = format!("http://{host}{TERMINAL_API}");
    let database = match &db.local {
        Some(_) => format!(
            "private PostgreSQL under {}",
            config.data_dir.join("postgres").display()
        ),
        None => "DATABASE_URL".to_owned(),
    };
    println!(
        "caisse {} serving on http://{host} ({database})",
        env!("CARGO_PKG_VERSION")
    );
    println!("\nCheck it:\n  curl -s {base}/status/");
    println!(
        "\nEvery endpoint, to read and try: http://{host}{}",
        crate::http::openapi::UI_PATH
    );
    let demo_article = sqlx::query_scalar!(
        r#"SELECT a.id FROM articles a JOIN boutiques b ON b.id = a.boutique_id
           WHERE b.code_boutique = 'BTQ-009' AND a.code = 'CHG-001'"#
    )
    .fetch_optional(&db.pool)
    .await
    .ok()
    .flatten();
    match demo_article {
        Some(article_id) => println!(
            "\nSync a sale from the demo till of \"Ma Boutique\":\n  \
             curl -s -X POST {base}/ventes/sync \\\n    \
             -H 'Content-Type: application/json' -H 'X-Device-Serial: {serial}' \\\n    \
             -d '[{{\"numero_facture\": \"FAC-DEMO-0001\", \"mode_paiement\": \"CASH\", \"paye\": true, \
             \"lignes\": [{{\"article_id\": {article_id}, \"quantite\": 2, \"prix_unitaire\": 25000.00}}]}}]'",
            serial = seed::DEMO_SERIAL
        ),
        None => println!("\nNo demo data here; load it with: caisse seed-demo"),
    }
    let demo = if demo_article.is_some() {
        " (the demo logins are in the README)"
    } else {
        ""
    };
    println!("\nThe back-office: http://{host}/backoffice/{demo}");
    println!("\nStop with Ctrl-C.");
}

//! The command line: `serve`, `migrate`, and `org add` / `user add` so a fresh install gets
//! its first admin without touching the database by hand.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use diesel::Connection;
use tracing_subscriber::EnvFilter;

use crate::auth::password;
use crate::config::Settings;
use crate::db::{self, DbConnection, audit, organisations, users};
use crate::domain::account::NewAccount;
use crate::domain::audit::AuditAction;
use crate::domain::category::Category;
use crate::domain::email_address::EmailAddress;
use crate::domain::role::OrgKind;
use crate::i18n::{I18n, Lang};
use crate::startup::Application;

#[derive(Parser)]
#[command(name = "passerelle", version, about = "The escalation desk between a platform and child-protection partners")]
struct Cli {
    /// A TOML configuration file; PASSERELLE_* environment variables override it.
    #[arg(long, global = true, env = "PASSERELLE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (applies pending migrations first).
    Serve {
        /// Seed demonstration organisations, users and cases if the database has none, and print how to sign in.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage organisations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The tamper-evident audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Fill the database with a large, realistic history for measuring (organisations, people,
    /// cases with items and timelines). Every seeded account's password is `seeded-password`.
    Seed {
        #[arg(long, default_value_t = 1_000_000)]
        cases: u64,
        #[arg(long, default_value_t = 200)]
        organisations: u64,
        #[arg(long, default_value_t = 2_000)]
        users: u64,
    },
    /// Retention of closed cases.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Anonymise now every case closed more than `retention_months` ago and not under legal hold
    /// (the server also does this every hour).
    Run,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain of every record; report the first broken link and exit with
    /// status 1 if there is one.
    Verify,
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Add a partner organisation.
    Add {
        #[arg(long)]
        name: String,
        /// The organisation is a DSA trusted flagger.
        #[arg(long, requires = "authority")]
        trusted_flagger: bool,
        /// The authority that designated it (the Digital Services Coordinator).
        #[arg(long)]
        authority: Option<String>,
        /// Its areas of expertise, as comma-separated category codes (e.g. harassment,grooming).
        #[arg(long, default_value = "")]
        areas: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user. Staff roles join the platform's organisation; partner roles need --org.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// partner_caseworker, partner_admin, liaison or platform_admin.
        #[arg(long)]
        role: String,
        /// The partner organisation's name (partner roles only).
        #[arg(long)]
        org: Option<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Forget a user's second factor (a lost phone and lost recovery codes): they set one up
    /// again at their next sign-in if they must have one. Their sessions end.
    ResetTwoFactor {
        #[arg(long)]
        email: String,
    },
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref(), std::env::vars()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("passerelle: {error}");
            return ExitCode::FAILURE;
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(&settings.log).unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    let outcome = match cli.command {
        Command::Serve { demo } => serve(settings, demo),
        Command::Migrate => db::connect(settings.database_url.expose(), 1).map(|_| ()).map_err(|e| e.to_string()),
        Command::Org { command } => with_db(&settings, |conn| org_command(conn, command)),
        Command::User { command } => with_db(&settings, |conn| user_command(conn, command)),
        Command::Audit { command: AuditCommand::Verify } => with_db(&settings, verify_audit),
        Command::Seed { cases, organisations, users } => {
            let retention_months = settings.retention_months;
            with_db(&settings, |conn| seed(conn, db::seed::Plan { cases, organisations, users, retention_months }))
        }
        Command::Retention { command: RetentionCommand::Run } => {
            with_db(&settings, |conn| run_retention(conn, &settings))
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("passerelle: {error}");
            ExitCode::FAILURE
        }
    }
}

fn with_db(settings: &Settings, work: impl FnOnce(&mut DbConnection) -> Result<(), String>) -> Result<(), String> {
    let pool = db::connect(settings.database_url.expose(), 1).map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let done = work(&mut conn);
    // The audit records the command wrote (on PostgreSQL they wait for their place on the
    // chain). What it did stands whatever happens here: a running server seals them.
    if let Err(error) = db::audit::seal(&mut conn) {
        eprintln!("passerelle: audit records wait to be sealed ({error}); a running server seals them");
    }
    done
}

/// The password of every seeded account.
pub const SEEDED_PASSWORD: &str = "seeded-password";

fn seed(conn: &mut DbConnection, plan: db::seed::Plan) -> Result<(), String> {
    if plan.organisations == 0 || plan.users <= plan.organisations {
        return Err("seeding needs at least one organisation and more users than organisations".to_owned());
    }
    let hash = password::hash(SEEDED_PASSWORD).map_err(|e| e.to_string())?;
    let bar = indicatif::ProgressBar::new(plan.cases);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{wide_bar}] {pos}/{len} cases ({per_sec}, {eta} left)",
        )
        .map_err(|e| e.to_string())?,
    );
    let started = std::time::Instant::now();
    db::seed::run(conn, &plan, &hash, db::now(), |written| bar.set_position(written)).map_err(|e| e.to_string())?;
    bar.finish();
    println!(
        "seeded {} cases, {} organisations, {} users in {:.0?}; every seeded account's password is {SEEDED_PASSWORD:?}",
        plan.cases,
        plan.organisations,
        plan.users,
        started.elapsed()
    );
    Ok(())
}

fn run_retention(conn: &mut DbConnection, settings: &Settings) -> Result<(), String> {
    let storage = db::attachments::Storage::from_setting(&settings.attachment_dir);
    let months = settings.retention_months;
    let emptied = crate::retention::run(conn, &storage, months, db::now()).map_err(|e| e.to_string())?;
    if months == 0 {
        println!("retention is off (retention_months = 0): nothing anonymised");
    } else {
        println!("{emptied} closed cases anonymised (closed more than {months} months ago, no legal hold)");
    }
    Ok(())
}

fn verify_audit(conn: &mut DbConnection) -> Result<(), String> {
    // What waits is sealed first, so that it is checked too; a connection that may only read
    // checks the chain as it stands, and says what it left out.
    if let Err(error) = audit::seal(conn) {
        eprintln!("passerelle: waiting audit records not sealed ({error})");
    }
    let waiting = audit::waiting(conn).map_err(|e| e.to_string())?;
    match audit::verify(conn).map_err(|e| e.to_string())? {
        Ok((count, head)) => {
            println!("audit trail intact: {count} records, every link holds");
            if waiting > 0 {
                println!("{waiting} more records wait to be sealed onto the chain, not checked yet");
            }
            // Kept elsewhere (a ticket, a log), this proves later that no one rewrote the tail.
            println!("last record {count}, hash {head}");
            Ok(())
        }
        Err(broken) => Err(format!("audit trail broken: {broken}")),
    }
}

fn serve(settings: Settings, demo: bool) -> Result<(), String> {
    actix_web::rt::System::new().block_on(async move {
        let public_url = settings.public_url.clone();
        let pool = db::connect(settings.database_url.expose(), settings.pool_size).map_err(|e| e.to_string())?;
        if demo {
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            crate::demo::seed(&mut conn).map_err(|e| e.to_string())?;
        }
        let app = Application::build_with_pool(settings, pool).map_err(|e| e.to_string())?;
        println!("Passerelle is listening on port {} — open {public_url}", app.port());
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

fn org_command(conn: &mut DbConnection, command: OrgCommand) -> Result<(), String> {
    let OrgCommand::Add { name, trusted_flagger, authority, areas } = command;
    let mut expertise = Vec::new();
    for code in areas.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        expertise.push(Category::parse(code).ok_or_else(|| format!("unknown category {code:?}"))?);
    }
    let name = name.trim();
    if name.is_empty() {
        return Err("the organisation needs a name".into());
    }
    if organisations::find_by_name(conn, name).map_err(|e| e.to_string())?.is_some() {
        return Err(format!("an organisation named {name:?} already exists"));
    }
    let id = conn
        .transaction(|conn| {
            db::lock_for_write(conn)?;
            let id = organisations::insert(
                conn,
                &organisations::NewOrganisation {
                    name,
                    kind: OrgKind::Partner.code(),
                    trusted_flagger,
                    designating_authority: authority.as_deref(),
                    designated_on: None,
                    expertise: organisations::NewOrganisation::expertise_codes(&expertise),
                    created_at: db::now(),
                },
            )?;
            audit::append(conn, &audit::Entry::new(AuditAction::OrganisationAdded, None, None).organisation(id))?;
            Ok::<_, diesel::result::Error>(id)
        })
        .map_err(|e| e.to_string())?;
    println!("organisation {name:?} added (id {id})");
    Ok(())
}

/// The command-line flag that carries a form field.
fn cli_flag(field: &str) -> &str {
    match field {
        "display_name" => "name",
        "password" => "password-stdin",
        other => other,
    }
}

fn user_command(conn: &mut DbConnection, command: UserCommand) -> Result<(), String> {
    let (email, name, role, org, password_stdin) = match command {
        UserCommand::Add { email, name, role, org, password_stdin } => (email, name, role, org, password_stdin),
        UserCommand::ResetTwoFactor { email } => return reset_two_factor(conn, &email),
    };
    let (clear, generated) = if password_stdin {
        let mut input = String::new();
        std::io::stdin().read_to_string(&mut input).map_err(|e| e.to_string())?;
        (input.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (password::generate(), true)
    };
    let account = NewAccount::parse(&email, &name, &role, Some(&clear)).map_err(|errors| {
        let i18n = I18n::load().unwrap_or_else(|_| I18n::empty());
        let t = i18n.catalogue(Lang::En);
        errors
            .iter()
            .map(|(field, key)| format!("--{}: {}", cli_flag(field), t.get(key)))
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    if account.role.is_staff() && org.is_some() {
        return Err("staff roles belong to the platform: leave out --org".into());
    }
    let organisation = if account.role.is_staff() {
        organisations::platform(conn).map_err(|e| e.to_string())?.ok_or("the platform organisation is missing")?
    } else {
        let org = org.ok_or("partner roles need --org <organisation name>")?;
        organisations::find_by_name(conn, &org)
            .map_err(|e| e.to_string())?
            .ok_or(format!("no organisation named {org:?}"))?
    };
    if !organisation.kind.allows(account.role) {
        return Err(format!("{} is not a role in {:?}", account.role, organisation.name));
    }
    if users::email_taken(conn, account.email.as_str()).map_err(|e| e.to_string())? {
        return Err(format!("{} already has an account", account.email.as_str()));
    }
    let hash = password::hash(&clear).map_err(|e| e.to_string())?;
    conn.transaction(|conn| {
        db::lock_for_write(conn)?;
        let created = users::insert(
            conn,
            &users::NewUser {
                organisation_id: organisation.id.0,
                email: account.email.as_str(),
                display_name: &account.display_name,
                password_hash: &hash,
                role: account.role.code(),
                locale: None,
                created_at: db::now(),
            },
        )?;
        audit::append_about(conn, AuditAction::UserInvited, None, created, None)
    })
    .map_err(|e| e.to_string())?;
    println!("user {} added to {:?} as {}", account.email.as_str(), organisation.name, account.role);
    if generated {
        println!("password (shown once): {clear}");
    }
    Ok(())
}

fn reset_two_factor(conn: &mut DbConnection, email: &str) -> Result<(), String> {
    let email = EmailAddress::parse(email).map_err(|_| format!("{email:?} is not an email address"))?;
    let user = users::credentials(conn, email.as_str())
        .map_err(|e| e.to_string())?
        .ok_or(format!("no account uses {}", email.as_str()))?;
    let user = crate::domain::ids::UserId(user.id);
    conn.transaction(|conn| {
        db::lock_for_write(conn)?;
        crate::db::two_factor::disable(conn, user)?;
        crate::db::sessions::delete_for_user(conn, user)?;
        audit::append_about(conn, AuditAction::TwoFactorReset, None, user, None)?;
        crate::email::notify::two_factor_changed(conn, user, db::now())
    })
    .map_err(|e: diesel::result::Error| e.to_string())?;
    println!("second factor of {} forgotten; their sessions ended", email.as_str());
    Ok(())
}

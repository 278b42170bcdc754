//! Platform administration in the browser and from the command line.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use support::TestApp;

async fn an_admin_adds_an_organisation_and_a_user_who_can_then_sign_in(app: TestApp) {
    let cast = app.cast();
    let mut max = app.sign_in(&cast.max).await;
    let invalid = max
        .post("/admin/organisations", &[("name", ""), ("trusted_flagger", "1"), ("designated_on", "yesterday")])
        .await;
    assert_eq!(invalid.status, 422);
    assert!(invalid.contains("id=\"name-error\">This field is required."));
    assert!(invalid.contains("id=\"designating_authority-error\">A trusted flagger needs its designating authority."));
    assert!(invalid.contains("id=\"designated_on-error\">Enter a date."));
    let duplicate = max.post("/admin/organisations", &[("name", "Alpha Helpline")]).await;
    assert!(duplicate.contains("An organisation already has this name."));
    assert_eq!(app.count("organisations"), 3);

    let created = max
        .post(
            "/admin/organisations",
            &[
                ("name", "Gamma NGO"),
                ("trusted_flagger", "1"),
                ("designating_authority", "Arcom"),
                ("designated_on", "2025-03-01"),
                ("area_grooming", "1"),
            ],
        )
        .await;
    assert_eq!(created.status, 303);
    let page = max.get("/admin/organisations").await;
    assert!(page.contains("Gamma NGO") && page.contains("Grooming / sexual solicitation of a minor"));
    assert_eq!(app.count("organisations"), 4);

    let org = passerelle::db::organisations::find_by_name(&mut app.conn(), "Gamma NGO").unwrap().unwrap();
    let org_id = org.id.0.to_string();
    let wrong_role = max
        .post(
            "/admin/users",
            &[
                ("display_name", "Gus"),
                ("email", "gus@gamma.test"),
                ("organisation", &org_id),
                ("role", "liaison"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(wrong_role.status, 422);
    assert!(wrong_role.contains("id=\"role-error\">This role does not exist in this organisation"));
    assert!(wrong_role.contains("value=\"gus@gamma.test\""));
    let invited = max
        .post(
            "/admin/users",
            &[
                ("display_name", "Gus"),
                ("email", "Gus@Gamma.test"),
                ("organisation", &org_id),
                ("role", "partner_caseworker"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(invited.status, 200);
    assert!(invited.contains("An invitation to choose a password was emailed"));
    let link = app.wait_for_link_to("gus@gamma.test", "/account/setup/").await;
    let mut gus = app.client();
    assert_eq!(gus.sign_in("gus@gamma.test", "").await.status, 401, "no password works before one is chosen");
    let password = "gus chooses a long password";
    assert_eq!(gus.choose_password(&link, password, password).await.status, 303);
    let taken = max
        .post(
            "/admin/users",
            &[
                ("display_name", "Gus 2"),
                ("email", "gus@gamma.test"),
                ("organisation", &org_id),
                ("role", "partner_admin"),
                ("password", "another long password"),
            ],
        )
        .await;
    assert!(taken.contains("An account already uses this email address."));
    assert_eq!(gus.sign_in("gus@gamma.test", password).await.status, 303);
    assert!(gus.get("/cases").await.contains("Gamma NGO"));
}

async fn the_command_line_creates_the_first_admin(app: TestApp) {
    let binary = env!("CARGO_BIN_EXE_passerelle");
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut child = Command::new(binary)
            .args(args)
            .env("DATABASE_URL", &app.database_url)
            .env("PASSERELLE_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(input) = stdin {
            child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        }
        let output = child.wait_with_output().unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (ok, out, _) =
        run(&["user", "add", "--email", "root@platform.test", "--name", "Root", "--role", "platform_admin"], None);
    assert!(ok);
    let password = out.lines().find_map(|l| l.strip_prefix("password (shown once): ")).unwrap().to_owned();
    let (ok, _, err) = run(
        &[
            "org",
            "add",
            "--name",
            "Delta Helpline",
            "--trusted-flagger",
            "--authority",
            "Arcom",
            "--areas",
            "harassment,grooming",
        ],
        None,
    );
    assert!(ok, "{err}");
    let (ok, _, err) = run(&["org", "add", "--name", "Bad", "--areas", "nonsense"], None);
    assert!(!ok && err.contains("unknown category \"nonsense\""));
    let (ok, _, err) = run(
        &[
            "user",
            "add",
            "--email",
            "dana@delta.test",
            "--name",
            "Dana",
            "--role",
            "partner_admin",
            "--org",
            "Delta Helpline",
            "--password-stdin",
        ],
        Some("dana's long password\n"),
    );
    assert!(ok, "{err}");
    let (ok, _, err) = run(
        &[
            "user",
            "add",
            "--email",
            "dana@delta.test",
            "--name",
            "Dana",
            "--role",
            "partner_admin",
            "--org",
            "Delta Helpline",
            "--password-stdin",
        ],
        Some("dana's long password\n"),
    );
    assert!(!ok && err.contains("already has an account"));
    let (ok, _, err) = run(
        &[
            "user",
            "add",
            "--email",
            "short@delta.test",
            "--name",
            "S",
            "--role",
            "partner_admin",
            "--org",
            "Delta Helpline",
            "--password-stdin",
        ],
        Some("short\n"),
    );
    assert!(!ok && err.contains("--password-stdin: The password needs at least 12 characters."), "{err}");
    let (ok, _, err) = run(
        &["user", "add", "--email", "x@platform.test", "--name", "X", "--role", "liaison", "--org", "Delta Helpline"],
        None,
    );
    assert!(!ok && err.contains("leave out --org"), "{err}");

    assert_eq!(app.client().sign_in("root@platform.test", &password).await.status, 303);
    let mut dana = app.client();
    assert_eq!(dana.sign_in("dana@delta.test", "dana's long password").await.status, 303);
    assert!(dana.get("/cases").await.contains("Delta Helpline"));
}

async fn a_partner_admin_disables_a_user_of_their_organisation_only(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut anna = app.sign_in(&cast.anna).await;
    let team = anna.get("/team").await;
    assert_eq!(team.status, 200);
    assert!(team.contains(&cast.alice.email) && !team.contains(&cast.bob.email), "only Alpha's users are listed");
    assert_eq!(anna.post(&format!("/team/{}/disable", cast.alice.id), &[]).await.status, 303);
    assert_eq!(alice.get("/cases").await.location.as_deref(), Some("/sign-in"), "the disabled user is signed out");

    let mut bob = app.sign_in(&cast.bob).await;
    let other = anna.post(&format!("/team/{}/disable", cast.bob.id), &[]).await;
    assert_eq!(other.status, 404, "another organisation's user does not exist for a partner admin");
    let staff = anna.post(&format!("/team/{}/disable", cast.lea.id), &[]).await;
    assert_eq!(staff.status, 404);
    assert_eq!(bob.get("/cases").await.status, 200, "Bob is untouched");
    assert_eq!(anna.post(&format!("/team/{}/disable", cast.anna.id), &[]).await.status, 400);
    assert_eq!(anna.post("/team/nobody/disable", &[]).await.status, 404);

    for (account, path) in [(&cast.bob, "/team"), (&cast.lea, "/team"), (&cast.max, "/team")] {
        assert_eq!(app.sign_in(account).await.get(path).await.status, 404, "{} on {path}", account.email);
    }
    assert_eq!(anna.post(&format!("/team/{}/enable", cast.alice.id), &[]).await.status, 303);
    assert_eq!(app.client().sign_in(&cast.alice.email, support::PASSWORD).await.status, 303);

    let mut max = app.sign_in(&cast.max).await;
    assert_eq!(max.post(&format!("/admin/users/{}/disable", cast.alice.id), &[]).await.status, 303);
    let undo = anna.post(&format!("/team/{}/enable", cast.alice.id), &[]).await;
    assert_eq!(undo.status, 400, "a partner admin cannot undo the platform's decision");
    assert!(undo.contains("only the platform can enable it again"));
    assert_eq!(app.client().sign_in(&cast.alice.email, support::PASSWORD).await.status, 401);
}

async fn a_partner_admin_invites_a_user_into_their_own_organisation(app: TestApp) {
    let cast = app.cast();
    let mut anna = app.sign_in(&cast.anna).await;
    let staff =
        anna.post("/team/invite", &[("display_name", "Sly"), ("email", "sly@alpha.test"), ("role", "liaison")]).await;
    assert_eq!(staff.status, 422, "a partner admin cannot create platform staff");
    assert!(staff.contains("value=\"sly@alpha.test\""));
    let taken = anna
        .post("/team/invite", &[("display_name", "B"), ("email", &cast.bob.email), ("role", "partner_caseworker")])
        .await;
    assert!(taken.contains("An account already uses this email address."));
    let invited = anna
        .post(
            "/team/invite",
            &[("display_name", "Chloé"), ("email", "chloe@alpha.test"), ("role", "partner_caseworker")],
        )
        .await;
    assert_eq!(invited.status, 200);
    assert!(invited.contains("chloe@alpha.test"));
    let link = app.wait_for_link_to("chloe@alpha.test", "/account/setup/").await;
    let mut chloe = app.client();
    assert_eq!(chloe.choose_password(&link, "chloé's long password", "chloé's long password").await.status, 303);
    assert_eq!(chloe.sign_in("chloe@alpha.test", "chloé's long password").await.status, 303);
    assert!(chloe.get("/cases").await.contains("Alpha Helpline"), "the invited user belongs to Anna's organisation");
    let mut alice = app.sign_in(&cast.alice).await;
    assert_eq!(
        alice
            .post("/team/invite", &[("display_name", "X"), ("email", "x@alpha.test"), ("role", "partner_caseworker")])
            .await
            .status,
        404
    );
}

on_both_backends!(
    a_partner_admin_invites_a_user_into_their_own_organisation,
    a_partner_admin_disables_a_user_of_their_organisation_only,
    an_admin_adds_an_organisation_and_a_user_who_can_then_sign_in,
    the_command_line_creates_the_first_admin
);

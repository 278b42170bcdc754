//! Several instances on one database, as behind a load balancer: a person's requests land on
//! either; nothing one instance knows is missing on the other; jobs run once.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use support::{PASSWORD, TestApp};

async fn a_person_moves_between_instances(app: TestApp) {
    let cast = app.cast();
    let second = app.another_instance(|_| {});
    let mut on_first = app.sign_in(&cast.alice).await;
    let mut on_second = on_first.at(&second);
    // The session is in the database: the second instance knows it.
    assert_eq!(on_second.get("/cases").await.status, 200);
    let reference = on_second.file_case(&[]).await;
    assert!(on_first.get("/cases").await.contains(&reference), "filed on one, listed on the other");
    let posted = on_first.post(&format!("/cases/{reference}/messages"), &[("body", "From the first.")]).await;
    assert_eq!(posted.status, 303);
    assert!(on_second.get(&format!("/cases/{reference}")).await.contains("From the first."));
    // Signing out on one ends the session on both.
    assert_eq!(on_second.post("/sign-out", &[]).await.status, 303);
    assert_eq!(on_first.get("/cases").await.location.as_deref(), Some("/sign-in"));

    // Throttling is counted in the database: guesses spread over instances add up.
    for base in [app.address.clone(), second.clone(), app.address.clone(), second.clone()] {
        let mut guesser = support::Client::new(&base);
        assert_eq!(guesser.sign_in(&cast.bob.email, "wrong guess").await.status, 401);
    }
    let mut guesser = support::Client::new(&second);
    assert_eq!(guesser.sign_in(&cast.bob.email, PASSWORD).await.status, 429, "the fifth try waits, wherever it lands");

    // Each instance's audit records join one chain.
    assert!(passerelle::db::audit::verify(&mut app.conn()).unwrap().is_ok());
}

async fn the_retention_job_empties_a_case_once_however_many_run_it(app: TestApp) {
    let cast = app.cast();
    let reference = app.sign_in(&cast.alice).await.file_case(&[]).await;
    {
        use diesel::prelude::*;
        use passerelle::db::schema::cases::dsl;
        let long_ago = passerelle::db::now() - chrono::TimeDelta::days(800);
        diesel::update(dsl::cases.filter(dsl::reference.eq(&reference)))
            .set((dsl::status.eq("closed"), dsl::closed_at.eq(Some(long_ago))))
            .execute(&mut *app.conn())
            .unwrap();
    }
    let runs: Vec<_> = (0..3)
        .map(|_| {
            let url = app.database_url.clone();
            std::thread::spawn(move || {
                std::process::Command::new(env!("CARGO_BIN_EXE_passerelle"))
                    .args(["retention", "run"])
                    .env("DATABASE_URL", url)
                    .env("PASSERELLE_LOG", "warn")
                    .output()
                    .unwrap()
            })
        })
        .collect();
    let mut emptied = 0;
    for run in runs {
        let output = run.join().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let printed = String::from_utf8_lossy(&output.stdout).into_owned();
        emptied += printed.split(' ').next().unwrap().parse::<u32>().unwrap();
    }
    assert_eq!(emptied, 1, "three runs at once, one case, emptied once");
    assert_eq!(app.count("audit_log WHERE action = 'case_anonymised'"), 1);
}

on_both_backends!(a_person_moves_between_instances, the_retention_job_empties_a_case_once_however_many_run_it);

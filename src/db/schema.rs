//! The tables, written by hand with column types that mean the same on SQLite and PostgreSQL.

diesel::table! {
    organisations (id) {
        id -> BigInt,
        name -> Text,
        kind -> Text,
        trusted_flagger -> Bool,
        designating_authority -> Nullable<Text>,
        designated_on -> Nullable<Date>,
        expertise -> Text,
        created_at -> Timestamp,
        require_two_factor -> Bool,
        platform_requires_two_factor -> Bool,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        email -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        locale -> Nullable<Text>,
        disabled_at -> Nullable<Timestamp>,
        disabled_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        muted_notifications -> Text,
        followed_categories -> Text,
        daily_digest -> Bool,
        totp_secret -> Nullable<Text>,
        totp_last_step -> Nullable<BigInt>,
        totp_failures -> Integer,
        totp_locked_until -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        stage -> Text,
        second_factor_at -> Nullable<Timestamp>,
        code_attempts -> Integer,
        totp_pending_secret -> Nullable<Text>,
        last_seen_at -> Nullable<Timestamp>,
        user_agent -> Nullable<Text>,
        ip_address -> Nullable<Text>,
    }
}

diesel::table! {
    cases (id) {
        id -> BigInt,
        reference -> Text,
        organisation_id -> BigInt,
        filed_by -> BigInt,
        assignee_id -> Nullable<BigInt>,
        status -> Text,
        category -> Text,
        urgency -> Text,
        priority -> Text,
        ground -> Text,
        explanation -> Text,
        age_band -> Text,
        partner_reference -> Nullable<Text>,
        external_references -> Nullable<Text>,
        authorities_involved -> Bool,
        authorities_details -> Nullable<Text>,
        good_faith_version -> Text,
        good_faith_at -> Timestamp,
        search_text -> Text,
        received_at -> Timestamp,
        updated_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
        contested_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        legal_hold -> Bool,
        anonymised_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    reported_items (id) {
        id -> BigInt,
        case_id -> BigInt,
        position -> Integer,
        locator_kind -> Text,
        locator -> Text,
        content_type -> Text,
        seen_at -> Timestamp,
        outcome -> Nullable<Text>,
        reasons -> Nullable<Text>,
        automated -> Nullable<Bool>,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    case_events (id) {
        id -> BigInt,
        case_id -> BigInt,
        actor_id -> BigInt,
        kind -> Text,
        internal -> Bool,
        body -> Nullable<Text>,
        detail -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(cases -> organisations (organisation_id));
diesel::joinable!(reported_items -> cases (case_id));
diesel::joinable!(case_events -> cases (case_id));
diesel::joinable!(case_events -> users (actor_id));

diesel::table! {
    notifications (id) {
        id -> BigInt,
        recipient_id -> BigInt,
        case_id -> Nullable<BigInt>,
        kind -> Text,
        urgent -> Bool,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        leased_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        secret -> Nullable<Text>,
        to_address -> Nullable<Text>,
    }
}

diesel::table! {
    account_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        purpose -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        new_email -> Nullable<Text>,
    }
}

diesel::table! {
    case_watchers (case_id, user_id) {
        case_id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    digest_entries (id) {
        id -> BigInt,
        recipient_id -> BigInt,
        case_id -> BigInt,
        kind -> Text,
        created_at -> Timestamp,
        digest_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> BigInt,
        user_id -> BigInt,
        code_hash -> Text,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    platform_policy (id) {
        id -> Integer,
        two_factor_everywhere -> Bool,
    }
}

diesel::table! {
    sign_in_failures (subject) {
        subject -> Text,
        failures -> Integer,
        last_failure_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        organisation_id -> Nullable<BigInt>,
        case_id -> Nullable<BigInt>,
        subject_id -> Nullable<BigInt>,
        action -> Text,
        internal -> Bool,
        detail -> Nullable<Text>,
        address -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        last_id -> BigInt,
        last_hash -> Text,
    }
}

diesel::table! {
    attachments (id) {
        id -> BigInt,
        case_id -> BigInt,
        event_id -> BigInt,
        internal -> Bool,
        sha256 -> Text,
        kind -> Text,
        size -> BigInt,
        name -> Text,
        uploaded_by -> BigInt,
        created_at -> Timestamp,
        purged_at -> Nullable<Timestamp>,
        purged_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    attachment_blobs (sha256) {
        sha256 -> Text,
        content -> Binary,
    }
}

diesel::joinable!(account_tokens -> users (user_id));
diesel::joinable!(attachments -> cases (case_id));
diesel::joinable!(digest_entries -> cases (case_id));
diesel::joinable!(case_watchers -> users (user_id));
diesel::joinable!(case_watchers -> cases (case_id));

diesel::joinable!(notifications -> users (recipient_id));
diesel::joinable!(notifications -> cases (case_id));
diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    users,
    sessions,
    cases,
    reported_items,
    case_events,
    notifications,
    account_tokens,
    case_watchers,
    digest_entries,
    recovery_codes,
    platform_policy,
    sign_in_failures,
    audit_log,
    audit_head,
    attachments,
    attachment_blobs
);

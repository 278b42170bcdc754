//! The audit trail's records and the hash that chains each to the one before it.
//!
//! A record's hash covers every field it holds and the previous record's hash, so changing a
//! record breaks its own hash and removing one breaks the next record's link.

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use super::event_kind::EventKind;

text_enum! {
    /// What an audit record says happened. Timeline entries are recorded under their own kind.
    pub enum AuditAction {
        CaseFiled => "case_filed",
        CaseMessage => "case_message",
        CaseInternalNote => "case_internal_note",
        CaseStatusChanged => "case_status_changed",
        CaseAssigned => "case_assigned",
        CaseDecision => "case_decision",
        CaseDecisionConfirmed => "case_decision_confirmed",
        CaseReferral => "case_referral",
        CaseViewed => "case_viewed",
        AttachmentAdded => "attachment_added",
        AttachmentDownloaded => "attachment_downloaded",
        AttachmentPurged => "attachment_purged",
        CaseAnonymised => "case_anonymised",
        LegalHoldSet => "legal_hold_set",
        LegalHoldLifted => "legal_hold_lifted",
        UserDeleted => "user_deleted",
        OrganisationDeleted => "organisation_deleted",
        RoleChanged => "role_changed",
        SignedIn => "signed_in",
        SignInFailed => "sign_in_failed",
        SecondFactorFailed => "second_factor_failed",
        SignedOut => "signed_out",
        PasswordChanged => "password_changed",
        EmailChanged => "email_changed",
        TwoFactorEnabled => "two_factor_enabled",
        TwoFactorDisabled => "two_factor_disabled",
        TwoFactorReset => "two_factor_reset",
        RecoveryCodesRenewed => "recovery_codes_renewed",
        TwoFactorPolicyChanged => "two_factor_policy_changed",
        UserInvited => "user_invited",
        UserDisabled => "user_disabled",
        UserEnabled => "user_enabled",
        OrganisationAdded => "organisation_added",
        AuditExported => "audit_exported",
    }
}

impl AuditAction {
    /// What a partner admin may look for: everything but the platform's internal records.
    pub fn partner_visible(self) -> bool {
        !matches!(self, AuditAction::CaseViewed | AuditAction::CaseInternalNote | AuditAction::CaseReferral)
    }

    /// The record of a timeline entry.
    pub fn for_event(kind: EventKind) -> AuditAction {
        match kind {
            EventKind::Filed => AuditAction::CaseFiled,
            EventKind::Message => AuditAction::CaseMessage,
            EventKind::InternalNote => AuditAction::CaseInternalNote,
            EventKind::StatusChanged => AuditAction::CaseStatusChanged,
            EventKind::Assigned => AuditAction::CaseAssigned,
            EventKind::Decision => AuditAction::CaseDecision,
            EventKind::DecisionConfirmed => AuditAction::CaseDecisionConfirmed,
            EventKind::Referral => AuditAction::CaseReferral,
            EventKind::Viewed => AuditAction::CaseViewed,
        }
    }
}

/// The first record's `prev_hash`.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One record as it is chained. `internal` records (internal notes, staff views, referrals)
/// are never shown to partners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub case_id: Option<i64>,
    pub subject_id: Option<i64>,
    pub action: String,
    pub internal: bool,
    pub detail: Option<String>,
    pub address: Option<String>,
    pub prev_hash: String,
}

impl AuditRecord {
    /// The record's hash: SHA-256 over every field, each length-prefixed so no two different
    /// records write the same bytes.
    pub fn hash(&self) -> String {
        let mut hasher = Sha256::new();
        let mut field = |value: Option<&str>| match value {
            Some(text) => hasher.update(format!("{}:{text};", text.len())),
            None => hasher.update("-;"),
        };
        field(Some(&self.id.to_string()));
        field(Some(&self.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()));
        field(self.actor_id.map(|id| id.to_string()).as_deref());
        field(self.organisation_id.map(|id| id.to_string()).as_deref());
        field(self.case_id.map(|id| id.to_string()).as_deref());
        field(self.subject_id.map(|id| id.to_string()).as_deref());
        field(Some(&self.action));
        field(Some(if self.internal { "1" } else { "0" }));
        field(self.detail.as_deref());
        field(self.address.as_deref());
        field(Some(&self.prev_hash));
        hex::encode(hasher.finalize())
    }
}

/// Where a chain stops holding: the first record whose link or hash is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// A number is missing before this record (one was deleted).
    Gap { expected: i64, found: i64 },
    /// The record does not carry the hash of the one before it.
    Link { id: i64 },
    /// The record's content no longer matches its hash (it was altered).
    Altered { id: i64 },
    /// The chain ends before its recorded head (records at the end were deleted), or the head
    /// does not match the last record.
    Head { last_id: i64, head_id: i64 },
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Break::Gap { expected, found } => {
                write!(f, "record {expected} is missing (the next record found is {found})")
            }
            Break::Link { id } => write!(f, "record {id} does not carry the hash of the record before it"),
            Break::Altered { id } => write!(f, "record {id} was altered: its content no longer matches its hash"),
            Break::Head { last_id, head_id } => {
                write!(f, "the chain ends at record {last_id} but its head says {head_id}")
            }
        }
    }
}

/// Checks records one after another; feed them in order of id.
#[derive(Debug)]
pub struct Verifier {
    next_id: i64,
    last_hash: String,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier { next_id: 1, last_hash: GENESIS.to_owned() }
    }
}

impl Verifier {
    /// Checks the next record against the chain so far.
    pub fn check(&mut self, record: &AuditRecord, stored_hash: &str) -> Result<(), Break> {
        if record.id != self.next_id {
            return Err(Break::Gap { expected: self.next_id, found: record.id });
        }
        if record.prev_hash != self.last_hash {
            return Err(Break::Link { id: record.id });
        }
        let hash = record.hash();
        if !crate::auth::tokens::constant_time_eq(&hash, stored_hash) {
            return Err(Break::Altered { id: record.id });
        }
        self.next_id += 1;
        self.last_hash = hash;
        Ok(())
    }

    /// After the last record: the chain must end where its head says.
    pub fn finish(self, head_id: i64, head_hash: &str) -> Result<i64, Break> {
        let last_id = self.next_id - 1;
        if last_id != head_id || self.last_hash != head_hash {
            return Err(Break::Head { last_id, head_id });
        }
        Ok(last_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<(AuditRecord, String)> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|id| {
                let record = AuditRecord {
                    id,
                    at: chrono::DateTime::from_timestamp(1_700_000_000 + id, 0).unwrap_or_default().naive_utc(),
                    actor_id: Some(7),
                    organisation_id: Some(2),
                    case_id: None,
                    subject_id: None,
                    action: AuditAction::SignedIn.code().to_owned(),
                    internal: false,
                    detail: None,
                    address: Some("127.0.0.1".to_owned()),
                    prev_hash: prev.clone(),
                };
                let hash = record.hash();
                prev = hash.clone();
                (record, hash)
            })
            .collect()
    }

    fn verify(records: &[(AuditRecord, String)], head: (i64, &str)) -> Result<i64, Break> {
        let mut verifier = Verifier::default();
        for (record, hash) in records {
            verifier.check(record, hash)?;
        }
        verifier.finish(head.0, head.1)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let records = chain(5);
        let last = records[4].1.clone();
        assert_eq!(verify(&records, (5, &last)), Ok(5));
    }

    #[test]
    fn an_altered_record_breaks_at_itself() {
        let mut records = chain(5);
        let last = records[4].1.clone();
        records[2].0.detail = Some("changed".to_owned());
        assert_eq!(verify(&records, (5, &last)), Err(Break::Altered { id: 3 }));
    }

    #[test]
    fn a_deleted_record_breaks_at_the_gap() {
        let mut records = chain(5);
        let last = records[4].1.clone();
        records.remove(1);
        assert_eq!(verify(&records, (5, &last)), Err(Break::Gap { expected: 2, found: 3 }));
    }

    #[test]
    fn a_rewritten_record_with_a_fresh_hash_breaks_the_next_link() {
        let mut records = chain(5);
        let last = records[4].1.clone();
        records[1].0.actor_id = Some(99);
        records[1].1 = records[1].0.hash();
        assert_eq!(verify(&records, (5, &last)), Err(Break::Link { id: 3 }));
    }

    #[test]
    fn deleting_the_last_records_breaks_at_the_head() {
        let mut records = chain(5);
        let last = records[4].1.clone();
        records.truncate(3);
        assert_eq!(verify(&records, (5, &last)), Err(Break::Head { last_id: 3, head_id: 5 }));
    }

    #[test]
    fn fields_cannot_slide_into_each_other() {
        let mut a = chain(1).remove(0).0;
        let mut b = a.clone();
        a.detail = Some("ab".to_owned());
        a.address = Some("c".to_owned());
        b.detail = Some("a".to_owned());
        b.address = Some("bc".to_owned());
        assert_ne!(a.hash(), b.hash());
        a.detail = None;
        b.detail = Some(String::new());
        assert_ne!(a.hash(), b.hash());
    }
}

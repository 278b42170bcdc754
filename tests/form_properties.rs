//! Property tests of the form layer: whatever bytes arrive, decoding a form and validating an
//! escalation never panic, and every refusal is a message people can read (a key both catalogues
//! hold). No database or server: the layer under test is pure.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed property should stop loudly")]

use passerelle::domain::new_case::FieldErrors;
use passerelle::error::AppError;
use passerelle::i18n::{I18n, Lang};
use passerelle::routes::cases::create::case_form;
use passerelle::routes::form::FormData;
use proptest::prelude::*;

fn catalogues() -> I18n {
    I18n::load().expect("the catalogues load")
}

fn translated(i18n: &I18n, key: &str) -> bool {
    i18n.catalogue(Lang::En).has(key) && i18n.catalogue(Lang::Fr).has(key)
}

/// A field name the filing form knows, or anything at all.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("ground".to_owned()),
        Just("explanation".to_owned()),
        Just("category".to_owned()),
        Just("urgency".to_owned()),
        Just("age_band".to_owned()),
        Just("partner_reference".to_owned()),
        Just("external_references".to_owned()),
        Just("authorities_involved".to_owned()),
        Just("authorities_details".to_owned()),
        Just("good_faith".to_owned()),
        Just("item_rows".to_owned()),
        (0u8..12).prop_map(|i| format!("item_{i}_locator")),
        (0u8..12).prop_map(|i| format!("item_{i}_locator_kind")),
        (0u8..12).prop_map(|i| format!("item_{i}_content_type")),
        (0u8..12).prop_map(|i| format!("item_{i}_seen_at")),
        any::<String>(),
    ]
}

/// A value: a valid code, a plausible one, or anything at all.
fn field_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("harassment".to_owned()),
        Just("illegal".to_owned()),
        Just("urgent".to_owned()),
        Just("imminent".to_owned()),
        Just("13_14".to_owned()),
        Just("adult".to_owned()),
        Just("url".to_owned()),
        Just("post".to_owned()),
        Just("1".to_owned()),
        Just("https://social.example/p/1".to_owned()),
        Just("2026-11-24T10:00".to_owned()),
        Just("A girl of 14 receives threats every evening from an account.".to_owned()),
        "[0-9]{0,25}",
        any::<String>(),
    ]
}

fn encode(fields: &[(String, String)]) -> Vec<u8> {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    fields
        .iter()
        .map(|(k, v)| {
            format!("{}={}", utf8_percent_encode(k, NON_ALPHANUMERIC), utf8_percent_encode(v, NON_ALPHANUMERIC))
        })
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

fn all_translated(i18n: &I18n, errors: &FieldErrors) -> Result<(), String> {
    for (field, key) in errors.iter() {
        if field.is_empty() || !translated(i18n, key) {
            return Err(format!("{field:?}: {key:?}"));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_decode_or_are_refused_clearly(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let i18n = catalogues();
        match FormData::parse(&body) {
            Ok(form) => {
                // Whatever decoded also goes through validation without panicking.
                let checked = case_form(&form).parse(passerelle::db::now(), chrono_tz::Tz::UTC);
                if let Err(errors) = checked {
                    prop_assert!(all_translated(&i18n, &errors).is_ok(), "{:?}", all_translated(&i18n, &errors));
                }
            }
            Err(AppError::BadRequest(key)) => prop_assert!(translated(&i18n, key), "{key}"),
            Err(other) => prop_assert!(false, "unexpected refusal {other:?}"),
        }
    }

    #[test]
    fn any_filing_form_is_a_case_or_readable_errors(fields in proptest::collection::vec((field_name(), field_value()), 0..40)) {
        let i18n = catalogues();
        let form = FormData::parse(&encode(&fields));
        // Text that is valid UTF-8 without NUL always decodes.
        let clean = fields.iter().all(|(k, v)| !k.contains('\0') && !v.contains('\0'));
        if clean {
            prop_assert!(form.is_ok());
        }
        let Ok(form) = form else { return Ok(()) };
        match case_form(&form).parse(passerelle::db::now(), chrono_tz::Tz::UTC) {
            Ok(case) => {
                prop_assert!(!case.items.is_empty());
                prop_assert!(case.explanation.chars().count() >= 20);
            }
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                prop_assert!(all_translated(&i18n, &errors).is_ok(), "{:?}", all_translated(&i18n, &errors));
            }
        }
    }
}

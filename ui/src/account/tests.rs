use dioxus::prelude::*;

use super::*;

#[test]
fn login_form_is_labelled_carries_csrf_and_escapes() {
    let html = dioxus_ssr::render_element(rsx! {
        LoginPage { csrf: "tok\"en", email: "<script>x</script>", error: Some("account.invalid_credentials".to_owned()) }
    });
    assert!(html.contains(r#"name="_csrf""#), "{html}");
    assert!(
        html.contains(r#"for="email""#) && html.contains(r#"id="email""#),
        "{html}"
    );
    assert!(html.contains(r#"for="password""#), "{html}");
    assert!(
        html.contains(r#"role="alert""#) && html.contains("account.invalid_credentials"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "{html}");
    assert_eq!(html.matches("<h1").count(), 1);
}

#[test]
fn signed_in_page_escapes_the_name() {
    let html = dioxus_ssr::render_element(rsx! {
        SignedInPage { display_name: "<img src=x onerror=alert(1)>", role: "patient", csrf: "t" }
    });
    assert!(!html.contains("<img"), "{html}");
    assert!(html.contains("img src=x"), "{html}");
}

#[test]
fn recovery_codes_are_listed() {
    let html = dioxus_ssr::render_element(rsx! {
        RecoveryCodesPage { codes: vec!["aaaa-bbbb-cccc".to_owned(), "dddd-eeee-ffff".to_owned()], next: "/home" }
    });
    assert!(
        html.contains("aaaa-bbbb-cccc") && html.contains("dddd-eeee-ffff"),
        "{html}"
    );
}

#[test]
fn passkeys_page_lists_escapes_and_hides_the_script_button() {
    let html = dioxus_ssr::render_element(rsx! {
        PasskeysPage {
            csrf: "tok",
            passkeys: vec![PasskeyRow {
                id: "AAEC".to_owned(),
                name: "<b>Laptop</b>".to_owned(),
                created: "Mon 1 Jun 2026, 10:00".to_owned(),
                last_used: None,
            }],
            error: None,
        }
    });
    assert!(!html.contains("<b>"), "{html}");
    assert!(
        html.contains(r#"action="/account/passkeys/AAEC/remove""#),
        "{html}"
    );
    assert!(html.contains(r#"name="_csrf""#), "{html}");
    assert!(html.contains(r#"src="/assets/passkey.js""#), "{html}");
    assert!(html.contains(r#"id="passkey-add" hidden"#), "{html}");
    assert!(html.contains(r#"for="passkey-name""#), "{html}");
    let login =
        dioxus_ssr::render_element(rsx! { LoginPage { csrf: "t", email: "", error: None } });
    assert!(login.contains(r#"id="passkey-login" hidden"#), "{login}");
    assert!(login.contains("passkey-login-button"), "{login}");
}

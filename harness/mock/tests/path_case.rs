//! Path segments in any letter case, as Graph resolves them (Microsoft's how-to sends
//! `.../authentication/hardwareoathmethods/{id}`): ids and UPNs are kept as given, the controls and the
//! token endpoint keep working.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn graph_paths_match_in_any_letter_case() {
    let h = harness().await;
    let id = h.create_for_amy("CASE-1").await;
    let amy = h.user_id("Amy Masters");
    let upper_id = id.to_uppercase();
    for path in [
        "/Directory/AuthenticationMethodDevices/HardwareOathDevices".to_owned(),
        "/directory/authenticationmethoddevices/hardwareoathdevices/$COUNT".to_owned(),
        "/directory/authenticationmethoddevices/hardwareoathdevices/%24count".to_owned(),
        format!("/DIRECTORY/authenticationMethodDevices/hardwareOathDevices/{upper_id}"),
        format!("/directory/authenticationMethodDevices/hardwareOathDevices/{id}/ASSIGNTO"),
        format!("/users/{amy}/Authentication/HardwareOathMethods"),
        format!("/users/{amy}/authentication/hardwareoathmethods/{id}"),
        format!("/users/AMYM@CONTOSO.COM/authentication/hardwareoathmethods/{id}/Device"),
        "/users/amym@contoso.com/authentication/HARDWAREOATHMETHODS/$count".to_owned(),
        "/Policies/AuthenticationMethodsPolicy/AuthenticationMethodConfigurations/HardwareOath"
            .to_owned(),
    ] {
        let answer = h.get(&path, &h.admin()).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.text);
    }
    let me = h
        .get(
            &format!("/ME/authentication/hardwareOathMethods/{id}"),
            &h.amy(),
        )
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["id"], id.as_str());
    // The whole version segment too, and a query string is kept.
    let root = h.tenant.root_url();
    let selected = h
        .get(
            &format!("{root}/BETA/Me/Authentication/HardwareOathMethods?$select=id"),
            &h.amy(),
        )
        .await;
    selected.assert_first_without_device();
    // Actions.
    let activate = h
        .post_code(
            &format!("/Me/Authentication/HardwareOathMethods/{id}/Activate"),
            &h.amy(),
        )
        .await;
    assert_eq!(activate.status, StatusCode::NO_CONTENT, "{}", activate.text);
    let deactivate = h
        .post(
            &format!("/users/{amy}/authentication/hardwareoathmethods/{id}/DEACTIVATE"),
            &h.admin(),
            json!({}),
        )
        .await;
    assert_eq!(deactivate.status, StatusCode::NO_CONTENT);
    let other = h.create("CASE-2").await;
    let by_serial = h
        .post(
            "/me/authentication/hardwareoathmethods/assignandactivatebyserialnumber",
            &h.amy(),
            json!({"serialNumber": "CASE-2", "verificationCode": code_at(T + 30)}),
        )
        .await;
    assert_eq!(
        by_serial.status,
        StatusCode::NO_CONTENT,
        "{}",
        by_serial.text
    );
    assert_eq!(h.device(&other).await["status"], "activated");
    // A miss is still a Graph 404 envelope; another HTTP method still a 405.
    let unknown = h
        .get("/directory/authenticationMethodDevices/nothing", &h.admin())
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(!unknown.code().is_empty());
    let not_allowed = h
        .call(
            Method::PUT,
            "/DIRECTORY/authenticationMethodDevices/hardwareOathDevices",
            Some(&h.admin()),
            Some(json!({})),
        )
        .await;
    assert_eq!(not_allowed.status, StatusCode::METHOD_NOT_ALLOWED);
    // Requests are counted under the canonical route.
    let counters = h.tenant.counters();
    assert!(
        counters
            .requests
            .contains_key("GET /beta/directory/authenticationMethodDevices/hardwareOathDevices"),
        "{:?}",
        counters.requests.keys()
    );
}

#[tokio::test]
async fn ids_and_upns_keep_their_case_and_controls_keep_working() {
    let h = harness().await;
    // A path user that is a literal word elsewhere is still a user key.
    let nobody = h
        .get(
            "/users/Authentication/authentication/hardwareOathMethods",
            &h.admin(),
        )
        .await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND, "{}", nobody.text);
    assert!(
        nobody.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'Authentication'"),
        "{}",
        nobody.text
    );
    assert_eq!(
        h.call(Method::GET, "/_hwoath/clock", None, None)
            .await
            .status,
        StatusCode::OK
    );
    let token = h.raw(
        h.client
            .post(h.tenant.token_url())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "grant_type=client_credentials&client_id={}&client_secret={}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
                h.tenant.fixture().apps[0].client_id,
                h.tenant.fixture().apps[0].client_secret.expose()
            )),
    )
    .await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.text);
}

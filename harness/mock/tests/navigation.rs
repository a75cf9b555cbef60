//! Navigation properties over real HTTP: `assignTo/$ref` (inventory and per-user), `assignTo`,
//! a method's `device`, and `$count` of a user's methods, with ids and UPNs.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn reference(user: &str) -> Value {
    json!({"@odata.id": format!("https://graph.microsoft.com/beta/users/{user}")})
}

async fn put(h: &Harness, path: &str, token: &str, body: Value) -> Answer {
    h.call(Method::PUT, path, Some(token), Some(body)).await
}

#[tokio::test]
async fn inventory_assign_to_ref_assigns_like_the_assign_post() {
    let h = harness().await;
    let amy = h.user_id("Amy Masters");
    let id = h.create("REF-1").await;
    let path = format!("{DEVICES}/{id}/assignTo/$ref");
    let answer = put(&h, &path, &h.admin(), reference(&amy)).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text);
    assert!(answer.text.is_empty());
    let device = h.device(&id).await;
    assert_eq!(device["status"], "assigned");
    assert_eq!(device["assignedTo"]["id"], amy.as_str());
    let methods = h.get(ME, &h.amy()).await;
    assert_eq!(methods.body["value"][0]["id"], id.as_str());
    // Assigned already: 409, as the assign POST answers.
    let helga = h.user_id("Helga");
    let again = put(&h, &path, &h.admin(), reference(&helga)).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "conflict");
    // By UPN, through the mock's own base URL, percent-encoded.
    let other = h.create("REF-2").await;
    let own_url = format!("{}/users/Helga%40contoso.com", h.tenant.base_url());
    let answer = put(
        &h,
        &format!("{DEVICES}/{other}/assignTo/$ref"),
        &h.admin(),
        json!({"@odata.id": own_url}),
    )
    .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text);
    assert_eq!(h.device(&other).await["assignedTo"]["id"], helga.as_str());
    h.tenant.check_invariants().unwrap();
}

#[tokio::test]
async fn assign_to_ref_errors() {
    let h = harness().await;
    let amy = h.user_id("Amy Masters");
    let id = h.create("REF-ERR-1").await;
    let path = format!("{DEVICES}/{id}/assignTo/$ref");
    for (label, body, status) in [
        (
            "unknown user",
            reference("00000000-0000-0000-0000-000000000000"),
            StatusCode::NOT_FOUND,
        ),
        (
            "relative URL",
            json!({"@odata.id": format!("/users/{amy}")}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a group",
            json!({"@odata.id": "https://graph.microsoft.com/beta/groups/x"}),
            StatusCode::BAD_REQUEST,
        ),
        ("no @odata.id", json!({}), StatusCode::BAD_REQUEST),
        ("number", json!({"@odata.id": 5}), StatusCode::BAD_REQUEST),
        (
            "extra property",
            json!({"@odata.id": format!("https://graph.microsoft.com/beta/users/{amy}"), "id": amy}),
            StatusCode::BAD_REQUEST,
        ),
        ("array", json!([]), StatusCode::BAD_REQUEST),
    ] {
        let answer = put(&h, &path, &h.admin(), body).await;
        assert_eq!(answer.status, status, "{label}: {}", answer.text);
        assert!(!answer.code().is_empty(), "{label}");
    }
    let duplicated = h
        .raw(
            h.client
                .put(h.url(&path))
                .bearer_auth(h.admin())
                .header("content-type", "application/json")
                .body(r#"{"@odata.id": "https://x/users/a", "@odata.id": "https://x/users/b"}"#),
        )
        .await;
    assert_eq!(duplicated.status, StatusCode::BAD_REQUEST);
    let no_type = h
        .raw(
            h.client
                .put(h.url(&path))
                .bearer_auth(h.admin())
                .body(reference(&amy).to_string()),
        )
        .await;
    assert_eq!(no_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let missing = put(
        &h,
        &format!("{DEVICES}/00000000-0000-0000-0000-000000000000/assignTo/$ref"),
        &h.admin(),
        reference(&amy),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // The inventory form needs the policy write permission and the methods write permission.
    let t = h.tenant.token();
    for token in [
        t.app(&["Policy.ReadWrite.AuthenticationMethod"]),
        t.app(&["UserAuthenticationMethod.ReadWrite.All"]),
        t.app(&["Policy.Read.All"]),
    ] {
        let answer = put(&h, &path, &token, reference(&amy)).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.text);
        assert_eq!(answer.code(), "accessDenied");
    }
    // A sixth method for one user: 400, as for the assign POST.
    for i in 0..5 {
        h.create_for_amy(&format!("REF-FULL-{i}")).await;
    }
    let sixth = put(&h, &path, &h.admin(), reference(&amy)).await;
    assert_eq!(sixth.status, StatusCode::BAD_REQUEST, "{}", sixth.text);
    assert_eq!(h.device(&id).await["status"], "available");
    h.tenant.check_invariants().unwrap();
}

#[tokio::test]
async fn per_user_assign_to_ref_assigns_to_the_path_user_only() {
    let h = harness().await;
    let amy = h.user_id("Amy Masters");
    let id = h.create("UREF-1").await;
    // The signed-in user, through /me.
    let me_path = format!("{ME}/{id}/device/assignTo/$ref");
    let answer = put(&h, &me_path, &h.amy(), reference(&amy)).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text);
    assert_eq!(h.device(&id).await["assignedTo"]["id"], amy.as_str());
    // Another user's, by UPN in the path and in the reference.
    let other = h.create("UREF-2").await;
    let helga_path = format!(
        "/users/Helga@contoso.com/authentication/hardwareOathMethods/{other}/device/assignTo/$ref"
    );
    let mismatch = put(&h, &helga_path, &h.admin(), reference(&amy)).await;
    assert_eq!(
        mismatch.status,
        StatusCode::BAD_REQUEST,
        "{}",
        mismatch.text
    );
    let answer = put(&h, &helga_path, &h.admin(), reference("HELGA@contoso.com")).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text);
    assert_eq!(
        h.device(&other).await["assignedTo"]["id"],
        h.user_id("Helga").as_str()
    );
    // The methods write permission of the path's user is needed.
    let third = h.create("UREF-3").await;
    let t = h.tenant.token();
    let read_only = t.delegated(&amy, &["UserAuthenticationMethod.Read"]);
    let denied = put(
        &h,
        &format!("{ME}/{third}/device/assignTo/$ref"),
        &read_only,
        reference(&amy),
    )
    .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let app_on_me = put(
        &h,
        &format!("{ME}/{third}/device/assignTo/$ref"),
        &h.admin(),
        reference(&amy),
    )
    .await;
    assert_eq!(app_on_me.status, StatusCode::BAD_REQUEST);
    assert_eq!(app_on_me.code(), "BadRequest");
    let amy_writes_helga = put(
        &h,
        &format!("/users/Helga@contoso.com/authentication/hardwareOathMethods/{third}/device/assignTo/$ref"),
        &h.amy(),
        reference("Helga@contoso.com"),
    )
    .await;
    assert_eq!(amy_writes_helga.status, StatusCode::FORBIDDEN);
    let unknown_path_user = put(
        &h,
        &format!("/users/nobody@contoso.com/authentication/hardwareOathMethods/{third}/device/assignTo/$ref"),
        &h.admin(),
        reference("nobody@contoso.com"),
    )
    .await;
    assert_eq!(unknown_path_user.status, StatusCode::NOT_FOUND);
    h.tenant.check_invariants().unwrap();
}

#[tokio::test]
async fn assign_to_reads_the_holder() {
    let h = harness().await;
    let amy = h.tenant.user("Amy Masters").clone();
    let id = h.create("HOLDER-1").await;
    let path = format!("{DEVICES}/{id}/assignTo");
    let unassigned = h.get(&path, &h.admin()).await;
    assert_eq!(
        unassigned.status,
        StatusCode::NOT_FOUND,
        "{}",
        unassigned.text
    );
    assert_eq!(unassigned.code(), "Request_ResourceNotFound");
    let assign = h.post(ME, &h.amy(), json!({"device": {"id": id}})).await;
    assert_eq!(assign.status, StatusCode::CREATED);
    let holder = h.get(&path, &h.admin()).await;
    assert_eq!(holder.status, StatusCode::OK, "{}", holder.text);
    assert_eq!(
        holder.body,
        json!({
            "@odata.context": format!("{}/$metadata#users/$entity", h.tenant.base_url()),
            "id": amy.id,
            "displayName": "Amy Masters",
            "userPrincipalName": amy.user_principal_name,
        })
    );
    let selected = h
        .get(&format!("{path}?$select=userPrincipalName"), &h.admin())
        .await;
    assert_eq!(selected.body["userPrincipalName"], "AmyM@contoso.com");
    assert!(selected.body.get("id").is_none());
    let reader = h.tenant.token().app(&["Policy.Read.All"]);
    assert_eq!(h.get(&path, &reader).await.status, StatusCode::OK);
    let no_role = h.tenant.token().app(&["UserAuthenticationMethod.Read.All"]);
    assert_eq!(h.get(&path, &no_role).await.status, StatusCode::FORBIDDEN);
    let missing = h
        .get(
            &format!("{DEVICES}/00000000-0000-0000-0000-000000000000/assignTo"),
            &h.admin(),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_method_reads_its_device() {
    let h = harness().await;
    let amy = h.user_id("Amy Masters");
    let id = h.create_for_amy("DEV-NAV-1").await;
    let answer = h.get(&format!("{ME}/{id}/device"), &h.amy()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(
        answer.body["@odata.context"],
        format!(
            "{}/$metadata#users('{amy}')/authentication/hardwareOathMethods('{id}')/device/$entity",
            h.tenant.base_url()
        )
    );
    assert_eq!(
        answer.body["@odata.type"],
        "#microsoft.graph.hardwareOathTokenAuthenticationMethodDevice"
    );
    assert_eq!(answer.body["serialNumber"], "DEV-NAV-1");
    assert_eq!(answer.body["secretKey"], Value::Null);
    assert!(!answer.text.contains(SECRET));
    let by_upn = h
        .get(
            &format!("/users/AmyM@contoso.com/authentication/hardwareOathMethods/{id}/device?$select=status"),
            &h.admin(),
        )
        .await;
    assert_eq!(by_upn.status, StatusCode::OK, "{}", by_upn.text);
    assert_eq!(by_upn.body["status"], "assigned");
    assert!(by_upn.body.get("serialNumber").is_none());
    let helgas = h
        .get(
            &format!("/users/Helga@contoso.com/authentication/hardwareOathMethods/{id}/device"),
            &h.admin(),
        )
        .await;
    assert_eq!(helgas.status, StatusCode::NOT_FOUND, "not Helga's method");
    let reader = h.tenant.token().app(&["UserAuthenticationMethod.Read.All"]);
    assert_eq!(
        h.get(
            &format!("/users/{amy}/authentication/hardwareOathMethods/{id}/device"),
            &reader
        )
        .await
        .status,
        StatusCode::OK
    );
    let policy_reader = h.tenant.token().app(&["Policy.Read.All"]);
    assert_eq!(
        h.get(
            &format!("/users/{amy}/authentication/hardwareOathMethods/{id}/device"),
            &policy_reader
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn methods_count_is_plain_text() {
    let h = harness().await;
    for i in 0..3 {
        h.create_for_amy(&format!("COUNT-{i}")).await;
    }
    let answer = h.get(&format!("{ME}/$count"), &h.amy()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.text, "3");
    assert!(
        answer.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let filtered = h
        .get(
            "/users/AmyM@contoso.com/authentication/hardwareOathMethods/$count?$filter=device/serialNumber eq 'COUNT-1'",
            &h.admin(),
        )
        .await;
    assert_eq!(filtered.text, "1", "{}", filtered.text);
    let helga = h
        .get(
            &format!(
                "/users/{}/authentication/hardwareOathMethods/$count",
                h.user_id("Helga")
            ),
            &h.admin(),
        )
        .await;
    assert_eq!(helga.text, "0");
    let bad = h.get(&format!("{ME}/$count?$orderby=id"), &h.amy()).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let app = h.get(&format!("{ME}/$count"), &h.admin()).await;
    assert_eq!(app.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.code(), "BadRequest");
}

#[tokio::test]
async fn create_assigns_to_a_user_named_by_upn() {
    let h = harness().await;
    let mut body = device_body("UPN-CREATE-1");
    body["assignTo"] = json!({"id": "amym@CONTOSO.com"});
    let answer = h.post(DEVICES, &h.admin(), body).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    assert_eq!(
        answer.body["assignedTo"]["id"],
        h.user_id("Amy Masters").as_str()
    );
    let listed = h
        .get(
            "/users/AmyM@contoso.com/authentication/hardwareOathMethods",
            &h.admin(),
        )
        .await;
    assert_eq!(listed.body["value"].as_array().unwrap().len(), 1);
}

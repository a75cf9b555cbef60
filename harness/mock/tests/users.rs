//! `GET /users/{id or userPrincipalName}` and `GET /me`: the user lookups clients make before they
//! assign a token, under Graph's user permissions.

mod common;

use common::*;
use reqwest::StatusCode;

#[tokio::test]
async fn users_are_found_by_id_or_user_principal_name_with_user_read_all() {
    let h = harness().await;
    let reader = h.tenant.token().app(&["User.Read.All"]);
    let amy = h.user_id("Amy Masters");
    for key in [amy.as_str(), "AmyM@contoso.com", "amym@CONTOSO.com"] {
        let answer = h.get(&format!("/users/{key}"), &reader).await;
        assert_eq!(answer.status, StatusCode::OK, "{key}: {}", answer.text);
        assert_eq!(answer.body["id"], amy.as_str());
        assert_eq!(answer.body["displayName"], "Amy Masters");
        assert_eq!(answer.body["userPrincipalName"], "AmyM@contoso.com");
        assert!(
            answer.body["@odata.context"]
                .as_str()
                .unwrap()
                .ends_with("/$metadata#users/$entity")
        );
    }
    let selected = h
        .get("/Users/amym@contoso.com?$select=userPrincipalName", &reader)
        .await;
    assert_eq!(selected.status, StatusCode::OK, "{}", selected.text);
    assert_eq!(selected.body["userPrincipalName"], "AmyM@contoso.com");
    assert!(selected.body.get("displayName").is_none());
    let missing = h.get("/users/nobody@contoso.com", &reader).await;
    assert_eq!(
        (missing.status, missing.code()),
        (StatusCode::NOT_FOUND, "Request_ResourceNotFound")
    );
    let bad_option = h.get(&format!("/users/{amy}?$top=x"), &reader).await;
    assert_eq!(bad_option.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn reading_users_needs_a_user_permission_and_self_needs_less() {
    let h = harness().await;
    let amy = h.user_id("Amy Masters");
    let helga = h.user_id("Helga");
    // The token-method roles do not grant reading users.
    let methods_only = h.get(&format!("/users/{amy}"), &h.admin()).await;
    assert_eq!(
        (methods_only.status, methods_only.code()),
        (StatusCode::FORBIDDEN, "accessDenied")
    );
    // Permission comes before existence: no hint whether the user exists.
    let unknown = h.get("/users/nobody@contoso.com", &h.admin()).await;
    assert_eq!(unknown.status, StatusCode::FORBIDDEN);
    let own = h.tenant.token().delegated(&amy, &["User.Read"]);
    let myself = h.get(&format!("/users/{amy}"), &own).await;
    assert_eq!(myself.status, StatusCode::OK, "{}", myself.text);
    let by_upn = h.get("/users/AMYM@contoso.com", &own).await;
    assert_eq!(by_upn.status, StatusCode::OK, "{}", by_upn.text);
    let other = h.get(&format!("/users/{helga}"), &own).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    let basic = h.tenant.token().delegated(&amy, &["User.ReadBasic.All"]);
    let other = h.get(&format!("/users/{helga}"), &basic).await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.text);
}

#[tokio::test]
async fn me_is_the_signed_in_user_and_needs_a_delegated_token() {
    let h = harness().await;
    let amy = h.user_id("Amy Masters");
    let own = h.tenant.token().delegated(&amy, &["User.Read"]);
    let me = h.get("/me", &own).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["id"], amy.as_str());
    let app = h
        .get("/me", &h.tenant.token().app(&["User.Read.All"]))
        .await;
    assert_eq!(
        (app.status, app.code()),
        (StatusCode::BAD_REQUEST, "BadRequest")
    );
    let no_scope = h
        .get(
            "/me",
            &h.tenant.token().delegated(&amy, &["Policy.Read.All"]),
        )
        .await;
    assert_eq!(no_scope.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_user_list_filters_selects_and_pages() {
    let h = harness().await;
    let reader = h.tenant.token().app(&["Directory.Read.All"]);
    let all = h.get("/users", &reader).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    let everyone = all.body["value"].as_array().unwrap().len();
    assert_eq!(everyone, h.tenant.fixture().users.len());
    assert!(
        all.body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/$metadata#users")
    );
    let one = h
        .get(
            "/users?$filter=userPrincipalName%20eq%20'HelgA@contoso.com'&$select=id",
            &reader,
        )
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    let found = one.body["value"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{}", one.text);
    assert_eq!(found[0]["id"], h.user_id("Helga").as_str());
    assert!(found[0].get("displayName").is_none(), "$select");
    let by_name = h
        .get("/users?$filter=displayName%20eq%20'Lee%20Gu'", &reader)
        .await;
    assert_eq!(
        by_name.body["value"][0]["userPrincipalName"],
        "LeeG@contoso.com"
    );
    // Paging with $top follows @odata.nextLink to the end.
    let mut next = Some(h.url("/users?$top=2"));
    let mut seen = 0;
    while let Some(url) = next {
        let page = h.get(&url, &reader).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        seen += page.body["value"].as_array().unwrap().len();
        next = page.body["@odata.nextLink"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, everyone);
    let refused = h.get("/users", &h.admin()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let unsupported = h
        .get("/users?$filter=startswith(displayName,'A')", &reader)
        .await;
    assert_eq!(unsupported.status, StatusCode::BAD_REQUEST);
}

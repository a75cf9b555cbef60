//! Authentication and authorization over real HTTP: every token failure mode, the permission table,
//! `/me` with app tokens, and the client-credentials token endpoint.

mod common;

use common::*;
use data_encoding::BASE64URL_NOPAD;
use hwoath_mock::{MockTenant, SigningKey, TokenRequest, roles};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn forge(header: &Value, claims: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        BASE64URL_NOPAD.encode(header.to_string().as_bytes()),
        BASE64URL_NOPAD.encode(claims.to_string().as_bytes())
    )
}

#[tokio::test]
async fn every_bad_token_is_401_invalid_authentication_token() {
    let h = harness().await;
    let good = h.admin();
    let payload = good.split('.').nth(1).unwrap();
    let claims: Value =
        serde_json::from_slice(&BASE64URL_NOPAD.decode(payload.as_bytes()).unwrap()).unwrap();
    let other_key = TokenRequest::app(&["Policy.Read.All"]).mint(
        &SigningKey::from_bytes(b"another key".to_vec()),
        h.tenant.tenant_id(),
    );
    let expired = h
        .tenant
        .token()
        .mint(TokenRequest::app(&["Policy.Read.All"]).expires_in(-5));
    let wrong_aud = h.tenant.token().mint(TokenRequest {
        aud: Some("api://someone-else".into()),
        ..TokenRequest::app(&["Policy.Read.All"])
    });
    let wrong_tenant = h.tenant.token().mint(TokenRequest {
        tid: Some("11111111-1111-1111-1111-111111111111".into()),
        ..TokenRequest::app(&["Policy.Read.All"])
    });
    let mut tampered = good.clone();
    tampered.pop();
    tampered.push(if good.ends_with('A') { 'B' } else { 'A' });
    let cases: Vec<(&str, Option<String>)> = vec![
        ("no header", None),
        ("empty bearer", Some("Bearer ".into())),
        ("basic scheme", Some(format!("Basic {good}"))),
        ("garbage", Some("Bearer not.a.jwt".into())),
        ("two parts", Some("Bearer abc.def".into())),
        (
            "alg none",
            Some(format!(
                "Bearer {}",
                forge(&json!({"alg": "none"}), &claims, "")
            )),
        ),
        (
            "alg RS256",
            Some(format!(
                "Bearer {}",
                forge(&json!({"alg": "RS256"}), &claims, "c2ln")
            )),
        ),
        ("other key", Some(format!("Bearer {other_key}"))),
        ("tampered signature", Some(format!("Bearer {tampered}"))),
        ("expired", Some(format!("Bearer {expired}"))),
        ("wrong audience", Some(format!("Bearer {wrong_aud}"))),
        ("wrong tenant", Some(format!("Bearer {wrong_tenant}"))),
    ];
    for (label, header) in cases {
        let mut request = h.client.get(h.url(DEVICES));
        if let Some(header) = header {
            request = request.header("authorization", header);
        }
        let answer = h.raw(request).await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "{label}: {}",
            answer.text
        );
        assert_eq!(answer.code(), "InvalidAuthenticationToken", "{label}");
        assert!(
            !answer.text.contains(&good),
            "{label}: the token is never echoed"
        );
    }
    let non_ascii = h
        .raw(
            h.client
                .get(h.url(DEVICES))
                .header("authorization", b"Bearer \xff\xfe".as_slice()),
        )
        .await;
    assert_eq!(non_ascii.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn graph_app_id_audience_is_accepted() {
    let h = harness().await;
    let token = h.tenant.token().mint(TokenRequest {
        aud: Some("00000003-0000-0000-c000-000000000000".into()),
        ..TokenRequest::app(&["Policy.Read.All"])
    });
    assert_eq!(h.get(DEVICES, &token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn inventory_permissions_need_scope_and_role() {
    let h = harness().await;
    let t = h.tenant.token();
    let megan = h.user_id("Megan Bowen"); // Global Reader
    let alex = h.user_id("Alex Wilber"); // Authentication Policy Administrator
    let amy = h.user_id("Amy Masters"); // no role
    let cases = [
        (
            "reader role + Policy.Read.All",
            t.delegated(&megan, &["Policy.Read.All"]),
            StatusCode::OK,
        ),
        (
            "no role",
            t.delegated(&amy, &["Policy.Read.All"]),
            StatusCode::FORBIDDEN,
        ),
        (
            "role without scope",
            t.delegated(&megan, &["User.Read"]),
            StatusCode::FORBIDDEN,
        ),
        (
            "app Policy.Read.All",
            t.app(&["Policy.Read.All"]),
            StatusCode::OK,
        ),
        (
            "app ReadWrite covers read",
            t.app(&["Policy.ReadWrite.AuthenticationMethod"]),
            StatusCode::OK,
        ),
        (
            "app unrelated",
            t.app(&["User.Read.All"]),
            StatusCode::FORBIDDEN,
        ),
        ("app none", t.app(&[]), StatusCode::FORBIDDEN),
    ];
    for (label, token, status) in cases {
        let answer = h.get(DEVICES, &token).await;
        assert_eq!(answer.status, status, "{label}: {}", answer.text);
        if status == StatusCode::FORBIDDEN {
            assert_eq!(answer.code(), "accessDenied", "{label}");
            assert_eq!(
                answer.body["error"]["message"], "Request Authorization failed",
                "{label}"
            );
        }
    }
    let writes = [
        (
            "policy admin",
            t.delegated(&alex, &["Policy.ReadWrite.AuthenticationMethod"]),
            StatusCode::CREATED,
        ),
        (
            "global reader cannot write",
            t.delegated(&megan, &["Policy.ReadWrite.AuthenticationMethod"]),
            StatusCode::FORBIDDEN,
        ),
        (
            "read scope cannot write",
            t.app(&["Policy.Read.All"]),
            StatusCode::FORBIDDEN,
        ),
    ];
    for (i, (label, token, status)) in writes.into_iter().enumerate() {
        let answer = h
            .post(DEVICES, &token, device_body(&format!("PERM-{i}")))
            .await;
        assert_eq!(answer.status, status, "{label}: {}", answer.text);
    }
    // Creating with assignTo also needs UserAuthenticationMethod.ReadWrite.All (and an admin role).
    let mut body = device_body("PERM-ASSIGN");
    body["assignTo"] = json!({"id": amy});
    let only_policy = t.app(&["Policy.ReadWrite.AuthenticationMethod"]);
    assert_eq!(
        h.post(DEVICES, &only_policy, body.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    let both_roles = t.mint(
        TokenRequest::delegated(
            &alex,
            &[
                "Policy.ReadWrite.AuthenticationMethod",
                "UserAuthenticationMethod.ReadWrite.All",
            ],
        )
        .with_wids(&[
            roles::AUTHENTICATION_POLICY_ADMINISTRATOR,
            roles::AUTHENTICATION_ADMINISTRATOR,
        ]),
    );
    assert_eq!(
        h.post(DEVICES, &both_roles, body).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn method_permissions_for_self_and_others() {
    let h = harness().await;
    let t = h.tenant.token();
    let amy = h.user_id("Amy Masters");
    let adele = h.user_id("Adele Vance"); // Authentication Administrator
    let megan = h.user_id("Megan Bowen"); // Global Reader
    let amys = format!("/users/{amy}/authentication/hardwareOathMethods");
    let cases = [
        (
            "own read with Read",
            ME.to_owned(),
            t.delegated(&amy, &["UserAuthenticationMethod.Read"]),
            StatusCode::OK,
        ),
        (
            "own read via /users/{own id}",
            amys.clone(),
            t.delegated(&amy, &["UserAuthenticationMethod.Read"]),
            StatusCode::OK,
        ),
        (
            "own read without scope",
            ME.to_owned(),
            t.delegated(&amy, &["User.Read"]),
            StatusCode::FORBIDDEN,
        ),
        (
            "others read: global reader",
            amys.clone(),
            t.delegated(&megan, &["UserAuthenticationMethod.Read.All"]),
            StatusCode::OK,
        ),
        (
            "others read: scope without role",
            amys.clone(),
            t.delegated(&h.user_id("Helga"), &["UserAuthenticationMethod.Read.All"]),
            StatusCode::FORBIDDEN,
        ),
        (
            "others read: role without .All",
            amys.clone(),
            t.delegated(&adele, &["UserAuthenticationMethod.Read"]),
            StatusCode::FORBIDDEN,
        ),
        (
            "others read: app",
            amys.clone(),
            t.app(&["UserAuthenticationMethod.Read.All"]),
            StatusCode::OK,
        ),
        (
            "/me with app token",
            ME.to_owned(),
            t.app(&["UserAuthenticationMethod.ReadWrite.All"]),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (label, path, token, status) in cases {
        let answer = h.get(&path, &token).await;
        assert_eq!(answer.status, status, "{label}: {}", answer.text);
        let code = match status {
            StatusCode::FORBIDDEN => "accessDenied",
            StatusCode::BAD_REQUEST => "BadRequest",
            _ => "",
        };
        assert_eq!(answer.code(), code, "{label}");
    }
    let app_on_me = h
        .get(ME, &t.app(&["UserAuthenticationMethod.ReadWrite.All"]))
        .await;
    assert_eq!(
        app_on_me.body["error"]["message"],
        "/me request is only valid with delegated authentication flow."
    );
    let id = h.create("MP-1").await;
    let read_only = t.delegated(&amy, &["UserAuthenticationMethod.Read"]);
    assert_eq!(
        h.post(ME, &read_only, json!({"device": {"id": id}}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let reader_app = t.app(&["UserAuthenticationMethod.Read.All"]);
    assert_eq!(
        h.post(&amys, &reader_app, json!({"device": {"id": id}}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let global_reader = t.delegated(&megan, &["UserAuthenticationMethod.ReadWrite.All"]);
    assert_eq!(
        h.post(&amys, &global_reader, json!({"device": {"id": id}}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let auth_admin = t.delegated(&adele, &["UserAuthenticationMethod.ReadWrite.All"]);
    assert_eq!(
        h.post(&amys, &auth_admin, json!({"device": {"id": id}}))
            .await
            .status,
        StatusCode::CREATED
    );
    // Permission is checked before existence: no 404 leak to a caller without permission.
    let unknown = h
        .get(
            "/users/nobody/authentication/hardwareOathMethods",
            &t.app(&[]),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn client_credentials_token_endpoint() {
    let h = harness().await;
    let app = h.tenant.fixture().apps[0].clone();
    let form = |secret: &str, scope: &str| {
        vec![
            ("grant_type".to_owned(), "client_credentials".to_owned()),
            ("client_id".to_owned(), app.client_id.clone()),
            ("client_secret".to_owned(), secret.to_owned()),
            ("scope".to_owned(), scope.to_owned()),
        ]
    };
    let post = |url: String, form: Vec<(String, String)>| {
        let h = &h;
        async move {
            let body = serde_urlencoded_body(&form);
            h.raw(
                h.client
                    .post(url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body),
            )
            .await
        }
    };
    let ok = post(
        h.tenant.token_url(),
        form(
            app.client_secret.expose(),
            "https://graph.microsoft.com/.default",
        ),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.body["token_type"], "Bearer");
    assert!(ok.body["expires_in"].as_i64().unwrap() > 0);
    let token = ok.body["access_token"].as_str().unwrap();
    assert_eq!(h.get(DEVICES, token).await.status, StatusCode::OK);
    let by_domain = post(
        format!(
            "{}/contoso.onmicrosoft.com/oauth2/v2.0/token",
            h.tenant.root_url()
        ),
        form(
            app.client_secret.expose(),
            "https://graph.microsoft.com/.default",
        ),
    )
    .await;
    assert_eq!(by_domain.status, StatusCode::OK);

    let wrong_secret = post(
        h.tenant.token_url(),
        form("nope", "https://graph.microsoft.com/.default"),
    )
    .await;
    assert_eq!(wrong_secret.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_secret.body["error"], "invalid_client");
    assert!(!wrong_secret.text.contains(app.client_secret.expose()));
    let wrong_scope = post(
        h.tenant.token_url(),
        form(app.client_secret.expose(), "User.Read"),
    )
    .await;
    assert_eq!(wrong_scope.body["error"], "invalid_scope");
    let unknown_tenant = post(
        format!("{}/fabrikam.com/oauth2/v2.0/token", h.tenant.root_url()),
        form(
            app.client_secret.expose(),
            "https://graph.microsoft.com/.default",
        ),
    )
    .await;
    assert_eq!(unknown_tenant.status, StatusCode::BAD_REQUEST);
    assert!(
        unknown_tenant.body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS90002")
    );
    let mut bad_grant = form(
        app.client_secret.expose(),
        "https://graph.microsoft.com/.default",
    );
    bad_grant[0].1 = "password".into();
    assert_eq!(
        post(h.tenant.token_url(), bad_grant).await.body["error"],
        "unsupported_grant_type"
    );
    let json_body = h
        .raw(
            h.client
                .post(h.tenant.token_url())
                .json(&json!({"grant_type": "client_credentials"})),
        )
        .await;
    assert_eq!(json_body.status, StatusCode::BAD_REQUEST);
    assert_eq!(json_body.body["error"], "invalid_request");
    let discovery = h
        .raw(h.client.get(format!(
            "{}/{}/v2.0/.well-known/openid-configuration",
            h.tenant.root_url(),
            h.tenant.tenant_id()
        )))
        .await;
    assert_eq!(discovery.body["token_endpoint"], h.tenant.token_url());
}

fn serde_urlencoded_body(form: &[(String, String)]) -> String {
    form.iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn a_tenant_with_its_own_key_refuses_development_tokens() {
    let tenant = MockTenant::builder()
        .signing_key(SigningKey::from_bytes(b"secret key".to_vec()))
        .start()
        .await
        .unwrap();
    let dev = TokenRequest::app(&["Policy.Read.All"])
        .mint(&SigningKey::development(), tenant.tenant_id());
    let client = client();
    let url = format!("{}{DEVICES}", tenant.base_url());
    let refused = client.get(&url).bearer_auth(dev).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let own = tenant.token().app(&["Policy.Read.All"]);
    let accepted = client
        .request(Method::GET, &url)
        .bearer_auth(own)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), StatusCode::OK);
}

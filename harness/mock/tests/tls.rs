//! The mock over HTTPS: a client that trusts the CA made at start gets a token and calls Graph, every
//! URL the mock hands out says `https://`, MSAL's instance discovery answers for the mock's own
//! authority, a plain HTTP request is told to use HTTPS, a client that does not trust the CA is
//! refused, and a certificate given as PEM is served as given.

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use common::*;
use data_encoding::BASE64URL_NOPAD;
use hwoath_mock::{MockError, MockTenant, TlsConfig};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use reqwest::StatusCode;
use serde_json::Value;

/// A client that trusts only `ca_pem`.
fn trusting(ca_pem: &str) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap()])
        .build()
        .unwrap()
}

/// A tenant over HTTPS with a certificate made at start, and a client that trusts its CA.
async fn https_harness() -> Harness {
    let tenant = MockTenant::builder()
        .tls_self_signed()
        .controls(true)
        .clock(T)
        .start()
        .await
        .expect("mock starts over HTTPS");
    let ca = tenant
        .ca_certificate_pem()
        .expect("a CA was made")
        .to_owned();
    Harness {
        tenant,
        client: trusting(&ca),
    }
}

/// `POST token_url` with the fixture app's client credentials.
async fn app_token(h: &Harness) -> Answer {
    let app = &h.tenant.fixture().apps[0];
    let form = serde_urlencoded::to_string([
        ("grant_type", "client_credentials"),
        ("client_id", &app.client_id),
        ("client_secret", app.client_secret.expose()),
        ("scope", "https://graph.microsoft.com/.default"),
    ])
    .unwrap();
    h.raw(
        h.client
            .post(h.tenant.token_url())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form),
    )
    .await
}

#[tokio::test]
async fn a_client_trusting_the_ca_gets_a_token_over_https_and_calls_graph() {
    let h = https_harness().await;
    let root = h.tenant.root_url();
    assert!(root.starts_with("https://127.0.0.1:"), "{root}");
    assert!(h.tenant.base_url().starts_with("https://"));
    assert!(h.tenant.token_url().starts_with("https://"));
    let ca = h.tenant.ca_certificate_pem().unwrap();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"), "{ca}");
    assert!(!ca.contains("PRIVATE KEY"));

    let issued = app_token(&h).await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.text);
    let token = issued.body["access_token"].as_str().unwrap().to_owned();
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value =
        serde_json::from_slice(&BASE64URL_NOPAD.decode(payload.as_bytes()).unwrap()).unwrap();
    assert!(
        claims["iss"].as_str().unwrap().starts_with("https://"),
        "{claims}"
    );

    let first = h.post(DEVICES, &token, device_body("tls-1")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let location = first.headers["location"].to_str().unwrap();
    assert!(location.starts_with(&format!("{root}/beta/")), "{location}");
    assert_eq!(
        h.post(DEVICES, &token, device_body("tls-2")).await.status,
        StatusCode::CREATED
    );
    let page = h.get(&format!("{DEVICES}?$top=1"), &token).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let next = page.body["@odata.nextLink"].as_str().unwrap();
    assert!(next.starts_with(&format!("{root}/beta/")), "{next}");
    assert_eq!(h.get(next, &token).await.status, StatusCode::OK);
    let context = page.body["@odata.context"].as_str().unwrap_or_default();
    assert!(!context.starts_with("http://"), "{context}");
}

#[tokio::test]
async fn discovery_documents_point_at_https() {
    let h = https_harness().await;
    let root = h.tenant.root_url();
    let tenant = h.tenant.tenant_id().to_owned();
    let authorize = format!("{root}/{tenant}/oauth2/v2.0/authorize");
    // MSAL asks with the authority's host and no port.
    let portless = format!("https://127.0.0.1/{tenant}/oauth2/v2.0/authorize");
    let discover = |query: &[(&str, &str)]| {
        let query = serde_urlencoded::to_string(query).unwrap();
        h.raw(
            h.client
                .get(format!("{root}/common/discovery/instance?{query}")),
        )
    };
    let instance = discover(&[
        ("api-version", "1.1"),
        ("authorization_endpoint", portless.as_str()),
    ])
    .await;
    assert_eq!(instance.status, StatusCode::OK, "{}", instance.text);
    let with_port = discover(&[("authorization_endpoint", authorize.as_str())]).await;
    assert_eq!(with_port.body, instance.body);
    let tenant_discovery = instance.body["tenant_discovery_endpoint"].as_str().unwrap();
    assert_eq!(
        tenant_discovery,
        format!("{root}/{tenant}/v2.0/.well-known/openid-configuration")
    );
    assert_eq!(instance.body["api-version"], "1.1");
    assert_eq!(
        instance.body["metadata"][0]["aliases"],
        serde_json::json!(["127.0.0.1"])
    );
    assert_eq!(
        instance.body["metadata"][0]["preferred_network"],
        "127.0.0.1"
    );

    let configuration = h.raw(h.client.get(tenant_discovery)).await;
    assert_eq!(
        configuration.status,
        StatusCode::OK,
        "{}",
        configuration.text
    );
    assert_eq!(configuration.body["token_endpoint"], h.tenant.token_url());
    assert_eq!(configuration.body["authorization_endpoint"], authorize);

    for foreign in [
        "https://login.microsoftonline.com/common/oauth2/v2.0/authorize".to_owned(),
        format!("{root}/oauth2/v2.0/authorize"),
        format!("https://localhost/{tenant}/oauth2/v2.0/authorize"),
        format!("{root}/{tenant}/somewhere/else"),
    ] {
        let refused = discover(&[("authorization_endpoint", foreign.as_str())]).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{foreign}");
        assert_eq!(refused.body["error"], "invalid_instance", "{foreign}");
        assert_eq!(refused.body["error_codes"][0], 50049);
    }
    let missing = discover(&[("api-version", "1.1")]).await;
    assert_eq!(missing.body["error"], "invalid_request");
}

#[tokio::test]
async fn plain_http_to_the_tls_port_is_told_to_use_https() {
    let h = https_harness().await;
    let addr = h.tenant.addr();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "GET /beta{DEVICES} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    assert!(answer.contains("https://"), "{answer}");

    let plain = h
        .raw(h.client.get(format!("http://{addr}/beta{DEVICES}")))
        .await;
    assert_eq!(plain.status, StatusCode::BAD_REQUEST);
    assert!(plain.text.contains("HTTPS"), "{}", plain.text);
    // The server goes on serving TLS.
    assert_eq!(app_token(&h).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_ca_is_refused() {
    let h = https_harness().await;
    let other = MockTenant::builder()
        .tls_self_signed()
        .start()
        .await
        .unwrap();
    let strangers = [client(), trusting(other.ca_certificate_pem().unwrap())];
    for stranger in strangers {
        let error = tokio::time::timeout(
            Duration::from_secs(10),
            stranger.get(h.tenant.token_url()).send(),
        )
        .await
        .expect("refused at once, not hung")
        .expect_err("an untrusted certificate is refused");
        assert!(error.is_connect(), "{error:?}");
        let chain =
            std::iter::successors(Some(&error as &(dyn std::error::Error + 'static)), |e| {
                e.source()
            })
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(": ");
        assert!(chain.contains("certificate"), "{chain}");
    }
    // The refused handshakes did not stop the server.
    assert_eq!(app_token(&h).await.status, StatusCode::OK);
}

/// A CA of the caller's and a certificate it signs for 127.0.0.1, in PEM: (CA, chain, key).
fn own_certificate() -> (String, String, String) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    (
        ca.pem(),
        format!("{}{}", leaf.pem(), ca.pem()),
        key.serialize_pem(),
    )
}

#[tokio::test]
async fn a_certificate_given_as_pem_is_served_as_given() {
    let (ca, chain, key) = own_certificate();
    let tenant = MockTenant::builder()
        .tls(TlsConfig::pem(chain.clone(), key))
        .start()
        .await
        .expect("mock starts with the given certificate");
    assert_eq!(tenant.ca_certificate_pem(), None);
    let h = Harness {
        tenant,
        client: trusting(&ca),
    };
    assert_eq!(app_token(&h).await.status, StatusCode::OK);

    let other_key = KeyPair::generate().unwrap().serialize_pem();
    let mismatched = MockTenant::builder()
        .tls(TlsConfig::pem(chain, other_key))
        .start()
        .await;
    assert!(
        matches!(mismatched, Err(MockError::Tls(_))),
        "{mismatched:?}"
    );
    let garbage = MockTenant::builder()
        .tls(TlsConfig::pem("no certificate here", "no key either"))
        .start()
        .await
        .unwrap_err();
    assert!(garbage.to_string().contains("certificate"), "{garbage}");
}

#[tokio::test]
async fn an_https_tenant_shuts_down_gracefully() {
    let h = https_harness().await;
    assert_eq!(app_token(&h).await.status, StatusCode::OK);
    let addr = h.tenant.addr();
    tokio::time::timeout(Duration::from_secs(10), h.tenant.shutdown())
        .await
        .expect("shutdown finishes");
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

//! Snapshots of error envelopes and a collection page (ids, dates and request ids redacted).

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn error_envelopes() {
    let h = harness().await;
    let redactions = |name: &str, answer: &Answer| {
        insta::assert_json_snapshot!(name.to_owned(), answer.body, {
            ".error.innerError[\"request-id\"]" => "[request id]",
            ".error.innerError.date" => "[date]",
        });
    };
    let unauthenticated = h.call(Method::GET, DEVICES, None, None).await;
    redactions("error_401", &unauthenticated);
    let forbidden = h.get(DEVICES, &h.tenant.token().app(&[])).await;
    redactions("error_403", &forbidden);
    let missing = h
        .get(
            &format!("{DEVICES}/00000000-0000-0000-0000-000000000000"),
            &h.admin(),
        )
        .await;
    redactions("error_404", &missing);
    let mut body = device_body("ENV-1");
    body["timeIntervalInSeconds"] = json!(45);
    let invalid = h.post(DEVICES, &h.admin(), body).await;
    redactions("error_400_interval", &invalid);
    let raw = h
        .raw(
            h.client
                .post(h.url(DEVICES))
                .bearer_auth(h.admin())
                .header("client-request-id", "my-client-request")
                .body("{}"),
        )
        .await;
    assert_eq!(raw.headers["client-request-id"], "my-client-request");
    redactions("error_415", &raw);
}

#[tokio::test]
async fn collection_page() {
    let h = harness().await;
    h.create("PAGE-A").await;
    h.create("PAGE-B").await;
    let answer = h
        .get(
            &format!("{DEVICES}?$top=1&$count=true&$select=serialNumber,status"),
            &h.admin(),
        )
        .await;
    insta::assert_json_snapshot!("collection_page", answer.body, {
        "[\"@odata.context\"]" => "[context]",
        "[\"@odata.nextLink\"]" => "[next link]",
    });
}

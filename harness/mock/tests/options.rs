//! The behaviour options over real HTTP: `status_after_assign_to`, `numbers_as_strings` and
//! `visibility_delay` (`policy_disabled` is in `policy.rs`).

mod common;

use std::time::Duration;

use common::*;
use hwoath_mock::{MockTenant, NumbersAsStrings, StatusAfterAssignTo};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn status_after_assign_to_available_keeps_the_token_held() {
    let h = harness_with(
        MockTenant::builder()
            .controls(true)
            .clock(T)
            .status_after_assign_to(StatusAfterAssignTo::Available),
    )
    .await;
    let amy = h.user_id("Amy Masters");
    let mut body = device_body("HELD-1");
    body["assignTo"] = json!({"id": amy});
    let created = h.post(DEVICES, &h.admin(), body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["status"], "available");
    assert_eq!(
        created.body["assignedTo"],
        json!({"id": amy, "displayName": "Amy Masters"})
    );
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(h.device(&id).await["status"], "available");
    let methods = h.get(ME, &h.amy()).await;
    assert_eq!(
        methods.body["value"][0]["id"],
        id.as_str(),
        "the method exists"
    );
    let filtered = h
        .get(
            &format!("{DEVICES}?$filter=status eq 'available' and assignedTo/id eq '{amy}'"),
            &h.admin(),
        )
        .await;
    assert_eq!(filtered.body["value"].as_array().unwrap().len(), 1);
    // Held: update, delete and another assignment are refused as for any assigned token.
    let path = format!("{DEVICES}/{id}");
    let update = h
        .call(
            Method::PATCH,
            &path,
            Some(&h.admin()),
            Some(json!({"model": "M2"})),
        )
        .await;
    assert_eq!(update.status, StatusCode::CONFLICT);
    let delete = h.delete(&path, &h.admin()).await;
    assert_eq!(delete.status, StatusCode::CONFLICT);
    let taken = h.assign_to("Helga", &id).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    // Activation, deactivation and unassignment work from there.
    let activate = h.post_code(&format!("{ME}/{id}/activate"), &h.amy()).await;
    assert_eq!(activate.status, StatusCode::NO_CONTENT, "{}", activate.text);
    assert_eq!(h.device(&id).await["status"], "activated");
    let deactivate = h
        .post(&format!("{ME}/{id}/deactivate"), &h.amy(), json!({}))
        .await;
    assert_eq!(deactivate.status, StatusCode::NO_CONTENT);
    assert_eq!(h.device(&id).await["status"], "assigned");
    let unassign = h.delete(&format!("{ME}/{id}"), &h.amy()).await;
    assert_eq!(unassign.status, StatusCode::NO_CONTENT);
    assert_eq!(h.device(&id).await["assignedTo"], serde_json::Value::Null);
    // The assign POST still answers `assigned`.
    let assign = h.post(ME, &h.amy(), json!({"device": {"id": id}})).await;
    assert_eq!(assign.status, StatusCode::CREATED);
    assert_eq!(h.device(&id).await["status"], "assigned");
    h.tenant.check_invariants().unwrap();
}

#[tokio::test]
async fn numbers_as_strings_coerce_reads_integer_strings() {
    let h = harness_with(
        MockTenant::builder()
            .controls(true)
            .clock(T)
            .numbers_as_strings(NumbersAsStrings::Coerce),
    )
    .await;
    let mut body = device_body("STR-1");
    body["timeIntervalInSeconds"] = json!("60");
    let created = h.post(DEVICES, &h.admin(), body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["timeIntervalInSeconds"], 60);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let update = h
        .call(
            Method::PATCH,
            &format!("{DEVICES}/{id}"),
            Some(&h.admin()),
            Some(json!({"timeIntervalInSeconds": "30"})),
        )
        .await;
    assert_eq!(update.status, StatusCode::NO_CONTENT, "{}", update.text);
    assert_eq!(h.device(&id).await["timeIntervalInSeconds"], 30);
    // Microsoft's own bulk example sends the interval as a string.
    let mut first = device_body("STR-2");
    first["timeIntervalInSeconds"] = json!("30");
    first["@contentId"] = json!("1");
    let bulk = json!({"@context": "#$delta", "value": [first]});
    let answer = h
        .call(Method::PATCH, DEVICES, Some(&h.admin()), Some(bulk))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.body["value"][0]["timeIntervalInSeconds"], 30);
    // Only integers are coerced, and the range and field rules still apply.
    for bad in [json!("30.0"), json!("thirty"), json!(" 30"), json!("45")] {
        let mut body = device_body("STR-BAD");
        body["timeIntervalInSeconds"] = bad.clone();
        let answer = h.post(DEVICES, &h.admin(), body).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            answer.text
        );
    }
    let mut serial = device_body("STR-3");
    serial["serialNumber"] = json!(12345);
    assert_eq!(
        h.post(DEVICES, &h.admin(), serial).await.status,
        StatusCode::BAD_REQUEST,
        "a number where a string belongs is still refused"
    );
}

#[tokio::test]
async fn numbers_as_strings_are_refused_by_default() {
    let h = harness().await;
    let mut body = device_body("STR-DEFAULT");
    body["timeIntervalInSeconds"] = json!("30");
    let answer = h.post(DEVICES, &h.admin(), body).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.code(), "invalidRequest");
}

#[tokio::test]
async fn visibility_delay_hides_writes_from_reads_for_a_while() {
    const DELAY: Duration = Duration::from_millis(2500);
    let h = harness_with(
        MockTenant::builder()
            .controls(true)
            .clock(T)
            .visibility_delay(DELAY),
    )
    .await;
    let amy = h.user_id("Amy Masters");
    let id = h.create("LATE-1").await;
    let started = std::time::Instant::now();
    // Not yet visible: GET by id, list, filter, $count.
    let path = format!("{DEVICES}/{id}");
    assert_eq!(h.get(&path, &h.admin()).await.status, StatusCode::NOT_FOUND);
    let list = h.get(DEVICES, &h.admin()).await;
    assert_eq!(list.body["value"].as_array().unwrap().len(), 0);
    let filtered = h
        .get(
            &format!("{DEVICES}?$filter=serialNumber eq 'LATE-1'"),
            &h.admin(),
        )
        .await;
    assert_eq!(filtered.body["value"].as_array().unwrap().len(), 0);
    assert_eq!(
        h.get(&format!("{DEVICES}/$count"), &h.admin()).await.text,
        "0"
    );
    // Writes act on the current state at once: assigning the unseen token works.
    let assign = h.post(ME, &h.amy(), json!({"device": {"id": id}})).await;
    assert_eq!(assign.status, StatusCode::CREATED, "{}", assign.text);
    assert_eq!(h.get(ME, &h.amy()).await.body["value"], json!([]));
    assert!(
        started.elapsed() < DELAY,
        "the reads above ran inside the delay; the machine is too slow for this test"
    );
    tokio::time::sleep(DELAY).await;
    let seen = h.get(&path, &h.admin()).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.body["status"], "assigned");
    assert_eq!(h.get(&format!("{ME}/$count"), &h.amy()).await.text, "1");
    // A change to a visible token: reads see the state before it until the delay has passed.
    let unassign = h.delete(&format!("{ME}/{id}"), &h.amy()).await;
    assert_eq!(unassign.status, StatusCode::NO_CONTENT);
    let changed_at = std::time::Instant::now();
    let before = h.get(&path, &h.admin()).await;
    assert_eq!(before.body["status"], "assigned");
    assert_eq!(before.body["assignedTo"]["id"], amy.as_str());
    assert_eq!(
        h.get(&format!("{ME}/{id}"), &h.amy()).await.status,
        StatusCode::OK
    );
    assert!(changed_at.elapsed() < DELAY);
    tokio::time::sleep(DELAY).await;
    assert_eq!(h.get(&path, &h.admin()).await.body["status"], "available");
    // A delete is seen at once.
    let delete = h.delete(&path, &h.admin()).await;
    assert_eq!(delete.status, StatusCode::NO_CONTENT);
    assert_eq!(h.get(&path, &h.admin()).await.status, StatusCode::NOT_FOUND);
    h.tenant.check_invariants().unwrap();
}

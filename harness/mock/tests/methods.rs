//! Per-user methods over real HTTP: assign, list, get, unassign, activate (replay, wrong code),
//! deactivate, assign-and-activate (by id and by serial), on `/me` and `/users/{id}`. The activation
//! window's edges are in `activation.rs`.

mod common;

use common::*;
use hwoath_otp::Algorithm;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn assign_list_get_unassign_on_me() {
    let h = harness().await;
    let id = h.create("M-1").await;
    let answer = h.post(ME, &h.amy(), json!({"device": {"id": id}})).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    assert_eq!(answer.body["id"], id.as_str());
    assert_eq!(answer.body["createdDateTime"], "2005-03-18T01:58:29Z");
    assert!(answer.headers.contains_key("location"));
    assert_eq!(h.device(&id).await["status"], "assigned");

    let list = h.get(ME, &h.amy()).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body["value"][0]["device"]["serialNumber"], "M-1");
    assert!(
        list.body["@odata.context"]
            .as_str()
            .unwrap()
            .contains("/hardwareOathMethods")
    );

    let one = h.get(&format!("{ME}/{id}"), &h.amy()).await;
    assert_eq!(one.status, StatusCode::OK);
    insta::assert_json_snapshot!("get_method", one.body, {
        ".id" => "[id]",
        ".device.id" => "[id]",
        ".device.assignedTo.id" => "[user id]",
        ".createdDateTime" => "[date]",
        "[\"@odata.context\"]" => "[context]",
    });

    let gone = h.delete(&format!("{ME}/{id}"), &h.amy()).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert_eq!(h.device(&id).await["status"], "available");
    assert_eq!(
        h.get(&format!("{ME}/{id}"), &h.amy()).await.status,
        StatusCode::NOT_FOUND
    );
    let again = h.delete(&format!("{ME}/{id}"), &h.amy()).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    h.tenant.check_invariants().unwrap();
}

#[tokio::test]
async fn assign_errors() {
    let h = harness().await;
    let id = h.create("M-2").await;
    let unknown = h
        .post(
            ME,
            &h.amy(),
            json!({"device": {"id": "00000000-0000-0000-0000-000000000000"}}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(
        h.post(ME, &h.amy(), json!({"device": {"id": id}}))
            .await
            .status,
        StatusCode::CREATED
    );
    let twice = h.post(ME, &h.amy(), json!({"device": {"id": id}})).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let taken = h.assign_to("Helga", &id).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    for body in [
        json!({"id": id}),
        json!({"device": {}}),
        json!({"device": {"id": 5}}),
        json!([]),
    ] {
        let answer = h.post(ME, &h.amy(), body.clone()).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            answer.text
        );
    }
    let raw = h
        .raw(
            h.client
                .post(h.url(ME))
                .bearer_auth(h.amy())
                .header("content-type", "application/json")
                .body(format!("{{\"device\": {{\"id\": \"{id}\"}},}}")),
        )
        .await;
    assert_eq!(
        raw.status,
        StatusCode::BAD_REQUEST,
        "the docs' trailing-comma example is invalid JSON"
    );
    let nobody = h
        .post(
            "/users/nobody@contoso.com/authentication/hardwareOathMethods",
            &h.admin(),
            json!({"device": {"id": id}}),
        )
        .await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_user_holds_at_most_five_methods() {
    let h = harness().await;
    for i in 0..5 {
        h.create_for_amy(&format!("FIVE-{i}")).await;
    }
    let sixth = h.create("FIVE-5").await;
    let answer = h.post(ME, &h.amy(), json!({"device": {"id": sixth}})).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    h.tenant.check_invariants().unwrap();
}

#[tokio::test]
async fn activation_accepts_the_window_and_refuses_replays() {
    let h = harness().await;
    let id = h.create_for_amy("ACT-1").await;
    let activate = format!("{ME}/{id}/activate");
    // One step behind is inside the window.
    let answer = h
        .post(
            &activate,
            &h.amy(),
            json!({"verificationCode": code_at(T - 30), "displayName": "Amy Masters Token"}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text);
    let device = h.device(&id).await;
    assert_eq!(device["status"], "activated");
    assert_eq!(device["displayName"], "Amy Masters Token");
    assert_eq!(device["lastUsedDateTime"], "2005-03-18T01:58:29Z");
    // The same step again is a replay.
    let replay = h
        .post(
            &activate,
            &h.amy(),
            json!({"verificationCode": code_at(T - 30)}),
        )
        .await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        h.device(&id).await["status"],
        "activated",
        "a replay does not undo an activation"
    );
    // A later step is fine; one step past the activation window is not.
    let next = h
        .post(
            &activate,
            &h.amy(),
            json!({"verificationCode": code_at(T + 30)}),
        )
        .await;
    assert_eq!(next.status, StatusCode::NO_CONTENT);
    let far = h
        .post(
            &activate,
            &h.amy(),
            json!({"verificationCode": code_at(T + 2881 * 30)}),
        )
        .await;
    assert_eq!(far.status, StatusCode::BAD_REQUEST);
    let counters = h.tenant.counters();
    assert_eq!((counters.activations, counters.failed_activations), (2, 2));
}

#[tokio::test]
async fn wrong_code_fails_activation_and_a_later_right_code_activates() {
    let h = harness().await;
    let id = h.create_for_amy("ACT-2").await;
    let activate = format!("{ME}/{id}/activate");
    let right = code_at(T);
    let wrong = wrong_code_at(T);
    let answer = h
        .post(&activate, &h.amy(), json!({"verificationCode": wrong}))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.code(), "invalidRequest");
    assert_eq!(h.device(&id).await["status"], "failedActivation");
    let answer = h
        .post(&activate, &h.amy(), json!({"verificationCode": right}))
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert_eq!(h.device(&id).await["status"], "activated");
    // Malformed codes are validation errors and do not count as failed activations.
    for code in [
        json!("12345"),
        json!("1234567"),
        json!("12a456"),
        json!(123456),
        json!(null),
    ] {
        let answer = h
            .post(&activate, &h.amy(), json!({"verificationCode": code}))
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{code}");
    }
    assert_eq!(h.device(&id).await["status"], "activated");
    let deactivate = h
        .post(&format!("{ME}/{id}/deactivate"), &h.amy(), json!({}))
        .await;
    assert_eq!(deactivate.status, StatusCode::NO_CONTENT);
    assert_eq!(h.device(&id).await["status"], "assigned");
    let missing = h
        .post(
            &format!("{ME}/00000000-0000-0000-0000-000000000000/activate"),
            &h.amy(),
            json!({"verificationCode": right}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    h.tenant.check_invariants().unwrap();
}

#[tokio::test]
async fn sixty_second_sha256_tokens_and_rfc_vector_times() {
    let h = harness().await;
    let mut body = device_body("SHA256-1");
    body["hashFunction"] = json!("hmacsha256");
    body["timeIntervalInSeconds"] = json!(60);
    let id = h.post(DEVICES, &h.admin(), body).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let amy = h.user_id("Amy Masters");
    let users = format!("/users/{amy}/authentication/hardwareOathMethods");
    for t in [59, 20_000_000_000] {
        h.set_clock(t).await;
        let code = code_with(SECRET, Algorithm::Sha256, 60, t);
        let answer = h
            .post(
                &format!("{users}/assignAndActivate"),
                &h.admin(),
                json!({"device": {"id": id}, "verificationCode": code}),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::NO_CONTENT,
            "t={t}: {}",
            answer.text
        );
        assert_eq!(
            h.delete(&format!("{users}/{id}"), &h.admin()).await.status,
            StatusCode::NO_CONTENT
        );
    }
}

#[tokio::test]
async fn assign_and_activate_is_atomic() {
    let h = harness().await;
    let id = h.create("AA-1").await;
    let right = code_at(T);
    let wrong = wrong_code_at(T);
    let path = format!("{ME}/assignAndActivate");
    let answer = h
        .post(
            &path,
            &h.amy(),
            json!({"device": {"id": id}, "verificationCode": wrong}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(h.device(&id).await["status"], "available");
    let answer = h.post(&path, &h.amy(), json!({"device": {"id": id}, "verificationCode": right, "displayName": "Amy Masters Token"})).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text);
    let device = h.device(&id).await;
    assert_eq!(
        (device["status"].as_str(), device["displayName"].as_str()),
        (Some("activated"), Some("Amy Masters Token"))
    );
    let missing = h
        .post(
            &path,
            &h.amy(),
            json!({"device": {"id": "nope"}, "verificationCode": right}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    h.tenant.check_invariants().unwrap();
}

#[tokio::test]
async fn assign_and_activate_by_serial_number() {
    let h = harness().await;
    let id = h.create("SERIAL-1").await;
    let path = format!("{ME}/assignAndActivateBySerialNumber");
    let answer = h
        .post(
            &path,
            &h.amy(),
            json!({"serialNumber": "SERIAL-404", "verificationCode": code_at(T)}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let answer = h
        .post(
            &path,
            &h.amy(),
            json!({"serialNumber": "SERIAL-1", "verificationCode": code_at(T)}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text);
    assert_eq!(h.device(&id).await["status"], "activated");
    let helga = format!(
        "/users/{}/authentication/hardwareOathMethods/assignAndActivateBySerialNumber",
        h.user_id("Helga")
    );
    let answer = h
        .post(
            &helga,
            &h.admin(),
            json!({"serialNumber": "SERIAL-1", "verificationCode": code_at(T + 30)}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn users_routes_accept_ids_and_upns() {
    let h = harness().await;
    let id = h.create_for_amy("UPN-1").await;
    let by_upn = h
        .get(
            "/users/AmyM@contoso.com/authentication/hardwareOathMethods",
            &h.admin(),
        )
        .await;
    assert_eq!(by_upn.status, StatusCode::OK, "{}", by_upn.text);
    assert_eq!(by_upn.body["value"][0]["id"], id.as_str());
    let select = h
        .get(
            "/users/AmyM@contoso.com/authentication/hardwareOathMethods?$select=id&$expand=device",
            &h.admin(),
        )
        .await;
    select.assert_first_without_device();
    let filtered = h
        .get(
            &format!("{ME}?$filter=device/serialNumber eq 'nope'"),
            &h.amy(),
        )
        .await;
    assert_eq!(filtered.body["value"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn sdk_shaped_method_bodies_are_accepted() {
    let h = harness().await;
    let id = h.create("SDK-M-1").await;
    let body = json!({
        "@odata.type": "#microsoft.graph.hardwareOathAuthenticationMethod",
        "device": {"@odata.type": "#microsoft.graph.hardwareOathTokenAuthenticationMethodDevice", "id": id}
    });
    let answer = h.post(ME, &h.amy(), body).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let activate = json!({"verificationCode": code_at(T), "displayName": null});
    let answer = h
        .post(&format!("{ME}/{id}/activate"), &h.amy(), activate)
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text);
    assert_eq!(
        h.device(&id).await["displayName"],
        "Token 1",
        "a null displayName changes nothing"
    );
}

#[tokio::test]
async fn every_method_route_takes_a_user_principal_name() {
    let h = harness().await;
    let upn = "/users/amym@CONTOSO.com/authentication/hardwareOathMethods";
    let id = h.create("UPN-ALL-1").await;
    let assign = h.post(upn, &h.admin(), json!({"device": {"id": id}})).await;
    assert_eq!(assign.status, StatusCode::CREATED, "{}", assign.text);
    assert!(
        assign.headers["location"]
            .to_str()
            .unwrap()
            .contains("/users/amym@CONTOSO.com/")
    );
    assert_eq!(
        h.get(&format!("{upn}/{id}"), &h.admin()).await.status,
        StatusCode::OK
    );
    let activate = h
        .post_code(&format!("{upn}/{id}/activate"), &h.admin())
        .await;
    assert_eq!(activate.status, StatusCode::NO_CONTENT, "{}", activate.text);
    let deactivate = h
        .post(&format!("{upn}/{id}/deactivate"), &h.admin(), json!({}))
        .await;
    assert_eq!(deactivate.status, StatusCode::NO_CONTENT);
    let unassign = h.delete(&format!("{upn}/{id}"), &h.admin()).await;
    assert_eq!(unassign.status, StatusCode::NO_CONTENT);
    let by_id = h
        .post(
            &format!("{upn}/assignAndActivate"),
            &h.admin(),
            json!({"device": {"id": id}, "verificationCode": code_at(T + 30)}),
        )
        .await;
    assert_eq!(by_id.status, StatusCode::NO_CONTENT, "{}", by_id.text);
    let other = h.create("UPN-ALL-2").await;
    let by_serial = h
        .post(
            &format!("{upn}/assignAndActivateBySerialNumber"),
            &h.admin(),
            json!({"serialNumber": "UPN-ALL-2", "verificationCode": code_at(T)}),
        )
        .await;
    assert_eq!(
        by_serial.status,
        StatusCode::NO_CONTENT,
        "{}",
        by_serial.text
    );
    let amy = h.user_id("Amy Masters");
    for device in [&id, &other] {
        assert_eq!(h.device(device).await["assignedTo"]["id"], amy.as_str());
    }
}

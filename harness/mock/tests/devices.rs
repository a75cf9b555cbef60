//! The inventory endpoints over real HTTP: create, get, list, update, delete, bulk, `$count`, OData.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn create_returns_the_device_with_a_null_secret_and_context() {
    let h = harness().await;
    let answer = h.post(DEVICES, &h.admin(), device_body("TOTP123456")).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let id = answer.body["id"].as_str().unwrap();
    assert!(
        answer.headers["location"]
            .to_str()
            .unwrap()
            .ends_with(&format!("{DEVICES}/{id}"))
    );
    assert!(
        answer.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert!(answer.headers.contains_key("request-id"));
    assert!(!answer.text.contains(SECRET));
    insta::assert_json_snapshot!("create_device", answer.body, {
        ".id" => "[id]",
        "[\"@odata.context\"]" => "[context]",
    });
    let fetched = h.device(id).await;
    assert_eq!(fetched["secretKey"], Value::Null);
    assert_eq!(fetched["status"], "available");
    assert!(
        fetched["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("hardwareOathDevices/$entity")
    );
    h.tenant.check_invariants().unwrap();
}

#[tokio::test]
async fn create_with_assign_to_assigns_at_once() {
    let h = harness().await;
    let amy = h.user_id("Amy Masters");
    let mut body = device_body("A-1");
    body["assignTo"] = json!({"@odata.type": "#microsoft.graph.user", "id": amy});
    body["@odata.type"] = json!("#microsoft.graph.hardwareOathTokenAuthenticationMethodDevice");
    let answer = h.post(DEVICES, &h.admin(), body).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    assert_eq!(answer.body["status"], "assigned");
    assert_eq!(
        answer.body["assignedTo"],
        json!({"id": amy, "displayName": "Amy Masters"})
    );
    let methods = h.get(ME, &h.amy()).await;
    assert_eq!(methods.body["value"].as_array().unwrap().len(), 1);
    h.tenant.check_invariants().unwrap();
}

#[tokio::test]
async fn sdk_bodies_with_annotations_and_explicit_nulls_are_accepted() {
    let h = harness().await;
    let body = json!({
        "@odata.type": "#microsoft.graph.hardwareOathTokenAuthenticationMethodDevice",
        "displayName": null,
        "serialNumber": "SDK-1",
        "manufacturer": "Contoso",
        "model": "M",
        "secretKey": SECRET.to_lowercase(),
        "timeIntervalInSeconds": 60,
        "hashFunction": null,
        "assignTo": null
    });
    let answer = h.post(DEVICES, &h.admin(), body).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    assert_eq!(answer.body["hashFunction"], "hmacsha1");
    assert_eq!(answer.body["timeIntervalInSeconds"], 60);
}

#[tokio::test]
async fn invalid_create_bodies_answer_400_with_the_envelope() {
    let h = harness().await;
    let cases: Vec<(&str, Value)> = vec![
        ("unknown property", json!({"colour": "red"})),
        ("interval as string", json!({"timeIntervalInSeconds": "30"})),
        ("interval 45", json!({"timeIntervalInSeconds": 45})),
        ("interval huge", json!({"timeIntervalInSeconds": 1e300})),
        (
            "interval beyond i64",
            json!({"timeIntervalInSeconds": 99999999999999999999999u128.to_string().parse::<f64>().unwrap()}),
        ),
        ("hash unknown", json!({"hashFunction": "md5"})),
        (
            "hash sentinel",
            json!({"hashFunction": "unknownFutureValue"}),
        ),
        (
            "secret not base32",
            json!({"secretKey": "01890189018901890189"}),
        ),
        ("secret short", json!({"secretKey": "JBSWY3DPEHPK3PX"})),
        ("secret long", json!({"secretKey": "A".repeat(136)})),
        ("serial null", json!({"serialNumber": null})),
        ("serial empty", json!({"serialNumber": ""})),
        ("model number", json!({"model": 5})),
        (
            "assignTo unknown property",
            json!({"assignTo": {"id": "x", "upn": "y"}}),
        ),
        (
            "foreign odata type",
            json!({"@odata.type": "#microsoft.graph.user"}),
        ),
    ];
    for (label, patch) in cases {
        let mut body = device_body("BAD-1");
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let answer = h.post(DEVICES, &h.admin(), body).await;
        answer.assert_invalid_request(label);
        assert!(
            answer.body["error"]["innerError"]["request-id"].is_string(),
            "{label}"
        );
        assert!(!answer.text.contains(SECRET), "{label}");
    }
    for missing in [
        "serialNumber",
        "manufacturer",
        "model",
        "secretKey",
        "timeIntervalInSeconds",
    ] {
        let mut body = device_body("BAD-2");
        body.as_object_mut().unwrap().remove(missing);
        let answer = h.post(DEVICES, &h.admin(), body).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{missing}");
        assert!(
            answer.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(missing),
            "{}",
            answer.text
        );
    }
    assert!(h.tenant.devices().is_empty());
}

#[tokio::test]
async fn assign_to_unknown_user_is_404_and_to_a_full_user_is_400() {
    let h = harness().await;
    let mut body = device_body("U-1");
    body["assignTo"] = json!({"id": "00000000-0000-0000-0000-000000000000"});
    let answer = h.post(DEVICES, &h.admin(), body).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.text);
    assert_eq!(answer.code(), "Request_ResourceNotFound");
    let amy = h.user_id("Amy Masters");
    for i in 0..5 {
        let mut body = device_body(&format!("FULL-{i}"));
        body["assignTo"] = json!({"id": amy});
        assert_eq!(
            h.post(DEVICES, &h.admin(), body).await.status,
            StatusCode::CREATED
        );
    }
    let mut body = device_body("FULL-6");
    body["assignTo"] = json!({"id": amy});
    let answer = h.post(DEVICES, &h.admin(), body).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    h.tenant.check_invariants().unwrap();
}

#[tokio::test]
async fn duplicate_serial_is_409_conflict() {
    let h = harness().await;
    h.create("DUP-1").await;
    let answer = h.post(DEVICES, &h.admin(), device_body("DUP-1")).await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert_eq!(answer.code(), "conflict");
}

#[tokio::test]
async fn get_unknown_and_odd_ids_is_404() {
    let h = harness().await;
    for id in [
        "00000000-0000-0000-0000-000000000000",
        "not-a-guid",
        "%E2%82%AC",
        "a'b",
    ] {
        let answer = h.get(&format!("{DEVICES}/{id}"), &h.admin()).await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{id}: {}",
            answer.text
        );
        assert_eq!(answer.code(), "Request_ResourceNotFound");
    }
    let answer = h.get(&format!("{DEVICES}/%FF%FE"), &h.admin()).await;
    assert!(answer.status.is_client_error(), "{}", answer.status);
}

#[tokio::test]
async fn update_changes_only_mutable_properties_of_unassigned_tokens() {
    let h = harness().await;
    let id = h.create("UPD-1").await;
    let path = format!("{DEVICES}/{id}");
    let answer = h
        .call(Method::PATCH, &path, Some(&h.admin()), Some(json!({"model": "M2", "timeIntervalInSeconds": 60, "hashFunction": "hmacsha256", "displayName": "Renamed"})))
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text);
    let device = h.device(&id).await;
    assert_eq!(
        (
            device["model"].as_str(),
            device["timeIntervalInSeconds"].as_i64()
        ),
        (Some("M2"), Some(60))
    );
    assert_eq!(device["hashFunction"], "hmacsha256");
    assert_eq!(device["displayName"], "Renamed");
    for body in [
        json!({"serialNumber": "X"}),
        json!({"secretKey": SECRET}),
        json!({"timeIntervalInSeconds": 31}),
        json!({"status": "activated"}),
    ] {
        let answer = h
            .call(Method::PATCH, &path, Some(&h.admin()), Some(body.clone()))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            answer.text
        );
    }
    let assigned = h.create_for_amy("UPD-2").await;
    let answer = h
        .call(
            Method::PATCH,
            &format!("{DEVICES}/{assigned}"),
            Some(&h.admin()),
            Some(json!({"model": "M3"})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CONFLICT, "{}", answer.text);
    let answer = h
        .call(
            Method::PATCH,
            &format!("{DEVICES}/00000000-0000-0000-0000-000000000000"),
            Some(&h.admin()),
            Some(json!({"model": "M3"})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn delete_removes_unassigned_tokens_only() {
    let h = harness().await;
    let id = h.create("DEL-1").await;
    let assigned = h.create_for_amy("DEL-2").await;
    let answer = h.delete(&format!("{DEVICES}/{assigned}"), &h.admin()).await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    let answer = h.delete(&format!("{DEVICES}/{id}"), &h.admin()).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert_eq!(
        h.get(&format!("{DEVICES}/{id}"), &h.admin()).await.status,
        StatusCode::NOT_FOUND
    );
    let again = h.delete(&format!("{DEVICES}/{id}"), &h.admin()).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    h.tenant.check_invariants().unwrap();
}

#[tokio::test]
async fn bulk_create_reports_one_outcome_per_item() {
    let h = harness().await;
    h.create("BULK-0").await;
    let mut bad = device_body("BULK-2");
    bad["timeIntervalInSeconds"] = json!("30");
    let mut first = device_body("BULK-1");
    first["@contentId"] = json!("1");
    bad["@contentId"] = json!("2");
    let mut dup = device_body("BULK-0");
    dup["@contentId"] = json!("3");
    let body = json!({"@context": "#$delta", "value": [first, bad, dup]});
    let answer = h
        .call(Method::PATCH, DEVICES, Some(&h.admin()), Some(body))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let value = answer.body["value"].as_array().unwrap();
    assert_eq!(value.len(), 3);
    assert_eq!(value[0]["@contentId"], "1");
    assert_eq!(value[0]["status"], "available");
    assert_eq!(
        value[1]["@Core.DataModificationException"]["responseCode"],
        400
    );
    assert_eq!(
        value[2]["@Core.DataModificationException"]["responseCode"],
        409
    );
    assert_eq!(h.tenant.devices().len(), 2);
    insta::assert_json_snapshot!("bulk_create", answer.body, {
        "[\"@odata.context\"]" => "[context]",
        ".value[].id" => "[id]",
    });
    let wrong_context = json!({"@context": "#delta", "value": []});
    let answer = h
        .call(
            Method::PATCH,
            DEVICES,
            Some(&h.admin()),
            Some(wrong_context),
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let not_array = json!({"@context": "#$delta", "value": {}});
    let answer = h
        .call(Method::PATCH, DEVICES, Some(&h.admin()), Some(not_array))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn paging_follows_next_links_to_the_end() {
    let h = harness().await;
    for i in 0..7 {
        h.create(&format!("PAGE-{i}")).await;
    }
    let mut next = Some(format!("{DEVICES}?$top=3&$count=true"));
    let mut serials = Vec::new();
    let mut pages = 0;
    while let Some(link) = next {
        let answer = h.get(&link, &h.admin()).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        assert_eq!(answer.body["@odata.count"], 7);
        assert!(answer.body["@odata.context"].is_string());
        for item in answer.body["value"].as_array().unwrap() {
            serials.push(item["serialNumber"].as_str().unwrap().to_owned());
        }
        next = answer.body["@odata.nextLink"].as_str().map(str::to_owned);
        if let Some(link) = &next {
            assert!(link.starts_with(&h.tenant.base_url()), "{link}");
        }
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(
        serials,
        (0..7).map(|i| format!("PAGE-{i}")).collect::<Vec<_>>()
    );
}

/// A next link resumes after the last token shown, so tokens deleted or created while a client pages
/// neither shift later tokens out of the listing nor show one twice.
#[tokio::test]
async fn paging_resumes_after_the_last_token_shown_whatever_changed_before_it() {
    let h = harness().await;
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(h.create(&format!("KEY-{i}")).await);
    }
    let first = h.get(&format!("{DEVICES}?$top=2"), &h.admin()).await;
    let shown = first.listed("serialNumber");
    assert_eq!(shown, ["KEY-0", "KEY-1"]);
    for id in &ids[..2] {
        let deleted = h.delete(&format!("{DEVICES}/{id}"), &h.admin()).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    }
    h.create("KEY-6").await;
    let mut next = first.body["@odata.nextLink"].as_str().map(str::to_owned);
    let mut rest = Vec::new();
    while let Some(link) = next {
        let answer = h.get(&link, &h.admin()).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        for item in answer.body["value"].as_array().unwrap() {
            rest.push(item["serialNumber"].as_str().unwrap().to_owned());
        }
        next = answer.body["@odata.nextLink"].as_str().map(str::to_owned);
    }
    assert_eq!(rest, ["KEY-2", "KEY-3", "KEY-4", "KEY-5", "KEY-6"]);
}

/// The filters an index answers (`id`, `serialNumber`, `assignedTo/id`) give what a scan would:
/// any letter case, combined with other clauses, paged and counted.
#[tokio::test]
async fn indexed_filters_answer_as_a_scan_would() {
    let h = harness().await;
    let amy = h.user_id("Amy Masters");
    let mine = [
        h.create_for_amy("IDX-A").await,
        h.create_for_amy("IDX-B").await,
    ];
    let loose = h.create("idx-c").await;
    let listed = |query: String| {
        let h = &h;
        async move {
            let answer = h.get(&format!("{DEVICES}?{query}"), &h.admin()).await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
            (
                answer.body["value"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d["id"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>(),
                answer.body["@odata.count"].clone(),
                answer.body["@odata.nextLink"].as_str().map(str::to_owned),
            )
        }
    };
    let (ids, count, next) = listed(format!(
        "$filter=assignedTo/id eq '{}'&$count=true&$top=1",
        amy.to_uppercase()
    ))
    .await;
    assert_eq!((ids, count), (vec![mine[0].clone()], json!(2)));
    let next = next.expect("a second page");
    let second = h.get(&next, &h.admin()).await;
    assert_eq!(second.body["value"][0]["id"], mine[1].as_str());
    assert!(second.body["@odata.nextLink"].is_null());
    let (ids, _, _) = listed("$filter=serialNumber eq 'IDX-C'".into()).await;
    assert_eq!(
        ids,
        std::slice::from_ref(&loose),
        "serials match in any letter case"
    );
    let (ids, _, _) = listed(format!(
        "$filter=id eq '{}' and status eq 'assigned'",
        mine[1].to_uppercase()
    ))
    .await;
    assert_eq!(ids, [mine[1].clone()]);
    let (ids, count, _) = listed(format!(
        "$filter=id eq '{loose}' and status eq 'assigned'&$count=true"
    ))
    .await;
    assert_eq!((ids.len(), count), (0, json!(0)));
    let count = h
        .get(
            &format!("{DEVICES}/$count?$filter=assignedTo/id eq '{amy}'"),
            &h.admin(),
        )
        .await;
    assert_eq!(count.text, "2");
}

#[tokio::test]
async fn filter_select_and_count() {
    let h = harness().await;
    h.create("F-1").await;
    h.create("F-2").await;
    let assigned = h.create_for_amy("F-3").await;
    let amy = h.user_id("Amy Masters");
    let list = |q: String| {
        let h = &h;
        async move { h.get(&format!("{DEVICES}?{q}"), &h.admin()).await }
    };
    let answer = list("$filter=serialNumber eq 'F-2'".into()).await;
    assert_eq!(answer.body["value"].as_array().unwrap().len(), 1);
    let answer = list("$filter=status eq 'assigned' and timeIntervalInSeconds eq 30".into()).await;
    assert_eq!(answer.body["value"][0]["id"], assigned.as_str());
    let answer = list(format!("$filter=assignedTo/id eq '{amy}'")).await;
    assert_eq!(answer.body["value"].as_array().unwrap().len(), 1);
    let answer = list("$select=serialNumber,status&$filter=manufacturer eq 'Contoso'".into()).await;
    let first = answer.body["value"][0].as_object().unwrap();
    assert!(first.contains_key("serialNumber") && first.contains_key("status"));
    assert!(!first.contains_key("model"));
    assert!(
        answer.body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("(serialNumber,status)")
    );
    let count = h.get(&format!("{DEVICES}/$count"), &h.admin()).await;
    assert_eq!(count.status, StatusCode::OK);
    assert_eq!(count.text, "3");
    let count = h
        .get(
            &format!("{DEVICES}/$count?$filter=status eq 'available'"),
            &h.admin(),
        )
        .await;
    assert_eq!(count.text, "2");
    for bad in [
        "$orderby=serialNumber",
        "$filter=secretKey eq 'x'",
        "$filter=model gt 'x'",
        "$top=abc",
        "$select=nope",
        "$skiptoken=zzz",
        "$search=x",
        "$expand=assignedTo",
    ] {
        let answer = list(bad.into()).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            answer.text
        );
        assert_eq!(answer.code(), "invalidRequest");
    }
}

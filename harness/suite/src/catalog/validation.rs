//! Group `validation`: one case per field rule of create, update and activate bodies, plus the bodies
//! clients really send (SDK annotations and explicit nulls) and malformed requests.

use reqwest::Method;
use serde_json::{Value, json};

use crate::case::{Abort, Case, CaseRun, Group, Script, script};
use crate::client::Request;
use crate::endpoints::Op;
use crate::rules::{self, Rule};
use crate::steps::{self, Token};
use crate::wording;

/// A change to a valid body.
#[derive(Debug, Clone)]
enum Edit {
    /// Drop the property.
    Remove(&'static str),
    /// Set the property to a value.
    Set(&'static str, Value),
}

fn apply(body: &mut Value, edits: &[Edit]) {
    if let Value::Object(map) = body {
        for edit in edits {
            match edit {
                Edit::Remove(name) => {
                    map.remove(*name);
                }
                Edit::Set(name, value) => {
                    map.insert((*name).to_owned(), value.clone());
                }
            }
        }
    }
}

/// A case of the group.
fn case(name: &str, title: &str, rule: Rule, script: Script) -> Case {
    Case::new(Group::Validation, name, title, rule, script)
}

/// A create with `edits` applied to a valid body answers one of `expected`.
fn create_case(
    name: &str,
    title: &str,
    rule: Rule,
    edits: Vec<Edit>,
    expected: &'static [u16],
) -> Case {
    let body = script(move |run: &mut CaseRun| {
        Box::pin(create_edited(run, rule, edits.clone(), expected))
    });
    case(name, title, rule, body).writes()
}

async fn create_edited(
    run: &mut CaseRun,
    rule: Rule,
    edits: Vec<Edit>,
    expected: &'static [u16],
) -> Result<(), Abort> {
    let mut body = Token::random().create_body(run);
    apply(&mut body, &edits);
    if let Some(secret) = body["secretKey"].as_str() {
        run.remember_secret(secret);
    }
    let exchange = steps::send_create(run, "create device", body).await?;
    run.expect_status(&exchange, expected, rule);
    if expected == [400] {
        run.expect_error_code(&exchange, "invalidRequest");
    }
    Ok(())
}

/// A create whose body is sent as raw bytes with a given content type.
fn raw_create_case(
    name: &str,
    title: &str,
    content_type: Option<&'static str>,
    body: fn(&Value) -> Vec<u8>,
    expected: &'static [u16],
) -> Case {
    let script =
        script(move |run: &mut CaseRun| Box::pin(create_raw(run, content_type, body, expected)));
    case(name, title, rules::MALFORMED_BODY, script).writes()
}

async fn create_raw(
    run: &mut CaseRun,
    content_type: Option<&'static str>,
    body: fn(&Value) -> Vec<u8>,
    expected: &'static [u16],
) -> Result<(), Abort> {
    let valid = Token::random().create_body(run);
    let token = run.admin().await?;
    let url = run.ctx().target.urls().devices();
    let request = Request::new("create device", Method::POST, url)
        .bearer(Some(&token))
        .raw(content_type, body(&valid));
    let exchange = run.send(Op::CreateDevice, request).await?;
    if exchange.is_success() {
        run.created(&exchange);
    }
    run.expect_status(&exchange, expected, rules::MALFORMED_BODY);
    Ok(())
}

fn required_and_types() -> Vec<Case> {
    let mut cases = Vec::new();
    for field in [
        "serialNumber",
        "manufacturer",
        "model",
        "secretKey",
        "timeIntervalInSeconds",
    ] {
        cases.push(create_case(
            &format!("create-missing-{field}"),
            &format!("create without the required {field} -> 400"),
            rules::CREATE_REQUIRED,
            vec![Edit::Remove(field)],
            &[400],
        ));
    }
    let wrong_types: [(&str, Value); 7] = [
        ("serialNumber", json!(123456)),
        ("manufacturer", json!(true)),
        ("model", json!(["Hardware Token 1000"])),
        ("secretKey", json!(42)),
        ("timeIntervalInSeconds", json!("30")),
        ("hashFunction", json!(1)),
        ("displayName", json!({"text": "x"})),
    ];
    for (field, value) in wrong_types {
        cases.push(create_case(
            &format!("create-wrong-type-{field}"),
            &format!("create with {field} = {value} (wrong JSON type) -> 400"),
            rules::WRONG_TYPE,
            vec![Edit::Set(field, value)],
            &[400],
        ));
    }
    for field in [
        "serialNumber",
        "manufacturer",
        "model",
        "timeIntervalInSeconds",
    ] {
        cases.push(create_case(
            &format!("create-null-{field}"),
            &format!("create with {field} = null (not nullable) -> 400"),
            rules::WRONG_TYPE,
            vec![Edit::Set(field, Value::Null)],
            &[400],
        ));
    }
    cases.push(create_case(
        "create-null-secretKey",
        "create with secretKey = null (required on create) -> 400",
        rules::CREATE_REQUIRED,
        vec![Edit::Set("secretKey", Value::Null)],
        &[400],
    ));
    for field in ["serialNumber", "manufacturer", "model"] {
        cases.push(create_case(
            &format!("create-empty-{field}"),
            &format!("create with {field} = \"\" -> 400"),
            rules::WRONG_TYPE,
            vec![Edit::Set(field, json!(""))],
            &[400],
        ));
    }
    cases
}

fn ranges_and_enums() -> Vec<Case> {
    let mut cases = Vec::new();
    for interval in [45i64, 0, -30, 3600] {
        cases.push(create_case(
            &format!("create-interval-{interval}"),
            &format!("create with timeIntervalInSeconds = {interval} -> 400 (30 or 60 only)"),
            rules::INTERVAL,
            vec![Edit::Set("timeIntervalInSeconds", json!(interval))],
            &[400],
        ));
    }
    cases.push(create_case(
        "create-interval-60",
        "create with timeIntervalInSeconds = 60 -> 201",
        rules::INTERVAL,
        vec![Edit::Set("timeIntervalInSeconds", json!(60))],
        &[201],
    ));
    for hash in ["md5", "hmacsha512", "unknownFutureValue"] {
        cases.push(create_case(
            &format!("create-hash-{}", hash.to_lowercase()),
            &format!(
                "create with hashFunction = {} -> 400",
                wording::quoted(hash)
            ),
            rules::HASH_FUNCTION,
            vec![Edit::Set("hashFunction", json!(hash))],
            &[400],
        ));
    }
    cases.push(create_case(
        "create-hash-hmacsha256",
        "create with hashFunction = \"hmacsha256\" -> 201",
        rules::HASH_FUNCTION,
        vec![Edit::Set("hashFunction", json!("hmacsha256"))],
        &[201],
    ));
    cases.push(create_case(
        "create-hash-absent",
        "create without hashFunction (defaults to hmacsha1) -> 201",
        rules::HASH_FUNCTION,
        vec![Edit::Remove("hashFunction")],
        &[201],
    ));
    cases
}

fn secrets() -> Vec<Case> {
    let base32 = |n: usize| "GEZDGNBVGY3TQOJQ".repeat(n / 16 + 1)[..n].to_owned();
    let cases_table: [(&str, &str, Value, &'static [u16]); 9] = [
        (
            "non-base32",
            "secretKey with '1', '8', '0' -> 400",
            json!("GEZDGNBVGY3TQOJ1801"),
            &[400],
        ),
        (
            "with-spaces",
            "secretKey with spaces -> 400",
            json!("GEZD GNBV GY3T QOJQ"),
            &[400],
        ),
        (
            "too-long",
            "secretKey of 129 characters -> 400",
            json!(base32(129)),
            &[400],
        ),
        (
            "too-short",
            "secretKey of 15 characters -> 400",
            json!(base32(15)),
            &[400],
        ),
        (
            "longest",
            "secretKey of 128 characters -> 201",
            json!(base32(128)),
            &[201],
        ),
        (
            "shortest",
            "secretKey of 16 characters -> 201",
            json!(base32(16)),
            &[201],
        ),
        (
            "lower-case",
            "lower-case secretKey -> 201",
            json!(base32(32).to_lowercase()),
            &[201],
        ),
        (
            "padded",
            "secretKey with '=' padding -> 201",
            json!("GEZDGNBVGY3TQOJQGE======"),
            &[201],
        ),
        ("empty", "secretKey = \"\" -> 400", json!(""), &[400]),
    ];
    cases_table
        .into_iter()
        .map(|(name, title, value, expected)| {
            create_case(
                &format!("create-secret-{name}"),
                &format!("create with {title}"),
                rules::SECRET_FORMAT,
                vec![Edit::Set("secretKey", value)],
                expected,
            )
        })
        .collect()
}

fn client_bodies() -> Vec<Case> {
    vec![
        create_case(
            "create-unknown-property",
            "create with a property not on the type -> 400",
            rules::UNKNOWN_PROPERTY,
            vec![Edit::Set("colour", json!("blue"))],
            &[400],
        ),
        create_case(
            "create-sdk-odata-type",
            "create with the SDK's @odata.type annotation -> 201",
            rules::SDK_BODIES,
            vec![Edit::Set(
                "@odata.type",
                json!("#microsoft.graph.hardwareOathTokenAuthenticationMethodDevice"),
            )],
            &[201],
        ),
        create_case(
            "create-sdk-explicit-nulls",
            "create with explicit nulls for unset optional properties -> 201",
            rules::SDK_BODIES,
            vec![
                Edit::Set("displayName", Value::Null),
                Edit::Set("hashFunction", Value::Null),
                Edit::Set("assignTo", Value::Null),
            ],
            &[201],
        ),
        raw_create_case(
            "create-malformed-json",
            "create with a truncated JSON body -> 400",
            Some("application/json"),
            |valid| {
                let text = valid.to_string();
                text.as_bytes()[..text.len() / 2].to_vec()
            },
            &[400],
        ),
        raw_create_case(
            "create-trailing-comma",
            "create with a trailing comma in the JSON -> 400",
            Some("application/json"),
            |valid| {
                let text = valid.to_string();
                format!("{},}}", &text[..text.len() - 1]).into_bytes()
            },
            &[400],
        ),
        raw_create_case(
            "create-empty-body",
            "create with an empty body -> 400",
            Some("application/json"),
            |_| Vec::new(),
            &[400],
        ),
        raw_create_case(
            "create-json-array",
            "create with a JSON array instead of an object -> 400",
            Some("application/json"),
            |valid| format!("[{valid}]").into_bytes(),
            &[400],
        ),
        raw_create_case(
            "create-oversized-body",
            "create with a body over 1 MiB -> 413",
            Some("application/json"),
            |valid| {
                let mut body = valid.clone();
                body["displayName"] = json!("x".repeat(1024 * 1024 + 16));
                body.to_string().into_bytes()
            },
            &[413],
        ),
        raw_create_case(
            "create-no-content-type",
            "create with a JSON body but no Content-Type -> 415",
            None,
            |valid| valid.to_string().into_bytes(),
            &[415],
        ),
        raw_create_case(
            "create-text-plain",
            "create with Content-Type text/plain -> 415",
            Some("text/plain"),
            |valid| valid.to_string().into_bytes(),
            &[415],
        ),
    ]
}

fn conflicts() -> Vec<Case> {
    vec![
        case(
            "create-duplicate-serial",
            "a second create with the same serialNumber -> 409",
            rules::DUPLICATE_SERIAL,
            script(|run: &mut CaseRun| {
                Box::pin(async move {
                    let body = Token::random().create_body(run);
                    steps::create(run, body.clone()).await?;
                    let mut again = Token::random().create_body(run);
                    again["serialNumber"] = body["serialNumber"].clone();
                    let exchange = steps::send_create(run, "create the same serial", again).await?;
                    run.expect_status(&exchange, &[409], rules::DUPLICATE_SERIAL);
                    run.expect_error_code(&exchange, "conflict");
                    Ok(())
                })
            }),
        )
        .writes(),
        case(
            "create-assign-to-unknown-user",
            "create with assignTo naming no user -> 404 (or 400)",
            rules::UNKNOWN_USER,
            script(|run: &mut CaseRun| {
                Box::pin(async move {
                    let mut body = Token::random().create_body(run);
                    body["assignTo"] = json!({"id": uuid::Uuid::new_v4().to_string()});
                    let exchange =
                        steps::send_create(run, "create assigned to nobody", body).await?;
                    run.expect_status(&exchange, &[404, 400], rules::UNKNOWN_USER);
                    Ok(())
                })
            }),
        )
        .writes(),
    ]
}

/// A PATCH of a fresh device with `patch` answers one of `expected`.
fn update_case(
    name: &str,
    title: &str,
    rule: Rule,
    patch: Value,
    expected: &'static [u16],
) -> Case {
    let script =
        script(move |run: &mut CaseRun| Box::pin(update(run, rule, patch.clone(), expected)));
    case(name, title, rule, script).writes()
}

async fn update(
    run: &mut CaseRun,
    rule: Rule,
    patch: Value,
    expected: &'static [u16],
) -> Result<(), Abort> {
    let device = steps::create_token(run, &Token::random()).await?;
    let url = run.ctx().target.urls().device(&device);
    let exchange = steps::admin_send(
        run,
        Op::UpdateDevice,
        Request::new("update device", Method::PATCH, url).json(patch.clone()),
    )
    .await?;
    run.expect_status(&exchange, expected, rule);
    if exchange.status == Some(204) {
        let url = run.ctx().target.urls().device(&device);
        let after = steps::admin_send(
            run,
            Op::GetDevice,
            Request::new("get device", Method::GET, url),
        )
        .await?;
        let body = after.json().unwrap_or_default();
        if let Value::Object(changes) = &patch {
            for (name, value) in changes {
                run.expect(body.get(name) == Some(value), rules::UPDATE, || {
                    format!(
                        "after the update {name} is {}, expected {value}",
                        body[name]
                    )
                });
            }
        }
    }
    Ok(())
}

fn updates() -> Vec<Case> {
    vec![
        update_case(
            "update-mutable-properties",
            "update of manufacturer, model, displayName, interval and hash -> 204, and GET shows them",
            rules::UPDATE,
            json!({"manufacturer": "Fabrikam", "model": "Key 2", "displayName": "renamed",
                   "timeIntervalInSeconds": 60, "hashFunction": "hmacsha256"}),
            &[204],
        ),
        update_case(
            "update-serial-number",
            "update of serialNumber -> 400 (immutable)",
            rules::UPDATE_IMMUTABLE,
            json!({"serialNumber": "changed-serial"}),
            &[400],
        ),
        update_case(
            "update-secret-key",
            "update of secretKey -> 400 (immutable)",
            rules::UPDATE_IMMUTABLE,
            json!({"secretKey": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"}),
            &[400],
        ),
        update_case(
            "update-unknown-property",
            "update with a property not on the type -> 400",
            rules::UNKNOWN_PROPERTY,
            json!({"colour": "blue"}),
            &[400],
        ),
        update_case(
            "update-interval-45",
            "update of timeIntervalInSeconds to 45 -> 400",
            rules::INTERVAL,
            json!({"timeIntervalInSeconds": 45}),
            &[400],
        ),
    ]
}

/// An activation of a fresh assigned token with `code` answers 400.
fn activate_case(name: &str, title: &str, code: Value) -> Case {
    let script = script(move |run: &mut CaseRun| Box::pin(activate_with(run, code.clone())));
    case(name, title, rules::CODE_FORMAT, script).with_user()
}

async fn activate_with(run: &mut CaseRun, code: Value) -> Result<(), Abort> {
    let user = run.user().await?;
    let device = steps::create_token(run, &Token::random()).await?;
    steps::assign(run, &user, &device).await?;
    let exchange = steps::send_activate(run, &user, &device, code).await?;
    run.expect_status(&exchange, &[400], rules::CODE_FORMAT);
    Ok(())
}

fn activations() -> Vec<Case> {
    let mut cases = vec![
        activate_case(
            "activate-code-five-digits",
            "activation with a five-digit code -> 400",
            json!("12345"),
        ),
        activate_case(
            "activate-code-seven-digits",
            "activation with a seven-digit code -> 400",
            json!("1234567"),
        ),
        activate_case(
            "activate-code-letters",
            "activation with a non-digit code -> 400",
            json!("12a456"),
        ),
        activate_case(
            "activate-code-number",
            "activation with the code as a JSON number -> 400",
            json!(123456),
        ),
        activate_case(
            "activate-code-null",
            "activation with verificationCode null -> 400",
            Value::Null,
        ),
    ];
    cases.push(
        case(
            "activate-code-leading-zero",
            "a right code with a leading 0 is accepted (204)",
            rules::CODE_FORMAT,
            script(|run: &mut CaseRun| {
                Box::pin(async move {
                    let user = run.user().await?;
                    let now = run.target_now().await?;
                    // One secret in ten gives a code starting with 0 at a given step.
                    let token = (0..2000)
                        .map(|_| Token::random())
                        .find(|t| {
                            let step = t.step_at(now);
                            (step..=step + 1).all(|s| t.code_at_step(s).starts_with('0'))
                        })
                        .ok_or_else(|| {
                            Abort::Error("no secret with a leading-zero code found".to_owned())
                        })?;
                    let device = steps::create_token(run, &token).await?;
                    steps::assign(run, &user, &device).await?;
                    let step = token.step_at(run.target_now().await?);
                    let code = token.code_at_step(step);
                    let exchange =
                        steps::send_activate(run, &user, &device, Value::String(code)).await?;
                    run.expect_status(&exchange, &[204], rules::CODE_FORMAT);
                    Ok(())
                })
            }),
        )
        .with_user(),
    );
    cases
}

/// The `validation` group.
pub fn cases() -> Vec<Case> {
    let mut cases = required_and_types();
    cases.extend(ranges_and_enums());
    cases.extend(secrets());
    cases.extend(client_bodies());
    cases.extend(conflicts());
    cases.extend(updates());
    cases.extend(activations());
    cases
}

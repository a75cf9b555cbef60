//! Group `lifecycle`: available -> assigned -> activated -> deactivated -> unassigned -> deleted, the
//! combined operations, and every illegal transition.

use reqwest::Method;
use serde_json::{Value, json};

use crate::case::{Abort, Case, CaseRun, Group, Script, script};
use crate::client::Request;
use crate::endpoints::{Op, Owner};
use crate::rules::{self, Rule};
use crate::steps::{self, Token};
use crate::target::Principal;
use crate::wording;

fn case(name: &str, title: &str, rule: Rule, body: Script) -> Case {
    Case::new(Group::Lifecycle, name, title, rule, body).with_user()
}

async fn user_send(
    run: &mut CaseRun,
    op: Op,
    step: &str,
    method: Method,
    url: String,
    body: Option<Value>,
) -> Result<crate::client::Exchange, Abort> {
    let request = Request::new(step, method, url);
    let request = match body {
        Some(body) => request.json(body),
        None => request,
    };
    steps::admin_send(run, op, request).await
}

/// Walks one token through its whole life, checking the status after every step.
async fn full_lifecycle(run: &mut CaseRun) -> Result<(), Abort> {
    let user = run.user().await?;
    let owner = Owner::User(user.clone());
    let token = Token::random();
    let device = steps::create_token(run, &token).await?;
    steps::expect_device_status(run, &device, "available", rules::CREATE_CREATED).await?;

    steps::assign(run, &user, &device).await?;
    steps::expect_device_status(run, &device, "assigned", rules::ASSIGN).await?;
    let urls = run.ctx().target.urls().clone();
    let get = user_send(
        run,
        Op::GetMethod,
        "get method",
        Method::GET,
        urls.method(&owner, &device),
        None,
    )
    .await?;
    run.expect_status(&get, &[200], rules::ASSIGN);
    let listed = user_send(
        run,
        Op::ListMethods,
        "list methods",
        Method::GET,
        urls.methods(&owner),
        None,
    )
    .await?;
    let ids = steps::listed_ids(&listed);
    run.expect(ids.contains(&device), rules::ASSIGN, || {
        format!("the user's methods ({}) lack {device}", wording::list(&ids))
    });

    let step = steps::current_step(run, &token).await?;
    let activate =
        steps::send_activate(run, &user, &device, Value::String(token.code_at_step(step))).await?;
    run.require_status(&activate, &[204], rules::ACTIVATE)?;
    steps::expect_device_status(run, &device, "activated", rules::ACTIVATE).await?;

    let deactivate = user_send(
        run,
        Op::Deactivate,
        "deactivate",
        Method::POST,
        urls.method_action(&owner, &device, "deactivate"),
        None,
    )
    .await?;
    run.expect_status(&deactivate, &[204], rules::DEACTIVATE);
    steps::expect_device_status(run, &device, "assigned", rules::DEACTIVATE).await?;

    let unassign = user_send(
        run,
        Op::Unassign,
        "unassign",
        Method::DELETE,
        urls.method(&owner, &device),
        None,
    )
    .await?;
    run.require_status(&unassign, &[204], rules::UNASSIGN)?;
    steps::expect_device_status(run, &device, "available", rules::UNASSIGN).await?;
    let gone = user_send(
        run,
        Op::GetMethod,
        "get unassigned method",
        Method::GET,
        urls.method(&owner, &device),
        None,
    )
    .await?;
    run.expect_status(&gone, &[404], rules::NOT_FOUND);

    let delete = user_send(
        run,
        Op::DeleteDevice,
        "delete",
        Method::DELETE,
        urls.device(&device),
        None,
    )
    .await?;
    run.expect_status(&delete, &[204], rules::DELETE);
    let after = user_send(
        run,
        Op::GetDevice,
        "get deleted device",
        Method::GET,
        urls.device(&device),
        None,
    )
    .await?;
    run.expect_status(&after, &[404], rules::DELETE);
    run.expect_error_code(&after, "Request_ResourceNotFound");
    Ok(())
}

/// While a token is assigned, `op` on it is refused.
fn refused_while_assigned(name: &str, title: &str, op: Op) -> Case {
    case(
        name,
        title,
        rules::UNASSIGNED_ONLY,
        script(move |run: &mut CaseRun| {
            Box::pin(async move {
                let user = run.user().await?;
                let device = steps::create_token(run, &Token::random()).await?;
                steps::assign(run, &user, &device).await?;
                let url = run.ctx().target.urls().device(&device);
                let exchange = match op {
                    Op::UpdateDevice => {
                        user_send(
                            run,
                            op,
                            "update assigned device",
                            Method::PATCH,
                            url,
                            Some(json!({"model": "changed"})),
                        )
                        .await?
                    }
                    _ => {
                        user_send(run, op, "delete assigned device", Method::DELETE, url, None)
                            .await?
                    }
                };
                run.expect_status(&exchange, &[400, 409], rules::UNASSIGNED_ONLY);
                steps::expect_device_status(run, &device, "assigned", rules::UNASSIGNED_ONLY).await
            })
        }),
    )
}

fn double_assign(same_user: bool) -> Case {
    let (name, title) = if same_user {
        (
            "assign-twice-same-user",
            "assigning a token its holder already has -> 400 or 409",
        )
    } else {
        (
            "assign-to-second-user",
            "assigning a token another user holds -> 400 or 409",
        )
    };
    case(
        name,
        title,
        rules::ONE_USER,
        script(move |run: &mut CaseRun| {
            Box::pin(async move {
                let users = run.users(if same_user { 1 } else { 2 }).await?;
                let (user, second) = (users[0].clone(), users[users.len() - 1].clone());
                let device = steps::create_token(run, &Token::random()).await?;
                steps::assign(run, &user, &device).await?;
                let exchange = steps::send_assign(run, &second, &device).await?;
                run.expect_status(&exchange, &[400, 409], rules::ONE_USER);
                Ok(())
            })
        }),
    )
}

async fn wrong_then_right(run: &mut CaseRun) -> Result<(), Abort> {
    let user = run.user().await?;
    let token = Token::random();
    let device = steps::create_token(run, &token).await?;
    steps::assign(run, &user, &device).await?;
    let step = steps::current_step(run, &token).await?;
    let right = token.code_at_step(step);
    let wrong = token.code_outside_window(step);
    let refused = steps::send_activate(run, &user, &device, Value::String(wrong)).await?;
    run.expect_status(&refused, &[400], rules::WRONG_CODE);
    steps::expect_device_status(run, &device, "failedActivation", rules::WRONG_CODE).await?;
    let accepted = steps::send_activate(run, &user, &device, Value::String(right)).await?;
    run.expect_status(&accepted, &[204], rules::WRONG_CODE);
    steps::expect_device_status(run, &device, "activated", rules::WRONG_CODE).await
}

/// A 60-second HMAC-SHA-256 token activates with its own code (the hash and period are honoured).
async fn sha256_sixty_seconds(run: &mut CaseRun) -> Result<(), Abort> {
    let user = run.user().await?;
    let token = Token::random().hash("hmacsha256").interval(60);
    let device = steps::create_token(run, &token).await?;
    steps::assign(run, &user, &device).await?;
    let step = steps::current_step(run, &token).await?;
    let exchange =
        steps::send_activate(run, &user, &device, Value::String(token.code_at_step(step))).await?;
    run.expect_status(&exchange, &[204], rules::RFC6238);
    steps::expect_device_status(run, &device, "activated", rules::ACTIVATE).await
}

async fn replayed_code(run: &mut CaseRun) -> Result<(), Abort> {
    let user = run.user().await?;
    let owner = Owner::User(user.clone());
    // The code is used at the target's current step; a token whose code a later step of the window
    // shares would let the replay activate as that step, rightly, so such a token is not used.
    let step = steps::current_step(run, &Token::random()).await?;
    let token = std::iter::repeat_with(Token::random)
        .find(|token| token.code_unique_after(step))
        .expect("about 997 tokens in 1,000 qualify");
    let device = steps::create_token(run, &token).await?;
    steps::assign(run, &user, &device).await?;
    let code = token.code_at_step(step);
    let first = steps::send_activate(run, &user, &device, Value::String(code.clone())).await?;
    run.require_status(&first, &[204], rules::ACTIVATE)?;
    let url = run
        .ctx()
        .target
        .urls()
        .method_action(&owner, &device, "deactivate");
    let deactivate = user_send(run, Op::Deactivate, "deactivate", Method::POST, url, None).await?;
    run.require_status(&deactivate, &[204], rules::DEACTIVATE)?;
    let replay = steps::send_activate(run, &user, &device, Value::String(code)).await?;
    run.expect_status(&replay, &[400], rules::REPLAY);
    Ok(())
}

async fn five_methods(run: &mut CaseRun) -> Result<(), Abort> {
    let user = run.user().await?;
    for _ in 0..5 {
        let device = steps::create_token(run, &Token::random()).await?;
        steps::assign(run, &user, &device).await?;
    }
    let sixth = steps::create_token(run, &Token::random()).await?;
    let exchange = steps::send_assign(run, &user, &sixth).await?;
    run.expect_status(&exchange, &[400], rules::FIVE_METHODS);
    Ok(())
}

fn assign_and_activate(by_serial: bool, as_me: bool) -> Case {
    let what = if by_serial {
        "assignAndActivateBySerialNumber"
    } else {
        "assignAndActivate"
    };
    let whom = if as_me { "me" } else { "users" };
    let case = case(
        &format!(
            "{}-{whom}",
            if by_serial {
                "assign-and-activate-by-serial"
            } else {
                "assign-and-activate"
            }
        ),
        &format!("{what} on /{whom} with the current code -> 204, token activated and listed"),
        rules::ASSIGN_AND_ACTIVATE,
        script(move |run: &mut CaseRun| {
            Box::pin(async move {
                let user = run.user().await?;
                let token = Token::random();
                let mut body = token.create_body(run);
                let serial = body["serialNumber"].clone();
                let device = steps::create(run, body.take()).await?;
                let step = steps::current_step(run, &token).await?;
                let code = token.code_at_step(step);
                let mut request_body =
                    json!({"verificationCode": code, "displayName": "hwoath token"});
                if by_serial {
                    request_body["serialNumber"] = serial;
                } else {
                    request_body["device"] = json!({"id": device});
                }
                let (owner, principal) = if as_me {
                    (
                        Owner::Me,
                        Principal::Delegated {
                            user: user.clone(),
                            scopes: vec!["UserAuthenticationMethod.ReadWrite"],
                            roles: Vec::new(),
                        },
                    )
                } else {
                    (Owner::User(user.clone()), Principal::Admin)
                };
                let bearer = run.token(&principal).await?;
                let url = run.ctx().target.urls().methods_action(&owner, what);
                let op = if by_serial {
                    Op::AssignAndActivateBySerial
                } else {
                    Op::AssignAndActivate
                };
                let exchange = run
                    .send(
                        op,
                        Request::new(what, Method::POST, url)
                            .bearer(Some(&bearer))
                            .json(request_body),
                    )
                    .await?;
                run.require_status(&exchange, &[204], rules::ASSIGN_AND_ACTIVATE)?;
                steps::expect_device_status(run, &device, "activated", rules::ASSIGN_AND_ACTIVATE)
                    .await?;
                let url = run.ctx().target.urls().method(&Owner::User(user), &device);
                let method = steps::admin_send(
                    run,
                    Op::GetMethod,
                    Request::new("get method", Method::GET, url),
                )
                .await?;
                run.expect_status(&method, &[200], rules::ASSIGN_AND_ACTIVATE);
                Ok(())
            })
        }),
    );
    if as_me { case.with_tokens() } else { case }
}

async fn create_assigned(run: &mut CaseRun) -> Result<(), Abort> {
    let user = run.user().await?;
    let mut body = Token::random().create_body(run);
    body["assignTo"] = json!({"@odata.type": "#microsoft.graph.user", "id": user});
    let exchange = steps::send_create(run, "create assigned", body).await?;
    run.require_status(&exchange, &[201], rules::CREATE_ASSIGNED)?;
    steps::expect_created_for(run, &exchange.json().unwrap_or_default(), &user);
    Ok(())
}

async fn bulk_create(run: &mut CaseRun) -> Result<(), Abort> {
    let items: Vec<Value> = (1..=2)
        .map(|n| {
            let mut device = Token::random().create_body(run);
            device["@contentId"] = json!(n.to_string());
            device
        })
        .collect();
    let serials: Vec<String> = items
        .iter()
        .filter_map(|d| d["serialNumber"].as_str().map(str::to_owned))
        .collect();
    let url = run.ctx().target.urls().devices();
    let exchange = steps::admin_send(
        run,
        Op::BulkCreate,
        Request::new("bulk create", Method::PATCH, url)
            .json(json!({"@context": "#$delta", "value": items})),
    )
    .await?;
    run.expect_status(&exchange, &[200, 201], rules::BULK);
    for serial in serials {
        let ids = steps::devices_with_serial(run, &serial).await?;
        run.expect(ids.len() == 1, rules::BULK, || {
            format!("{serial}: {} devices after bulk create", ids.len())
        });
    }
    Ok(())
}

fn absent(
    name: &str,
    title: &str,
    op: Op,
    method: Method,
    url: fn(&crate::endpoints::Urls, &str, &str) -> String,
) -> Case {
    Case::new(
        Group::Lifecycle,
        name,
        title,
        rules::NOT_FOUND,
        script(move |run: &mut CaseRun| {
            let method = method.clone();
            Box::pin(async move {
                let user = run.user().await?;
                let id = uuid::Uuid::new_v4().to_string();
                let url = url(run.ctx().target.urls(), &user, &id);
                let exchange =
                    steps::admin_send(run, op, Request::new("request an absent id", method, url))
                        .await?;
                run.expect_status(&exchange, &[404], rules::NOT_FOUND);
                run.expect_error_code(&exchange, "Request_ResourceNotFound");
                Ok(())
            })
        }),
    )
    .with_user()
}

/// The `lifecycle` group.
pub fn cases() -> Vec<Case> {
    vec![
        case(
            "full-lifecycle",
            "available -> assigned -> activated -> deactivated -> unassigned -> deleted, status checked at each step",
            rules::ACTIVATE,
            script(|run: &mut CaseRun| Box::pin(full_lifecycle(run))),
        ),
        refused_while_assigned(
            "update-while-assigned",
            "update of an assigned token -> 400 or 409",
            Op::UpdateDevice,
        ),
        refused_while_assigned(
            "delete-while-assigned",
            "delete of an assigned token -> 400 or 409",
            Op::DeleteDevice,
        ),
        double_assign(true),
        double_assign(false),
        case(
            "wrong-code-then-right",
            "a wrong code -> 400 and failedActivation; the right code afterwards -> 204 and activated",
            rules::WRONG_CODE,
            script(|run: &mut CaseRun| Box::pin(wrong_then_right(run))),
        ),
        case(
            "activate-sha256-60s",
            "a 60 s HMAC-SHA-256 token activates with its own RFC 6238 code (204)",
            rules::RFC6238,
            script(|run: &mut CaseRun| Box::pin(sha256_sixty_seconds(run))),
        ),
        case(
            "replayed-code",
            "after deactivation, the already used code is refused (400)",
            rules::REPLAY,
            script(|run: &mut CaseRun| Box::pin(replayed_code(run))),
        ),
        case(
            "five-methods-limit",
            "a user holding five OATH tokens cannot be assigned a sixth (400)",
            rules::FIVE_METHODS,
            script(|run: &mut CaseRun| Box::pin(five_methods(run))),
        ),
        assign_and_activate(false, false),
        assign_and_activate(false, true),
        assign_and_activate(true, false),
        assign_and_activate(true, true),
        case(
            "create-with-assign-to",
            "create with assignTo (SDK shape) -> 201, assignedTo the user, status assigned or available (the docs disagree)",
            rules::CREATE_ASSIGNED,
            script(|run: &mut CaseRun| Box::pin(create_assigned(run))),
        ),
        Case::new(
            Group::Lifecycle,
            "bulk-create",
            "PATCH of the inventory with a delta body of two devices creates both",
            rules::BULK,
            script(|run: &mut CaseRun| Box::pin(bulk_create(run))),
        )
        .writes(),
        absent(
            "get-absent-device",
            "GET of an absent device -> 404",
            Op::GetDevice,
            Method::GET,
            |u, _, id| u.device(id),
        ),
        absent(
            "delete-absent-device",
            "DELETE of an absent device -> 404",
            Op::DeleteDevice,
            Method::DELETE,
            |u, _, id| u.device(id),
        ),
        absent(
            "get-absent-method",
            "GET of an absent method -> 404",
            Op::GetMethod,
            Method::GET,
            |u, user, id| u.method(&Owner::User(user.to_owned()), id),
        ),
    ]
}

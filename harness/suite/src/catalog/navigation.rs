//! Group `navigation`: how clients address tokens besides the plain collections: path segments in any
//! letter case, users by userPrincipalName, assignment through `assignTo/$ref`, and the navigation
//! reads `assignTo`, `device` and `$count`.

use reqwest::Method;
use serde_json::json;

use crate::case::{Abort, Case, CaseRun, Group, script};
use crate::client::{Exchange, Request};
use crate::endpoints::{DEVICES, Op, Owner};
use crate::rules::{self, Rule};
use crate::steps::{self, Token};
use crate::wording;

fn case(name: &str, title: &str, rule: Rule, script: crate::case::Script) -> Case {
    Case::new(Group::Navigation, name, title.to_owned(), rule, script).with_user()
}

/// A created token, assigned to the case's user.
async fn assigned_token(run: &mut CaseRun) -> Result<(String, String), Abort> {
    let user = run.user().await?;
    let device = steps::create_token(run, &Token::random()).await?;
    steps::assign(run, &user, &device).await?;
    Ok((user, device))
}

async fn get(run: &mut CaseRun, op: Op, step: &str, url: String) -> Result<Exchange, Abort> {
    steps::admin_send(run, op, Request::new(step, Method::GET, url)).await
}

/// Microsoft's own how-to writes `.../authentication/hardwareoathmethods/{id}` in lower case; Graph
/// resolves path segments whatever their case.
async fn path_case(run: &mut CaseRun) -> Result<(), Abort> {
    let (user, device) = assigned_token(run).await?;
    let base = run.ctx().target.urls().base().to_owned();
    let inventory = format!("{base}{}/{device}", DEVICES.to_lowercase());
    let exchange = get(run, Op::GetDevice, "get device, lower-case path", inventory).await?;
    run.expect_status(&exchange, &[200], rules::PATH_CASE);
    let found = exchange.str_at("/id");
    run.expect(
        found.as_deref() == Some(device.as_str()),
        rules::PATH_CASE,
        || {
            format!(
                "lower-case inventory path found {}, expected {device}",
                wording::or_absent(found.as_deref())
            )
        },
    );
    let method = format!("{base}/users/{user}/authentication/hardwareoathmethods/{device}");
    let exchange = get(run, Op::GetMethod, "get method, lower-case path", method).await?;
    run.expect_status(&exchange, &[200], rules::PATH_CASE);
    let mixed = format!("{base}/Users/{user}/Authentication/HardwareOathMethods");
    let exchange = get(
        run,
        Op::ListMethods,
        "list methods, capitalized path",
        mixed,
    )
    .await?;
    run.expect_status(&exchange, &[200], rules::PATH_CASE);
    Ok(())
}

/// The user's userPrincipalName: as given, or read from the target's user API.
async fn user_principal_name(run: &mut CaseRun, user: &str) -> Result<String, Abort> {
    if user.contains('@') {
        return Ok(user.to_owned());
    }
    let url = format!(
        "{}/users/{user}?$select=id,userPrincipalName",
        run.ctx().target.urls().base()
    );
    let exchange = get(run, Op::GetUser, "get user", url).await?;
    exchange
        .str_at("/userPrincipalName")
        .filter(|_| exchange.status == Some(200))
        .ok_or_else(|| {
            Abort::Skip(format!(
                "needs the userPrincipalName of user {user}: give --user as a UPN, or a target that \
                 serves GET /users/{{id}} (it answered {})",
                exchange.status.unwrap_or_default()
            ))
        })
}

/// `/users/{userPrincipalName}` addresses the same methods as `/users/{id}`.
async fn user_by_upn(run: &mut CaseRun) -> Result<(), Abort> {
    let (user, device) = assigned_token(run).await?;
    let held = get(
        run,
        Op::GetDevice,
        "get device",
        run.ctx().target.urls().device(&device),
    )
    .await?;
    let Some(object_id) = held.str_at("/assignedTo/id") else {
        run.expect(false, rules::ASSIGN, || {
            "the assigned token names no assignedTo.id".to_owned()
        });
        return Err(Abort::Stop);
    };
    let upn = user_principal_name(run, &user).await?;
    for key in [object_id, upn] {
        let url = run
            .ctx()
            .target
            .urls()
            .method(&Owner::User(key.clone()), &device);
        let exchange = get(run, Op::GetMethod, &format!("get method via {key}"), url).await?;
        run.expect_status(&exchange, &[200], rules::USER_BY_UPN);
        let found = exchange.str_at("/id");
        run.expect(
            found.as_deref() == Some(device.as_str()),
            rules::USER_BY_UPN,
            || {
                format!(
                    "/users/{key}/... found method {}, expected {device}",
                    wording::or_absent(found.as_deref())
                )
            },
        );
    }
    Ok(())
}

/// Sends a `$ref` assignment of `device` to `user` at `url`.
async fn put_reference(
    run: &mut CaseRun,
    step: &str,
    url: String,
    user: &str,
) -> Result<Exchange, Abort> {
    let reference = run.ctx().target.urls().user_reference(user);
    steps::admin_send(
        run,
        Op::AssignByRef,
        Request::new(step, Method::PUT, url).json(json!({"@odata.id": reference})),
    )
    .await
}

/// Checks that `device` is now held by `user`: its status and the `assignTo` navigation.
async fn expect_held(run: &mut CaseRun, device: &str, user: &str) -> Result<(), Abort> {
    steps::expect_device_status(run, device, "assigned", rules::ASSIGN_BY_REF).await?;
    let url = run.ctx().target.urls().device_holder(device, false);
    let holder = get(run, Op::GetDeviceHolder, "get assignTo", url).await?;
    run.expect_status(&holder, &[200], rules::NAVIGATION);
    let found = holder.str_at("/id");
    let upn = holder.str_at("/userPrincipalName");
    let named = |key: &Option<String>| key.as_deref().is_some_and(|k| k.eq_ignore_ascii_case(user));
    run.expect(named(&found) || named(&upn), rules::NAVIGATION, || {
        format!(
            "assignTo is {} ({}), expected {user}",
            wording::or_absent(found.as_deref()),
            wording::or_absent(upn.as_deref())
        )
    });
    Ok(())
}

/// `PUT .../hardwareOathDevices/{id}/assignTo/$ref` assigns an inventory token to a user.
async fn assign_by_inventory_ref(run: &mut CaseRun) -> Result<(), Abort> {
    let user = run.user().await?;
    let device = steps::create_token(run, &Token::random()).await?;
    let url = run.ctx().target.urls().device_holder(&device, true);
    let exchange = put_reference(run, "assign by inventory $ref", url, &user).await?;
    run.require_status(&exchange, &[204], rules::ASSIGN_BY_REF)?;
    expect_held(run, &device, &user).await
}

/// `PUT .../hardwareOathMethods/{id}/device/assignTo/$ref` assigns the token `{id}` to the user.
async fn assign_by_method_ref(run: &mut CaseRun) -> Result<(), Abort> {
    let user = run.user().await?;
    let device = steps::create_token(run, &Token::random()).await?;
    let owner = Owner::User(user.clone());
    let url = run
        .ctx()
        .target
        .urls()
        .method_device_holder_ref(&owner, &device);
    let exchange = put_reference(run, "assign by method $ref", url, &user).await?;
    run.require_status(&exchange, &[204], rules::ASSIGN_BY_REF)?;
    expect_held(run, &device, &user).await?;
    let url = run.ctx().target.urls().method(&owner, &device);
    let method = get(run, Op::GetMethod, "get method", url).await?;
    run.expect_status(&method, &[200], rules::ASSIGN_BY_REF);
    Ok(())
}

/// `GET .../hardwareOathMethods/{id}/device` is the token itself.
async fn method_device(run: &mut CaseRun) -> Result<(), Abort> {
    let (user, device) = assigned_token(run).await?;
    let url = run
        .ctx()
        .target
        .urls()
        .method_device(&Owner::User(user), &device);
    let exchange = get(run, Op::GetMethodDevice, "get method device", url).await?;
    run.require_status(&exchange, &[200], rules::NAVIGATION)?;
    let found = exchange.str_at("/id");
    run.expect(
        found.as_deref() == Some(device.as_str()),
        rules::NAVIGATION,
        || {
            format!(
                "the method's device is {}, expected {device}",
                wording::or_absent(found.as_deref())
            )
        },
    );
    Ok(())
}

/// `GET .../hardwareOathMethods/$count` counts what the listing holds.
async fn methods_count(run: &mut CaseRun) -> Result<(), Abort> {
    let (user, _) = assigned_token(run).await?;
    let owner = Owner::User(user);
    let listing = get(
        run,
        Op::ListMethods,
        "list methods",
        run.ctx().target.urls().methods(&owner),
    )
    .await?;
    run.require_status(&listing, &[200], rules::METHODS_COUNT)?;
    let listed = listing
        .json()
        .and_then(|body| body["value"].as_array().map(Vec::len))
        .unwrap_or_default();
    let url = run.ctx().target.urls().methods_action(&owner, "$count");
    let exchange = get(run, Op::CountMethods, "count methods", url).await?;
    run.require_status(&exchange, &[200], rules::METHODS_COUNT)?;
    let counted = String::from_utf8_lossy(&exchange.body)
        .trim()
        .parse::<usize>()
        .ok();
    run.expect(counted == Some(listed), rules::METHODS_COUNT, || {
        format!(
            "$count is {}, the listing holds {listed}",
            wording::or_absent(counted)
        )
    });
    Ok(())
}

/// `GET .../hardwareOathDevices/$count` is a number, at least the one token the case created.
async fn devices_count(run: &mut CaseRun) -> Result<(), Abort> {
    steps::create_token(run, &Token::random()).await?;
    let url = run.ctx().target.urls().devices_count();
    let exchange = get(run, Op::CountDevices, "count devices", url).await?;
    run.require_status(&exchange, &[200], rules::COUNT)?;
    let counted = String::from_utf8_lossy(&exchange.body)
        .trim()
        .parse::<u64>()
        .ok();
    run.expect(counted.is_some_and(|n| n >= 1), rules::COUNT, || {
        format!(
            "$count is {} after a token was created",
            wording::or_absent(counted)
        )
    });
    Ok(())
}

/// The `navigation` group.
pub fn cases() -> Vec<Case> {
    vec![
        case(
            "path-case",
            "path segments in lower or mixed case address the same resources (200)",
            rules::PATH_CASE,
            script(|run: &mut CaseRun| Box::pin(path_case(run))),
        ),
        case(
            "user-by-upn",
            "/users/{userPrincipalName} and /users/{id} address the same methods (200)",
            rules::USER_BY_UPN,
            script(|run: &mut CaseRun| Box::pin(user_by_upn(run))),
        ),
        case(
            "assign-by-inventory-ref",
            "PUT hardwareOathDevices/{id}/assignTo/$ref -> 204, the token is assigned, GET assignTo names the user",
            rules::ASSIGN_BY_REF,
            script(|run: &mut CaseRun| Box::pin(assign_by_inventory_ref(run))),
        ),
        case(
            "assign-by-method-ref",
            "PUT hardwareOathMethods/{id}/device/assignTo/$ref -> 204, the token is the user's method",
            rules::ASSIGN_BY_REF,
            script(|run: &mut CaseRun| Box::pin(assign_by_method_ref(run))),
        ),
        case(
            "method-device",
            "GET hardwareOathMethods/{id}/device -> 200, the token",
            rules::NAVIGATION,
            script(|run: &mut CaseRun| Box::pin(method_device(run))),
        ),
        case(
            "methods-count",
            "GET hardwareOathMethods/$count -> 200 text/plain, the number the listing holds",
            rules::METHODS_COUNT,
            script(|run: &mut CaseRun| Box::pin(methods_count(run))),
        ),
        Case::new(
            Group::Navigation,
            "devices-count",
            "GET hardwareOathDevices/$count -> 200 text/plain, a number".to_owned(),
            rules::COUNT,
            script(|run: &mut CaseRun| Box::pin(devices_count(run))),
        )
        .writes(),
    ]
}

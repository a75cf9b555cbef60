//! Group `authz`: the permission table of docs/spec.md (Permissions), delegated against application tokens, `/me` with an
//! app-only token, and missing, expired or tampered tokens.

use reqwest::Method;
use serde_json::json;

use crate::case::{Abort, Case, CaseRun, Group, script};
use crate::client::{BearerToken, Request};
use crate::endpoints::{Op, Owner, Urls};
use crate::rules::{self, Rule};
use crate::steps::Token;
use crate::target::{Principal, directory_roles as role};

/// Who calls, in terms the case can turn into a principal once it knows its users.
#[derive(Debug, Clone)]
enum Caller {
    /// No Authorization header.
    Anonymous,
    /// `Authorization: Bearer` with something that is not a JWT.
    Garbage,
    /// A principal not tied to the case's users.
    Fixed(Principal),
    /// A delegated token of the case's own user.
    Delegated(Vec<&'static str>, Vec<&'static str>),
}

/// What the caller attempts.
#[derive(Debug, Clone, Copy)]
enum Attempt {
    /// List the inventory.
    ListDevices,
    /// Create a device.
    CreateDevice,
    /// Create a device assigned to the case's user.
    CreateAssigned,
    /// List the case's own methods through `/me`.
    ListOwn,
    /// Assign a fresh device through `/me`.
    AssignOwn,
    /// List another user's methods.
    ListOthers,
    /// Assign a fresh device to another user.
    AssignOthers,
}

impl Attempt {
    fn op(self) -> Op {
        match self {
            Attempt::ListDevices => Op::ListDevices,
            Attempt::CreateDevice | Attempt::CreateAssigned => Op::CreateDevice,
            Attempt::ListOwn | Attempt::ListOthers => Op::ListMethods,
            Attempt::AssignOwn | Attempt::AssignOthers => Op::Assign,
        }
    }

    fn needs_other(self) -> bool {
        matches!(self, Attempt::ListOthers | Attempt::AssignOthers)
    }

    fn needs_device(self) -> bool {
        matches!(self, Attempt::AssignOwn | Attempt::AssignOthers)
    }
}

fn request(
    attempt: Attempt,
    urls: &Urls,
    run: &mut CaseRun,
    me: &str,
    other: &str,
    device: &str,
) -> Request {
    match attempt {
        Attempt::ListDevices => Request::new("list devices", Method::GET, urls.devices()),
        Attempt::CreateDevice => {
            let body = Token::random().create_body(run);
            Request::new("create device", Method::POST, urls.devices()).json(body)
        }
        Attempt::CreateAssigned => {
            let mut body = Token::random().create_body(run);
            body["assignTo"] = json!({"id": me});
            Request::new("create assigned device", Method::POST, urls.devices()).json(body)
        }
        Attempt::ListOwn => Request::new("list own methods", Method::GET, urls.methods(&Owner::Me)),
        Attempt::AssignOwn => {
            Request::new("assign to self", Method::POST, urls.methods(&Owner::Me))
                .json(json!({"device": {"id": device}}))
        }
        Attempt::ListOthers => Request::new(
            "list another user's methods",
            Method::GET,
            urls.methods(&Owner::User(other.to_owned())),
        ),
        Attempt::AssignOthers => Request::new(
            "assign to another user",
            Method::POST,
            urls.methods(&Owner::User(other.to_owned())),
        )
        .json(json!({"device": {"id": device}})),
    }
}

async fn attempt(
    run: &mut CaseRun,
    caller: Caller,
    attempt: Attempt,
    expected: &[u16],
    rule: Rule,
) -> Result<(), Abort> {
    if !run.ctx().target.has_controls()
        && !matches!(
            caller,
            Caller::Anonymous | Caller::Garbage | Caller::Fixed(Principal::Tampered)
        )
    {
        return Err(Abort::Skip(
            crate::target::TokenError::CannotMint.to_string(),
        ));
    }
    let users = run.users(if attempt.needs_other() { 2 } else { 1 }).await?;
    let (me, other) = (users[0].clone(), users[users.len() - 1].clone());
    let device = if attempt.needs_device() {
        crate::steps::create_token(run, &Token::random()).await?
    } else {
        String::new()
    };
    let bearer = match caller {
        Caller::Anonymous => None,
        Caller::Garbage => Some(BearerToken::new("not-a-jwt")),
        Caller::Fixed(principal) => Some(run.token(&principal).await?),
        Caller::Delegated(scopes, roles) => Some(
            run.token(&Principal::Delegated {
                user: me.clone(),
                scopes,
                roles,
            })
            .await?,
        ),
    };
    let urls = run.ctx().target.urls().clone();
    let request = request(attempt, &urls, run, &me, &other, &device).bearer(bearer.as_ref());
    let exchange = run.send(attempt.op(), request).await?;
    if exchange.status == Some(201)
        && matches!(attempt, Attempt::CreateDevice | Attempt::CreateAssigned)
    {
        run.created(&exchange);
    }
    run.expect_status(&exchange, expected, rule);
    match exchange.status {
        Some(401) => run.expect_error_code(&exchange, "InvalidAuthenticationToken"),
        Some(403) if expected == [403] => run.expect_error_code(&exchange, "accessDenied"),
        // `/me` with an app-only token: Graph's recorded answer is 400 BadRequest.
        Some(400) if rule == rules::ME_DELEGATED => run.expect_error_code(&exchange, "BadRequest"),
        _ => {}
    }
    Ok(())
}

fn authz(
    name: &str,
    title: &str,
    rule: Rule,
    caller: Caller,
    what: Attempt,
    expected: &'static [u16],
) -> Case {
    Case::new(
        Group::Authz,
        name,
        title,
        rule,
        script(move |run: &mut CaseRun| {
            let caller = caller.clone();
            Box::pin(attempt(run, caller, what, expected, rule))
        }),
    )
    .with_user()
    .with_tokens()
}

fn app(roles: &[&'static str]) -> Caller {
    Caller::Fixed(Principal::App(roles.to_vec()))
}

const POLICY_READ: &str = "Policy.Read.All";
const POLICY_WRITE: &str = "Policy.ReadWrite.AuthenticationMethod";
const UAM_READ: &str = "UserAuthenticationMethod.Read";
const UAM_WRITE: &str = "UserAuthenticationMethod.ReadWrite";
const UAM_READ_ALL: &str = "UserAuthenticationMethod.Read.All";
const UAM_WRITE_ALL: &str = "UserAuthenticationMethod.ReadWrite.All";

/// The `authz` group.
pub fn cases() -> Vec<Case> {
    use Attempt::*;
    vec![
        authz(
            "no-token",
            "no Authorization header -> 401",
            rules::UNAUTHENTICATED,
            Caller::Anonymous,
            ListDevices,
            &[401],
        ),
        authz(
            "garbage-token",
            "a bearer value that is no JWT -> 401",
            rules::UNAUTHENTICATED,
            Caller::Garbage,
            ListDevices,
            &[401],
        ),
        authz(
            "tampered-token",
            "a token with an altered signature -> 401",
            rules::UNAUTHENTICATED,
            Caller::Fixed(Principal::Tampered),
            ListDevices,
            &[401],
        ),
        authz(
            "expired-token",
            "an expired token -> 401",
            rules::UNAUTHENTICATED,
            Caller::Fixed(Principal::Expired),
            ListDevices,
            &[401],
        ),
        authz(
            "app-inventory-read",
            "app with Policy.Read.All lists the inventory (200)",
            rules::LEAST_PRIVILEGE,
            app(&[POLICY_READ]),
            ListDevices,
            &[200],
        ),
        authz(
            "app-inventory-read-by-write",
            "app with Policy.ReadWrite.AuthenticationMethod lists the inventory (200)",
            rules::LEAST_PRIVILEGE,
            app(&[POLICY_WRITE]),
            ListDevices,
            &[200],
        ),
        authz(
            "app-no-roles",
            "app with no roles cannot list the inventory (403)",
            rules::FORBIDDEN,
            app(&[]),
            ListDevices,
            &[403],
        ),
        authz(
            "app-wrong-family",
            "app with UserAuthenticationMethod.Read.All cannot list the inventory (403)",
            rules::FORBIDDEN,
            app(&[UAM_READ_ALL]),
            ListDevices,
            &[403],
        ),
        authz(
            "app-create-with-read",
            "app with Policy.Read.All cannot create (403)",
            rules::FORBIDDEN,
            app(&[POLICY_READ]),
            CreateDevice,
            &[403],
        ),
        authz(
            "app-create",
            "app with Policy.ReadWrite.AuthenticationMethod creates (201)",
            rules::LEAST_PRIVILEGE,
            app(&[POLICY_WRITE]),
            CreateDevice,
            &[201],
        ),
        authz(
            "app-create-assigned-without-user-permission",
            "create with assignTo needs UserAuthenticationMethod.ReadWrite.All too (403)",
            rules::FORBIDDEN,
            app(&[POLICY_WRITE]),
            CreateAssigned,
            &[403],
        ),
        authz(
            "app-create-assigned",
            "create with assignTo with both permissions (201)",
            rules::LEAST_PRIVILEGE,
            app(&[POLICY_WRITE, UAM_WRITE_ALL]),
            CreateAssigned,
            &[201],
        ),
        authz(
            "app-others-read",
            "app with UserAuthenticationMethod.Read.All lists a user's methods (200)",
            rules::LEAST_PRIVILEGE,
            app(&[UAM_READ_ALL]),
            ListOthers,
            &[200],
        ),
        authz(
            "app-others-assign-with-read",
            "app with UserAuthenticationMethod.Read.All cannot assign (403)",
            rules::FORBIDDEN,
            app(&[UAM_READ_ALL]),
            AssignOthers,
            &[403],
        ),
        authz(
            "app-others-assign",
            "app with UserAuthenticationMethod.ReadWrite.All assigns (201)",
            rules::LEAST_PRIVILEGE,
            app(&[UAM_WRITE_ALL]),
            AssignOthers,
            &[201],
        ),
        authz(
            "app-on-me",
            "an app-only token on /me -> 400 or 403",
            rules::ME_DELEGATED,
            app(&[UAM_READ_ALL]),
            ListOwn,
            &[400, 403],
        ),
        authz(
            "delegated-inventory-read",
            "delegated Policy.Read.All as Global Reader lists the inventory (200)",
            rules::LEAST_PRIVILEGE,
            Caller::Delegated(vec![POLICY_READ], vec![role::GLOBAL_READER]),
            ListDevices,
            &[200],
        ),
        authz(
            "delegated-inventory-read-without-role",
            "delegated Policy.Read.All without a directory role -> 403",
            rules::FORBIDDEN,
            Caller::Delegated(vec![POLICY_READ], vec![]),
            ListDevices,
            &[403],
        ),
        authz(
            "delegated-inventory-write",
            "delegated Policy.ReadWrite.AuthenticationMethod as Authentication Policy Administrator creates (201)",
            rules::LEAST_PRIVILEGE,
            Caller::Delegated(
                vec![POLICY_WRITE],
                vec![role::AUTHENTICATION_POLICY_ADMINISTRATOR],
            ),
            CreateDevice,
            &[201],
        ),
        authz(
            "delegated-inventory-write-as-reader",
            "delegated Policy.ReadWrite.AuthenticationMethod as Global Reader -> 403",
            rules::FORBIDDEN,
            Caller::Delegated(vec![POLICY_WRITE], vec![role::GLOBAL_READER]),
            CreateDevice,
            &[403],
        ),
        authz(
            "delegated-own-read",
            "delegated UserAuthenticationMethod.Read lists /me (200)",
            rules::LEAST_PRIVILEGE,
            Caller::Delegated(vec![UAM_READ], vec![]),
            ListOwn,
            &[200],
        ),
        authz(
            "delegated-own-read-by-write",
            "delegated UserAuthenticationMethod.ReadWrite lists /me (200)",
            rules::LEAST_PRIVILEGE,
            Caller::Delegated(vec![UAM_WRITE], vec![]),
            ListOwn,
            &[200],
        ),
        authz(
            "delegated-own-assign-with-read",
            "delegated UserAuthenticationMethod.Read cannot assign to self (403)",
            rules::FORBIDDEN,
            Caller::Delegated(vec![UAM_READ], vec![]),
            AssignOwn,
            &[403],
        ),
        authz(
            "delegated-own-assign",
            "delegated UserAuthenticationMethod.ReadWrite assigns to self (201)",
            rules::LEAST_PRIVILEGE,
            Caller::Delegated(vec![UAM_WRITE], vec![]),
            AssignOwn,
            &[201],
        ),
        authz(
            "delegated-others-read-with-self-scope",
            "delegated UserAuthenticationMethod.Read cannot list another user's methods (403)",
            rules::FORBIDDEN,
            Caller::Delegated(vec![UAM_READ], vec![]),
            ListOthers,
            &[403],
        ),
        authz(
            "delegated-others-read",
            "delegated UserAuthenticationMethod.Read.All as Authentication Administrator lists another user's methods (200)",
            rules::LEAST_PRIVILEGE,
            Caller::Delegated(vec![UAM_READ_ALL], vec![role::AUTHENTICATION_ADMINISTRATOR]),
            ListOthers,
            &[200],
        ),
        authz(
            "delegated-others-assign",
            "delegated UserAuthenticationMethod.ReadWrite.All as Privileged Authentication Administrator assigns to another user (201)",
            rules::LEAST_PRIVILEGE,
            Caller::Delegated(
                vec![UAM_WRITE_ALL],
                vec![role::PRIVILEGED_AUTHENTICATION_ADMINISTRATOR],
            ),
            AssignOthers,
            &[201],
        ),
        authz(
            "delegated-others-assign-without-role",
            "delegated UserAuthenticationMethod.ReadWrite.All without an admin role -> 403",
            rules::FORBIDDEN,
            Caller::Delegated(vec![UAM_WRITE_ALL], vec![]),
            AssignOthers,
            &[403],
        ),
    ]
}

//! A session of calls against the mock tenant's whole router, in process: the calls are built from
//! fuzz input with `arbitrary`, sent with `tower::ServiceExt::oneshot`, and every answer and the
//! tenant's state are checked afterwards.
//!
//! Calls are structured (route templates in canonical or upper case, ids of tokens that exist, known
//! secrets, codes that are valid at the tenant clock, `$ref` bodies naming fixture users, policy
//! changes) so that the fuzzer reaches past routing, auth and validation into the lifecycle, and raw
//! (any path, query, header or body) so that nothing is out of reach. Each session also picks the
//! tenant's behaviour options.

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use axum::Router;
use axum::body::Body;
use axum::http::{Method as HttpMethod, Request, Uri};
use hwoath_graph::{ErrorEnvelope, HashFunction, SecretText, TokenStatus, parse_strict};
use hwoath_mock::fuzzing::{AppState, Store};
use hwoath_mock::{DeviceRecord, MethodRecord};
use hwoath_mock::{Fixture, NumbersAsStrings, PolicyDisabled, StatusAfterAssignTo};
use hwoath_mock::{MockTenant, SigningKey, TokenRequest};
use hwoath_otp::{Algorithm, Secret, Totp};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};
use tower::ServiceExt;

/// The tenant clock (frozen), an RFC 6238 vector time.
pub const CLOCK: i64 = 1_111_111_109;
/// At most this many calls per input, so one input stays fast.
pub const MAX_CALLS: usize = 8;
/// Base32 secrets the structured bodies use, so that valid codes can be computed.
pub const SECRETS: [&str; 3] = [
    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
    "6PJ4UKIW33NNXYZAEHQNFUFTZF7WFTFB",
    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA",
];

/// One fuzz input: a sequence of calls against a fresh tenant.
#[derive(Debug, Arbitrary)]
pub struct Session {
    /// The tenant's behaviour options.
    pub behaviour: BehaviourChoice,
    /// The calls, in order (only the first [`MAX_CALLS`] are sent).
    pub calls: Vec<Call>,
}

/// Which behaviour options the tenant runs with (each `true` picks the non-default value; the
/// visibility delay, which follows the wall clock, stays zero so that inputs replay exactly).
#[derive(Debug, Clone, Copy, Arbitrary)]
pub struct BehaviourChoice {
    /// `status_after_assign_to = available`.
    pub held_available: bool,
    /// `numbers_as_strings = coerce`.
    pub coerce_numbers: bool,
    /// `policy_disabled = refuse`.
    pub refuse_when_disabled: bool,
}

/// One HTTP call.
#[derive(Debug, Arbitrary)]
pub struct Call {
    /// The bearer token.
    pub token: TokenChoice,
    /// The HTTP method; `None` takes the one the body implies (GET without a body, POST for
    /// creates and actions, PATCH for updates and bulk, PUT for the clock), so that calls reach
    /// the handlers instead of 405.
    pub method: Option<MethodChoice>,
    /// The path.
    pub route: Route,
    /// Whether every letter of the path is upper-cased (Graph matches path segments in any case;
    /// ids and UPNs compare without case too).
    pub upper_case: bool,
    /// Query options.
    pub query: Vec<(QueryKey, String)>,
    /// Extra headers.
    pub headers: Vec<(HeaderChoice, String)>,
    /// The `Content-Type` (JSON unless chosen otherwise).
    pub content_type: ContentType,
    /// The body.
    pub body: BodyChoice,
}

/// Which bearer token a call carries (all but the last two are minted validly by the mock's key).
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum TokenChoice {
    /// App-only, every write role.
    AdminApp,
    /// App-only, read roles.
    ReaderApp,
    /// App-only, no roles.
    NoRoleApp,
    /// Delegated with every scope, for the fixture user at this index, holding the user's roles.
    Delegated(u8),
    /// Delegated with read scopes only.
    DelegatedReader(u8),
    /// Delegated, already expired.
    Expired,
    /// Signed for another tenant.
    OtherTenant,
    /// No `Authorization` header.
    None,
    /// A malformed token.
    Garbage,
}

/// The HTTP method.
#[derive(Debug, Clone, Arbitrary)]
pub enum MethodChoice {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
    /// PUT.
    Put,
    /// HEAD.
    Head,
    /// OPTIONS.
    Options,
    /// Any other token.
    Other(String),
}

/// Whose methods a route names.
#[derive(Debug, Clone, Arbitrary)]
pub enum Owner {
    /// `/me`.
    Me,
    /// `/users/{id}` of a fixture user.
    UserId(u8),
    /// `/users/{upn}` of a fixture user.
    UserUpn(u8),
    /// `/users/{anything}`.
    Raw(String),
}

/// A token id in a path or body.
#[derive(Debug, Clone, Arbitrary)]
pub enum IdChoice {
    /// The id of the token at this index of the tenant's inventory (raw `x` if it is empty).
    Existing(u8),
    /// Any text.
    Raw(String),
}

/// The path of a call.
#[derive(Debug, Clone, Arbitrary)]
pub enum Route {
    /// The inventory collection.
    Inventory,
    /// `$count` of the inventory.
    InventoryCount,
    /// One inventory token.
    InventoryItem(IdChoice),
    /// A user's methods.
    Methods(Owner),
    /// One method.
    Method(Owner, IdChoice),
    /// `.../{id}/activate`.
    Activate(Owner, IdChoice),
    /// `.../{id}/deactivate`.
    Deactivate(Owner, IdChoice),
    /// `.../assignAndActivate`.
    AssignAndActivate(Owner),
    /// `.../assignAndActivateBySerialNumber`.
    AssignAndActivateBySerial(Owner),
    /// `.../hardwareOathMethods/$count`.
    MethodsCount(Owner),
    /// `.../hardwareOathMethods/{id}/device`.
    MethodDevice(Owner, IdChoice),
    /// `.../hardwareOathMethods/{id}/device/assignTo/$ref`.
    MethodAssignToRef(Owner, IdChoice),
    /// `.../hardwareOathDevices/{id}/assignTo`.
    InventoryAssignTo(IdChoice),
    /// `.../hardwareOathDevices/{id}/assignTo/$ref`.
    InventoryAssignToRef(IdChoice),
    /// The hardware OATH entry of the authentication methods policy.
    Policy,
    /// The path and query of the last `@odata.nextLink` answered (the inventory if none).
    NextLink,
    /// The client-credentials token endpoint (`true`: the tenant's id, else any text).
    OAuthToken(bool),
    /// The OpenID configuration.
    OpenIdConfiguration,
    /// `/_hwoath/clock`.
    ControlClock,
    /// `/_hwoath/reset`.
    ControlReset,
    /// `/_hwoath/counters`.
    ControlCounters,
    /// `/_hwoath/token`.
    ControlToken,
    /// Any path (calls to the fault-injection control are dropped: injected 5xx are its purpose).
    Raw(String),
}

/// A query option name.
#[derive(Debug, Clone, Arbitrary)]
pub enum QueryKey {
    /// `$top`.
    Top,
    /// `$skiptoken`.
    Skiptoken,
    /// `$filter` with the value as given.
    Filter,
    /// `$filter={property} eq '{value}'`.
    FilterEq(Property),
    /// `$select`.
    Select,
    /// `$count`.
    Count,
    /// `$expand`.
    Expand,
    /// Any name.
    Other(String),
}

/// A property name of the Graph resources.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum Property {
    /// `id`.
    Id,
    /// `serialNumber`.
    SerialNumber,
    /// `status`.
    Status,
    /// `manufacturer`.
    Manufacturer,
    /// `hashFunction`.
    HashFunction,
    /// `assignedTo/id`.
    AssignedToId,
    /// `displayName`.
    DisplayName,
}

impl Property {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::SerialNumber => "serialNumber",
            Self::Status => "status",
            Self::Manufacturer => "manufacturer",
            Self::HashFunction => "hashFunction",
            Self::AssignedToId => "assignedTo/id",
            Self::DisplayName => "displayName",
        }
    }
}

/// An extra request header.
#[derive(Debug, Clone, Arbitrary)]
pub enum HeaderChoice {
    /// `Accept`.
    Accept,
    /// `Host`.
    Host,
    /// `client-request-id`.
    ClientRequestId,
    /// `ConsistencyLevel`.
    ConsistencyLevel,
    /// `Content-Length` (a wrong one, as a client may send).
    ContentLength,
    /// A second `Authorization`.
    Authorization,
    /// Any name.
    Other(String),
}

/// The `Content-Type` of a call.
#[derive(Debug, Clone, Arbitrary)]
pub enum ContentType {
    /// `application/json`.
    Json,
    /// `application/json; charset=utf-8`.
    JsonCharset,
    /// None.
    Absent,
    /// `application/x-www-form-urlencoded` (the token endpoint's).
    Form,
    /// Any text.
    Raw(String),
}

/// A token serial: one of a few (so that duplicates happen) or any text.
#[derive(Debug, Clone, Arbitrary)]
pub enum SerialChoice {
    /// `SN-{n % 4}`.
    Few(u8),
    /// Any text.
    Raw(String),
}

/// A Base32 secret.
#[derive(Debug, Clone, Arbitrary)]
pub enum SecretChoice {
    /// One of [`SECRETS`].
    Known(u8),
    /// Any text.
    Raw(String),
}

/// A `verificationCode`.
#[derive(Debug, Clone, Arbitrary)]
pub enum CodeChoice {
    /// The code of the addressed token at the tenant clock plus this many steps (-2..=2).
    Valid(i8),
    /// Any text.
    Raw(String),
}

/// A create body with typed but arbitrary values.
#[derive(Debug, Clone, Arbitrary)]
pub struct CreateTemplate {
    /// `serialNumber`.
    pub serial: SerialChoice,
    /// `secretKey`.
    pub secret: SecretChoice,
    /// `timeIntervalInSeconds`: 30, 60 or this number.
    pub interval: Option<Option<i64>>,
    /// `hashFunction`: a member (by index) or any text.
    pub hash: Option<Result<u8, String>>,
    /// `assignTo.id`.
    pub assign_to: Option<Owner>,
    /// `displayName`.
    pub display_name: Option<String>,
    /// One more property with any name and a string value.
    pub extra: Option<(String, String)>,
}

/// The body of a call.
#[derive(Debug, Clone, Arbitrary)]
pub enum BodyChoice {
    /// No body.
    Empty,
    /// Any bytes.
    Raw(Vec<u8>),
    /// A create body.
    Create(CreateTemplate),
    /// A bulk `#$delta` body.
    Bulk(Vec<CreateTemplate>),
    /// An update body.
    Update {
        /// `displayName`.
        display_name: Option<Option<String>>,
        /// `manufacturer`.
        manufacturer: Option<String>,
        /// `timeIntervalInSeconds`.
        interval: Option<i64>,
        /// `serialNumber`.
        serial: Option<SerialChoice>,
    },
    /// `{"device":{"id":..}}`.
    Assign(IdChoice),
    /// `{"verificationCode":..}` for the token the path names.
    Activate(CodeChoice),
    /// `{"device":{"id":..},"verificationCode":..}`.
    AssignAndActivate(IdChoice, CodeChoice),
    /// `{"serialNumber":..,"verificationCode":..}`.
    AssignAndActivateBySerial(SerialChoice, CodeChoice),
    /// `{"@odata.id": "https://graph.microsoft.com/beta/users/{user}"}` for the `$ref` routes.
    Reference(Owner),
    /// `{"state": ..}` for the policy, with the configuration's `@odata.type` or not.
    PolicyPatch(Result<bool, String>, bool),
    /// `{"unix":..,"frozen":..}` for the clock control.
    Clock(i64, Option<bool>),
    /// The token endpoint's form: a fixture app's id and secret (by index) or any text.
    ClientCredentials(u8, Option<String>),
}

/// Tokens minted once (valid for ten years of wall-clock time) by the mock's development key.
struct Tokens {
    admin: String,
    reader: String,
    no_role: String,
    delegated: Vec<String>,
    delegated_reader: Vec<String>,
    expired: String,
    other_tenant: String,
}

const LIFETIME: i64 = 10 * 365 * 24 * 3600;

fn tokens(tenant_id: &str, users: &[(String, Vec<String>)]) -> &'static Tokens {
    static TOKENS: OnceLock<Tokens> = OnceLock::new();
    TOKENS.get_or_init(|| {
        let key = SigningKey::development();
        let mint = |request: TokenRequest| request.expires_in(LIFETIME).mint(&key, tenant_id);
        let all_roles = [
            "Policy.ReadWrite.AuthenticationMethod",
            "UserAuthenticationMethod.ReadWrite.All",
        ];
        let write_scopes = [
            "UserAuthenticationMethod.ReadWrite",
            "UserAuthenticationMethod.ReadWrite.All",
            "Policy.ReadWrite.AuthenticationMethod",
        ];
        let read_scopes = [
            "UserAuthenticationMethod.Read",
            "UserAuthenticationMethod.Read.All",
            "Policy.Read.All",
        ];
        Tokens {
            admin: mint(TokenRequest::app(&all_roles)),
            reader: mint(TokenRequest::app(&[
                "Policy.Read.All",
                "UserAuthenticationMethod.Read.All",
            ])),
            no_role: mint(TokenRequest::app(&[])),
            delegated: users
                .iter()
                .map(|(u, wids)| mint(with_wids(TokenRequest::delegated(u, &write_scopes), wids)))
                .collect(),
            delegated_reader: users
                .iter()
                .map(|(u, wids)| mint(with_wids(TokenRequest::delegated(u, &read_scopes), wids)))
                .collect(),
            expired: TokenRequest::delegated(&users[0].0, &write_scopes)
                .expires_in(-60)
                .mint(&key, tenant_id),
            other_tenant: TokenRequest {
                tid: Some("00000000-0000-0000-0000-000000000bad".into()),
                ..TokenRequest::app(&all_roles)
            }
            .expires_in(LIFETIME)
            .mint(&key, tenant_id),
        }
    })
}

fn with_wids(request: TokenRequest, wids: &[String]) -> TokenRequest {
    let wids: Vec<&str> = wids.iter().map(String::as_str).collect();
    request.with_wids(&wids)
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime")
    })
}

/// The default directory plus three tokens, so that ids exist from the first call: `SN-0`
/// available, `SN-1` assigned to the first user, `SN-2` (SHA-256, 60 s) activated for the second.
fn fixture() -> Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE
        .get_or_init(|| {
            let mut fixture = Fixture::default();
            let user = |i: usize| fixture.users[i].id.clone();
            let token = |n: usize, secret: &str, user: Option<String>, status| DeviceRecord {
                id: format!("00000000-0000-4000-8000-00000000000{n}"),
                display_name: None,
                serial_number: format!("SN-{n}"),
                manufacturer: "Contoso".into(),
                model: "Hardware Token 1000".into(),
                secret_key: SecretText::new(secret),
                time_interval_in_seconds: if n == 2 { 60 } else { 30 },
                hash_function: if n == 2 {
                    HashFunction::Hmacsha256
                } else {
                    HashFunction::Hmacsha1
                },
                status,
                last_used_millis: None,
                method: user.as_ref().map(|_| MethodRecord {
                    created_millis: CLOCK * 1000,
                }),
                assigned_to: user,
                last_accepted_step: None,
                drift_steps: None,
            };
            let devices = vec![
                token(0, SECRETS[0], None, TokenStatus::Available),
                token(1, SECRETS[1], Some(user(0)), TokenStatus::Assigned),
                token(2, SECRETS[2], Some(user(1)), TokenStatus::Activated),
            ];
            fixture.devices = devices;
            fixture
        })
        .clone()
}

/// What a session knows while it runs: the tenant, its users and the last next link.
struct Driver {
    router: Router,
    state: AppState,
    tenant_id: String,
    users: Vec<(String, String)>,
    roles: Vec<(String, Vec<String>)>,
    apps: Vec<(String, String)>,
    next_link: Option<String>,
}

fn pick<T>(items: &[T], index: u8) -> &T {
    &items[usize::from(index) % items.len()]
}

fn segment(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

impl Driver {
    fn new(behaviour: BehaviourChoice) -> Self {
        let (router, state) = MockTenant::builder()
            .fixture(fixture())
            .controls(true)
            .clock(CLOCK)
            .status_after_assign_to(if behaviour.held_available {
                StatusAfterAssignTo::Available
            } else {
                StatusAfterAssignTo::Assigned
            })
            .numbers_as_strings(if behaviour.coerce_numbers {
                NumbersAsStrings::Coerce
            } else {
                NumbersAsStrings::Refuse
            })
            .policy_disabled(if behaviour.refuse_when_disabled {
                PolicyDisabled::Refuse
            } else {
                PolicyDisabled::Allow
            })
            .router()
            .expect("the default tenant builds");
        let (tenant_id, users, roles, apps) = state.read(|store| {
            let fixture = store.fixture();
            (
                fixture.tenant_id.clone(),
                fixture
                    .users
                    .iter()
                    .map(|u| (u.id.clone(), u.user_principal_name.clone()))
                    .collect::<Vec<_>>(),
                fixture
                    .users
                    .iter()
                    .map(|u| (u.id.clone(), u.roles.clone()))
                    .collect::<Vec<_>>(),
                fixture
                    .apps
                    .iter()
                    .map(|a| (a.client_id.clone(), a.client_secret.expose().to_owned()))
                    .collect::<Vec<_>>(),
            )
        });
        Self {
            router,
            state,
            tenant_id,
            users,
            roles,
            apps,
            next_link: None,
        }
    }

    fn token(&self, choice: TokenChoice) -> Option<String> {
        let tokens = tokens(&self.tenant_id, &self.roles);
        Some(match choice {
            TokenChoice::AdminApp => tokens.admin.clone(),
            TokenChoice::ReaderApp => tokens.reader.clone(),
            TokenChoice::NoRoleApp => tokens.no_role.clone(),
            TokenChoice::Delegated(i) => pick(&tokens.delegated, i).clone(),
            TokenChoice::DelegatedReader(i) => pick(&tokens.delegated_reader, i).clone(),
            TokenChoice::Expired => tokens.expired.clone(),
            TokenChoice::OtherTenant => tokens.other_tenant.clone(),
            TokenChoice::None => return None,
            TokenChoice::Garbage => "eyJhbGciOiJub25lIn0.e30.".to_owned(),
        })
    }

    fn owner(&self, owner: &Owner) -> String {
        match owner {
            Owner::Me => "/me".to_owned(),
            Owner::UserId(i) => format!("/users/{}", pick(&self.users, *i).0),
            Owner::UserUpn(i) => format!("/users/{}", segment(&pick(&self.users, *i).1)),
            Owner::Raw(text) => format!("/users/{}", segment(text)),
        }
    }

    fn owner_id(&self, owner: &Owner) -> String {
        match owner {
            Owner::Me => self.users[0].0.clone(),
            Owner::UserId(i) => pick(&self.users, *i).0.clone(),
            Owner::UserUpn(i) => pick(&self.users, *i).1.clone(),
            Owner::Raw(text) => text.clone(),
        }
    }

    fn id(&self, choice: &IdChoice) -> String {
        match choice {
            IdChoice::Existing(i) => self.state.read(|store| {
                let devices: Vec<_> = store.devices().collect();
                if devices.is_empty() {
                    "x".to_owned()
                } else {
                    pick(&devices, *i).id.clone()
                }
            }),
            IdChoice::Raw(text) => text.clone(),
        }
    }

    fn path(&self, route: &Route) -> String {
        const INVENTORY: &str = "/beta/directory/authenticationMethodDevices/hardwareOathDevices";
        let methods = |owner: &Owner| {
            format!(
                "/beta{}/authentication/hardwareOathMethods",
                self.owner(owner)
            )
        };
        match route {
            Route::Inventory => INVENTORY.to_owned(),
            Route::InventoryCount => format!("{INVENTORY}/$count"),
            Route::InventoryItem(id) => format!("{INVENTORY}/{}", segment(&self.id(id))),
            Route::Methods(owner) => methods(owner),
            Route::Method(owner, id) => format!("{}/{}", methods(owner), segment(&self.id(id))),
            Route::Activate(owner, id) => {
                format!("{}/{}/activate", methods(owner), segment(&self.id(id)))
            }
            Route::Deactivate(owner, id) => {
                format!("{}/{}/deactivate", methods(owner), segment(&self.id(id)))
            }
            Route::AssignAndActivate(owner) => format!("{}/assignAndActivate", methods(owner)),
            Route::AssignAndActivateBySerial(owner) => {
                format!("{}/assignAndActivateBySerialNumber", methods(owner))
            }
            Route::MethodsCount(owner) => format!("{}/$count", methods(owner)),
            Route::MethodDevice(owner, id) => {
                format!("{}/{}/device", methods(owner), segment(&self.id(id)))
            }
            Route::MethodAssignToRef(owner, id) => format!(
                "{}/{}/device/assignTo/$ref",
                methods(owner),
                segment(&self.id(id))
            ),
            Route::InventoryAssignTo(id) => {
                format!("{INVENTORY}/{}/assignTo", segment(&self.id(id)))
            }
            Route::InventoryAssignToRef(id) => {
                format!("{INVENTORY}/{}/assignTo/$ref", segment(&self.id(id)))
            }
            Route::Policy => {
                "/beta/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/hardwareOath"
                    .to_owned()
            }
            Route::NextLink => self
                .next_link
                .clone()
                .unwrap_or_else(|| INVENTORY.to_owned()),
            Route::OAuthToken(true) => format!("/{}/oauth2/v2.0/token", self.tenant_id),
            Route::OAuthToken(false) => "/common/oauth2/v2.0/token".to_owned(),
            Route::OpenIdConfiguration => {
                format!("/{}/v2.0/.well-known/openid-configuration", self.tenant_id)
            }
            Route::ControlClock => "/_hwoath/clock".to_owned(),
            Route::ControlReset => "/_hwoath/reset".to_owned(),
            Route::ControlCounters => "/_hwoath/counters".to_owned(),
            Route::ControlToken => "/_hwoath/token".to_owned(),
            Route::Raw(text) => text.clone(),
        }
    }

    /// The token a route or body addresses: by id from the path, or by serial.
    fn code(&self, choice: &CodeChoice, device: Option<&str>, serial: Option<&str>) -> String {
        let step = match choice {
            CodeChoice::Raw(text) => return text.clone(),
            CodeChoice::Valid(step) => i64::from(step.clamp(&-2, &2).to_owned()),
        };
        let found = self.state.read(|store| {
            store
                .devices()
                .find(|d| {
                    device.is_some_and(|id| d.id.eq_ignore_ascii_case(id))
                        || serial.is_some_and(|s| d.serial_number == s)
                })
                .map(|d| {
                    (
                        d.secret_key.expose().to_owned(),
                        d.time_interval_in_seconds,
                        d.hash_function,
                    )
                })
        });
        let Some((secret, interval, hash)) = found else {
            return "000000".to_owned();
        };
        let algorithm = match hash {
            HashFunction::Hmacsha256 => Algorithm::Sha256,
            _ => Algorithm::Sha1,
        };
        let interval = u64::try_from(interval).unwrap_or(30).max(1);
        let code = Secret::from_base32(&secret)
            .ok()
            .and_then(|s| Totp::new(&s, algorithm, 6, interval).ok())
            .and_then(|t| {
                let at = CLOCK + step * i64::try_from(interval).unwrap_or(30);
                t.generate_at(u64::try_from(at).ok()?).ok()
            });
        code.map_or_else(|| "000000".to_owned(), |c| c.to_string())
    }

    fn create_json(&self, template: &CreateTemplate) -> Value {
        let mut body = json!({
            "serialNumber": serial(&template.serial),
            "manufacturer": "Contoso",
            "model": "Hardware Token 1000",
            "secretKey": match &template.secret {
                SecretChoice::Known(i) => (*pick(&SECRETS, *i)).to_owned(),
                SecretChoice::Raw(text) => text.clone(),
            },
            "timeIntervalInSeconds": match template.interval {
                None => 30,
                Some(None) => 60,
                Some(Some(n)) => n,
            },
        });
        if let Some(hash) = &template.hash {
            body["hashFunction"] = match hash {
                Ok(i) => json!(pick(&["hmacsha1", "hmacsha256", "unknownFutureValue"], *i)),
                Err(text) => json!(text),
            };
        }
        if let Some(owner) = &template.assign_to {
            body["assignTo"] = json!({ "id": self.owner_id(owner) });
        }
        if let Some(name) = &template.display_name {
            body["displayName"] = json!(name);
        }
        if let Some((name, value)) = &template.extra {
            body[name.as_str()] = json!(value);
        }
        body
    }

    fn body(&self, call: &Call, path_id: Option<&str>) -> Vec<u8> {
        let value = match &call.body {
            BodyChoice::Empty => return Vec::new(),
            BodyChoice::Raw(bytes) => return bytes.clone(),
            BodyChoice::Create(template) => self.create_json(template),
            BodyChoice::Bulk(templates) => json!({
                "@context": "#$delta",
                "value": templates.iter().take(8).enumerate().map(|(i, t)| {
                    let mut item = self.create_json(t);
                    item["@contentId"] = json!((i + 1).to_string());
                    item
                }).collect::<Vec<_>>(),
            }),
            BodyChoice::Update {
                display_name,
                manufacturer,
                interval,
                serial: serial_choice,
            } => {
                let mut body = json!({});
                if let Some(name) = display_name {
                    body["displayName"] = json!(name);
                }
                if let Some(text) = manufacturer {
                    body["manufacturer"] = json!(text);
                }
                if let Some(n) = interval {
                    body["timeIntervalInSeconds"] = json!(n);
                }
                if let Some(choice) = serial_choice {
                    body["serialNumber"] = json!(serial(choice));
                }
                body
            }
            BodyChoice::Assign(id) => json!({ "device": { "id": self.id(id) } }),
            BodyChoice::Activate(code) => {
                json!({ "verificationCode": self.code(code, path_id, None) })
            }
            BodyChoice::AssignAndActivate(id, code) => {
                let id = self.id(id);
                json!({
                    "device": { "id": id },
                    "verificationCode": self.code(code, Some(&id), None),
                })
            }
            BodyChoice::AssignAndActivateBySerial(choice, code) => {
                let serial = serial(choice);
                json!({
                    "serialNumber": serial,
                    "verificationCode": self.code(code, None, Some(&serial)),
                })
            }
            BodyChoice::Reference(owner) => json!({
                "@odata.id": format!(
                    "https://graph.microsoft.com/beta/users/{}",
                    segment(&self.owner_id(owner))
                ),
            }),
            BodyChoice::PolicyPatch(state, typed) => {
                let mut body = json!({
                    "state": match state {
                        Ok(true) => "enabled".to_owned(),
                        Ok(false) => "disabled".to_owned(),
                        Err(text) => text.clone(),
                    },
                });
                if *typed {
                    body["@odata.type"] =
                        json!("#microsoft.graph.hardwareOathAuthenticationMethodConfiguration");
                }
                body
            }
            BodyChoice::Clock(unix, frozen) => match frozen {
                Some(frozen) => json!({ "unix": unix, "frozen": frozen }),
                None => json!({ "unix": unix }),
            },
            BodyChoice::ClientCredentials(i, secret) => {
                let (id, app_secret) = pick(&self.apps, *i);
                let form = [
                    ("grant_type", "client_credentials"),
                    ("client_id", id),
                    ("client_secret", secret.as_deref().unwrap_or(app_secret)),
                    ("scope", "https://graph.microsoft.com/.default"),
                ];
                return serde_urlencoded_form(&form).into_bytes();
            }
        };
        serde_json::to_vec(&value).expect("JSON serializes")
    }

    fn request(&self, call: &Call) -> Option<(Request<Body>, String)> {
        let natural = match &call.body {
            BodyChoice::Empty => MethodChoice::Get,
            BodyChoice::Update { .. } | BodyChoice::Bulk(_) | BodyChoice::PolicyPatch(..) => {
                MethodChoice::Patch
            }
            BodyChoice::Clock(..) | BodyChoice::Reference(_) => MethodChoice::Put,
            _ => MethodChoice::Post,
        };
        let method = match call.method.as_ref().unwrap_or(&natural) {
            MethodChoice::Get => HttpMethod::GET,
            MethodChoice::Post => HttpMethod::POST,
            MethodChoice::Patch => HttpMethod::PATCH,
            MethodChoice::Delete => HttpMethod::DELETE,
            MethodChoice::Put => HttpMethod::PUT,
            MethodChoice::Head => HttpMethod::HEAD,
            MethodChoice::Options => HttpMethod::OPTIONS,
            MethodChoice::Other(text) => HttpMethod::from_bytes(text.as_bytes()).ok()?,
        };
        let mut path = self.path(&call.route);
        if call.upper_case {
            path.make_ascii_uppercase();
        }
        let path_id = match &call.route {
            Route::Activate(_, id) | Route::Method(_, id) | Route::InventoryItem(id) => {
                Some(self.id(id))
            }
            _ => None,
        };
        for (i, (key, value)) in call.query.iter().take(6).enumerate() {
            let (key, value) = match key {
                QueryKey::Top => ("$top".to_owned(), segment(value)),
                QueryKey::Skiptoken => ("$skiptoken".to_owned(), segment(value)),
                QueryKey::Filter => ("$filter".to_owned(), segment(value)),
                QueryKey::FilterEq(property) => (
                    "$filter".to_owned(),
                    segment(&format!("{} eq '{value}'", property.name())),
                ),
                QueryKey::Select => ("$select".to_owned(), segment(value)),
                QueryKey::Count => ("$count".to_owned(), segment(value)),
                QueryKey::Expand => ("$expand".to_owned(), segment(value)),
                QueryKey::Other(name) => (segment(name), segment(value)),
            };
            let joiner = if i == 0 && !path.contains('?') {
                '?'
            } else {
                '&'
            };
            path.push_str(&format!("{joiner}{key}={value}"));
        }
        let uri: Uri = path.parse().ok()?;
        if uri.path().to_ascii_lowercase().contains("/_hwoath/faults") {
            return None;
        }
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(token) = self.token(call.token) {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        let content_type = match &call.content_type {
            ContentType::Json => Some("application/json"),
            ContentType::JsonCharset => Some("application/json; charset=utf-8"),
            ContentType::Absent => None,
            ContentType::Form => Some("application/x-www-form-urlencoded"),
            ContentType::Raw(text) => Some(text.as_str()),
        };
        if let Some(content_type) = content_type {
            builder = builder.header("content-type", content_type);
        }
        for (name, value) in call.headers.iter().take(4) {
            let name = match name {
                HeaderChoice::Accept => "accept",
                HeaderChoice::Host => "host",
                HeaderChoice::ClientRequestId => "client-request-id",
                HeaderChoice::ConsistencyLevel => "consistencylevel",
                HeaderChoice::ContentLength => "content-length",
                HeaderChoice::Authorization => "authorization",
                HeaderChoice::Other(name) => name.as_str(),
            };
            builder = builder.header(name, value.as_str());
        }
        let body = self.body(call, path_id.as_deref());
        let request = builder.body(Body::from(body)).ok()?;
        let shown = format!("{} {}", request.method(), request.uri());
        Some((request, shown))
    }

    async fn send(&mut self, call: &Call) {
        let Some((request, shown)) = self.request(call) else {
            return;
        };
        let head = request.method() == HttpMethod::HEAD;
        let token_endpoint = is_token_endpoint(request.uri().path());
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        if trace() {
            eprintln!("{shown} -> {status}");
        }
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("the mock's bodies are in memory");
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !status.is_server_error(),
            "{shown} answered {status}: {text}"
        );
        if status.is_client_error() && !head && !token_endpoint {
            assert!(
                content_type.starts_with("application/json"),
                "{shown} answered {status} with content type {content_type:?}: {text}"
            );
            let envelope = parse_strict::<ErrorEnvelope>(&text).unwrap_or_else(|e| {
                panic!("{shown} answered {status} without Graph's error envelope ({e}): {text}")
            });
            assert!(
                !envelope.error.code.is_empty() && !envelope.error.message.is_empty(),
                "{shown} answered {status} with an empty code or message: {text}"
            );
        }
        if status.is_success() && !head && content_type.starts_with("application/json") {
            let value: Value = serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{shown} answered {status} with invalid JSON ({e})"));
            assert!(
                !has_secret(&value),
                "{shown} answered {status} with a secretKey"
            );
            if let Some(link) = value.get("@odata.nextLink").and_then(Value::as_str) {
                self.next_link = link
                    .parse::<Uri>()
                    .ok()
                    .and_then(|u| u.path_and_query().map(|p| p.as_str().to_owned()));
            }
        }
        if let Err(violation) = self.state.read(Store::check_invariants) {
            panic!("after {shown} ({status}): tenant invariant broken: {violation}");
        }
    }
}

/// Whether `HWOATH_FUZZ_TRACE` asks for each call and its status on standard error.
fn trace() -> bool {
    static TRACE: OnceLock<bool> = OnceLock::new();
    *TRACE.get_or_init(|| std::env::var_os("HWOATH_FUZZ_TRACE").is_some())
}

/// `/{tenant}/oauth2/v2.0/token`, whose errors are Entra's, not Graph's.
fn is_token_endpoint(path: &str) -> bool {
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let (Some(tenant), Some(rest)) = (parts.next(), parts.next()) else {
        return false;
    };
    !tenant.is_empty() && rest == "oauth2/v2.0/token"
}

fn has_secret(value: &Value) -> bool {
    match value {
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| (k == "secretKey" && !v.is_null()) || has_secret(v)),
        Value::Array(items) => items.iter().any(has_secret),
        _ => false,
    }
}

fn serial(choice: &SerialChoice) -> String {
    match choice {
        SerialChoice::Few(n) => format!("SN-{}", n % 4),
        SerialChoice::Raw(text) => text.clone(),
    }
}

fn serde_urlencoded_form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", segment(k), segment(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Runs a session against a fresh tenant, panicking on a 5xx, a 4xx without Graph's error envelope,
/// a `secretKey` in an answer, or a broken tenant invariant.
pub fn run(session: &Session) {
    runtime().block_on(async {
        let mut driver = Driver::new(session.behaviour);
        for call in session.calls.iter().take(MAX_CALLS) {
            driver.send(call).await;
        }
    });
}

//! The suite's own reading of the spec, as data: every rule a case or check enforces, with its
//! strength, where it comes from and the sentence it rests on. Nothing here is shared with the mock;
//! the two are independent readings of `docs/spec.md` and the public pages it cites.
//!
//! A *documented* rule quotes a public page (a learn.microsoft.com page, an RFC, or a file of a public
//! repository). An *inferred* rule is our decision where the pages are silent; its basis says so and
//! why, and `docs/spec.md` lists it under "Our decisions".

use serde::{Deserialize, Serialize};

/// How strongly the spec backs a rule or case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    /// A Microsoft page says so: a violation is a failure.
    Documented,
    /// Our decision where the docs are silent: a violation is a divergence.
    Inferred,
}

impl Strength {
    /// The lower-case name every report uses: `documented` or `inferred`.
    pub fn as_str(self) -> &'static str {
        match self {
            Strength::Documented => "documented",
            Strength::Inferred => "inferred",
        }
    }
}

/// One rule of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Short stable name.
    pub id: &'static str,
    /// Documented (a public page says so) or inferred (our decision).
    pub strength: Strength,
    /// Where it comes from: a URL or repository path, then the `docs/spec.md` section in parentheses,
    /// e.g. `https://learn.microsoft.com/... (docs/spec.md, Endpoints)`.
    pub source: &'static str,
    /// Documented: the sentence quoted from the source, as it reads there. Inferred: a sentence that
    /// starts "Our decision: " and gives the reason.
    pub basis: &'static str,
}

/// A rule a public page states; `quote` is its sentence.
pub const fn documented(id: &'static str, source: &'static str, quote: &'static str) -> Rule {
    Rule {
        id,
        strength: Strength::Documented,
        source,
        basis: quote,
    }
}

/// A rule we decided where the pages are silent; `why` starts "Our decision: ".
pub const fn inferred(id: &'static str, source: &'static str, why: &'static str) -> Rule {
    Rule {
        id,
        strength: Strength::Inferred,
        source,
        basis: why,
    }
}

// Public pages, one macro each so `concat!` can join them with a docs/spec.md section.
macro_rules! graph_api {
    ($page:literal) => {
        concat!(
            "https://learn.microsoft.com/en-us/graph/api/",
            $page,
            "?view=graph-rest-beta"
        )
    };
}
macro_rules! create_page {
    () => {
        graph_api!("authenticationmethoddevice-post-hardwareoathdevices")
    };
}
macro_rules! bulk_page {
    () => {
        graph_api!("authenticationmethoddevice-update")
    };
}
macro_rules! device_resource {
    () => {
        graph_api!("resources/hardwareoathtokenauthenticationmethoddevice")
    };
}
macro_rules! update_page {
    () => {
        graph_api!("hardwareoathtokenauthenticationmethoddevice-update")
    };
}
macro_rules! delete_page {
    () => {
        graph_api!("authenticationmethoddevice-delete-hardwareoathdevices")
    };
}
macro_rules! assign_page {
    () => {
        graph_api!("authentication-post-hardwareoathmethods")
    };
}
macro_rules! unassign_page {
    () => {
        graph_api!("authentication-delete-hardwareoathmethods")
    };
}
macro_rules! activate_page {
    () => {
        graph_api!("hardwareoathauthenticationmethod-activate")
    };
}
macro_rules! deactivate_page {
    () => {
        graph_api!("hardwareoathauthenticationmethod-deactivate")
    };
}
macro_rules! assign_and_activate_page {
    () => {
        graph_api!("hardwareoathauthenticationmethod-assignandactivate")
    };
}
macro_rules! put_assign_to_page {
    () => {
        graph_api!("hardwareoathtokenauthenticationmethoddevice-put-assignto")
    };
}
macro_rules! user_get_page {
    () => {
        graph_api!("user-get")
    };
}
macro_rules! entra_concept {
    () => {
        "https://learn.microsoft.com/en-us/entra/identity/authentication/concept-authentication-oath-tokens"
    };
}
macro_rules! entra_manage {
    () => {
        "https://learn.microsoft.com/en-us/entra/identity/authentication/how-to-mfa-manage-oath-tokens"
    };
}
macro_rules! entra_upload {
    () => {
        "https://learn.microsoft.com/en-us/entra/identity/authentication/how-to-mfa-upload-oath-tokens"
    };
}
macro_rules! errors_page {
    () => {
        "https://learn.microsoft.com/en-us/graph/errors"
    };
}
macro_rules! throttling_page {
    () => {
        "https://learn.microsoft.com/en-us/graph/throttling"
    };
}
macro_rules! paging_page {
    () => {
        "https://learn.microsoft.com/en-us/graph/paging"
    };
}
macro_rules! query_page {
    () => {
        "https://learn.microsoft.com/en-us/graph/query-parameters"
    };
}
macro_rules! beta_sdk_go {
    () => {
        "microsoftgraph/msgraph-beta-sdk-go "
    };
}

// Sections of docs/spec.md, in parentheses after the source.
macro_rules! in_spec {
    ($source:expr, $section:literal) => {
        concat!($source, " (docs/spec.md, ", $section, ")")
    };
}

/// No 5xx: a server error on any request is a failure.
pub const NO_SERVER_ERROR: Rule = documented(
    "no-server-error",
    in_spec!(errors_page!(), "Errors, throttling and paging"),
    "There was an internal server error while processing the request.",
);
/// The status is one the operation's page or Graph's error page lists.
pub const DOCUMENTED_STATUS: Rule = documented(
    "documented-status",
    in_spec!(errors_page!(), "Errors, throttling and paging"),
    "The following table lists and describes the HTTP status codes that can be returned.",
);
/// 4xx/5xx bodies carry `{"error":{"code","message",...}}`.
pub const ERROR_ENVELOPE: Rule = documented(
    "error-envelope",
    in_spec!(errors_page!(), "Errors, throttling and paging"),
    "The error response is a single JSON object that contains a single property named error.",
);
/// The exact error codes (undocumented for these endpoints).
pub const ERROR_CODE: Rule = inferred(
    "error-code",
    in_spec!(
        "https://github.com/microsoftgraph/msgraph-sdk-go/issues/441",
        "Our decisions"
    ),
    "Our decision: no page names the codes of these endpoints, so the mock answers 400 \
     invalidRequest, 401 InvalidAuthenticationToken, 403 accessDenied (\"Request Authorization \
     failed\", as sibling authentication-method endpoints answer in msgraph-sdk-go issue 441 and \
     msgraph-sdk-powershell issue 2602), 404 Request_ResourceNotFound, 409 conflict, 429 \
     TooManyRequests, and 400 BadRequest for /me with an app-only token (\"/me request is only valid \
     with delegated authentication flow.\", msgraph-sdk-php issue 1163); a different code diverges.",
);
/// Entities and collections carry `@odata.context`; collections carry `value`.
pub const ODATA_ANNOTATIONS: Rule = documented(
    "odata-annotations",
    in_spec!(entra_manage!(), "Resources"),
    "\"@odata.context\": \"https://graph.microsoft.com/beta/$metadata#directory/\
     authenticationMethodDevices/hardwareOathDevices/$entity\"",
);
/// 2xx bodies parse strictly into the metadata's types.
pub const TYPED_BODY: Rule = documented(
    "typed-body",
    in_spec!(
        concat!(
            device_resource!(),
            "; ",
            beta_sdk_go!(),
            "models/hardware_oath_token_authentication_method_device.go"
        ),
        "Resources"
    ),
    "Status of the hardware OATH token.The possible values are: available, assigned, activated, \
     failedActivation.",
);
/// `secretKey` is never returned (always null).
pub const SECRET_NEVER_RETURNED: Rule = documented(
    "secret-never-returned",
    in_spec!(entra_concept!(), "Resources"),
    "Read a token from the tenant’s inventory; doesn't return the secret.",
);
/// Every response carries `request-id`.
pub const REQUEST_ID: Rule = documented(
    "request-id",
    in_spec!(
        "https://learn.microsoft.com/en-us/graph/best-practices-concept",
        "Errors, throttling and paging"
    ),
    "Always log the request-id, timestamp and x-ms-ags-diagnostic from the HTTP response headers.",
);
/// Responses echo the caller's `client-request-id`.
pub const CLIENT_REQUEST_ID: Rule = documented(
    "client-request-id",
    in_spec!(
        "https://learn.microsoft.com/en-us/dotnet/api/microsoft.graph.error.clientrequestid?view=graph-core-dotnet",
        "Errors, throttling and paging"
    ),
    "Gets or set the client-request-id header returned in the response headers collection.",
);
/// Bodies are JSON with a JSON content type.
pub const JSON_CONTENT_TYPE: Rule = documented(
    "json-content-type",
    in_spec!(create_page!(), "Endpoints"),
    "Content-Type: application/json",
);
/// A response comes within the client's deadline.
pub const WITHIN_TIMEOUT: Rule = inferred(
    "within-timeout",
    in_spec!("harness/suite/src/client.rs", "Our decisions"),
    "Our decision: no page promises a response time; a client must bound its wait, so an answer \
     later than hwoath's --timeout (default 10 s) diverges.",
);

/// Create answers 201 with the device.
pub const CREATE_CREATED: Rule = documented(
    "create-201",
    in_spec!(create_page!(), "Endpoints"),
    "If successful, this method returns a 201 Created response code and a \
     hardwareOathTokenAuthenticationMethodDevice object in the response body.",
);
/// Required properties of create: serialNumber, manufacturer, model, secretKey, timeIntervalInSeconds.
pub const CREATE_REQUIRED: Rule = inferred(
    "create-required",
    in_spec!(create_page!(), "Our decisions"),
    "Our decision: the create page marks serialNumber, manufacturer, model, secretKey and \
     timeIntervalInSeconds Required but names no status for a body without one; 400 is what Graph \
     answers malformed requests.",
);
/// A property of the wrong JSON type, or null where not nullable, is refused with 400.
pub const WRONG_TYPE: Rule = inferred(
    "wrong-type-400",
    in_spec!(create_page!(), "Our decisions"),
    "Our decision: the pages give each property's type (timeIntervalInSeconds is Int32) but not the \
     answer to a value of another type, null or an empty required string; we refuse them with 400, \
     numbers sent as strings included (the mock can coerce them instead, as an option).",
);
/// timeIntervalInSeconds is 30 or 60.
pub const INTERVAL: Rule = inferred(
    "interval-30-60",
    in_spec!(create_page!(), "Our decisions"),
    "Our decision: the pages allow only 30 or 60 but say nothing of other values; any other \
     interval is refused with 400.",
);
/// hashFunction is hmacsha1 or hmacsha256 on input.
pub const HASH_FUNCTION: Rule = inferred(
    "hash-function",
    in_spec!(create_page!(), "Our decisions"),
    "Our decision: the pages list hmacsha1 and hmacsha256 only; any other value, unknownFutureValue \
     included, is refused with 400.",
);
/// secretKey is Base32, 16 to 128 characters; case-insensitive; `=` padding allowed.
pub const SECRET_FORMAT: Rule = inferred(
    "secret-base32",
    in_spec!(entra_upload!(), "Our decisions"),
    "Our decision: Entra's CSV rule (Base32, at most 128 characters) applies to Graph too, and a key \
     shorter than 16 characters (80 bits) is refused with 400; no Microsoft page gives a minimum and \
     RFC 4226 asks for 128 bits, but 16 accepts the 80-bit seeds deployed tokens carry while \
     refusing keys too short to be a seed.",
);
/// Unknown properties are refused with 400; OData annotations are not unknown.
pub const UNKNOWN_PROPERTY: Rule = inferred(
    "unknown-property-400",
    in_spec!(device_resource!(), "Our decisions"),
    "Our decision: a property the type does not declare is refused with 400, so a typo never passes \
     silently; OData instance annotations (@odata.type, @contentId) are not properties.",
);
/// SDK bodies (`@odata.type`, explicit nulls) are accepted.
pub const SDK_BODIES: Rule = documented(
    "sdk-bodies-accepted",
    in_spec!(
        concat!(
            beta_sdk_go!(),
            "models/hardware_oath_token_authentication_method_device.go"
        ),
        "Request bodies and validation"
    ),
    "odataTypeValue := \"#microsoft.graph.hardwareOathTokenAuthenticationMethodDevice\"",
);
/// Duplicate serialNumber answers 409.
pub const DUPLICATE_SERIAL: Rule = inferred(
    "duplicate-serial-409",
    in_spec!(create_page!(), "Our decisions"),
    "Our decision: users find their token by serial number (assignAndActivateBySerialNumber), so a \
     serial is unique in a tenant and a second create with it answers 409.",
);
/// Malformed JSON answers 400; an oversized body 413; a body without a JSON content type 415.
pub const MALFORMED_BODY: Rule = inferred(
    "malformed-body",
    in_spec!(errors_page!(), "Our decisions"),
    "Our decision: Graph's status table has 400, 413 and 415 but no page says which these endpoints \
     use; malformed JSON answers 400, a body over 1 MiB 413, a body without a JSON Content-Type 415.",
);
/// Update answers 204; only manufacturer, model, timeIntervalInSeconds, hashFunction, displayName change.
pub const UPDATE: Rule = documented(
    "update-204",
    in_spec!(update_page!(), "Endpoints"),
    "If successful, this method returns a 204 No Content response code.",
);
/// serialNumber and secretKey cannot be updated (400).
pub const UPDATE_IMMUTABLE: Rule = inferred(
    "update-immutable-400",
    in_spec!(entra_concept!(), "Our decisions"),
    "Our decision: Entra says \"Secret can't be updated\" and the update page lists neither \
     serialNumber nor secretKey, but no page gives the answer; 400.",
);
/// Update and delete need an unassigned token.
pub const UNASSIGNED_ONLY: Rule = inferred(
    "unassigned-only",
    in_spec!(delete_page!(), "Our decisions"),
    "Our decision: the pages say \"Token needs to be unassigned.\" without a status; an update or \
     delete of an assigned token is refused with 409 (400 accepted).",
);
/// Delete answers 204 and the device is gone (404).
pub const DELETE: Rule = documented(
    "delete-204",
    in_spec!(delete_page!(), "Endpoints"),
    "If successful, this method returns a 204 No Content response code.",
);
/// GET of an absent id answers 404.
pub const NOT_FOUND: Rule = documented(
    "not-found-404",
    in_spec!(errors_page!(), "Errors, throttling and paging"),
    "The requested resource doesn’t exist.",
);
/// Assign answers 201 and the device becomes `assigned`.
pub const ASSIGN: Rule = documented(
    "assign-201",
    in_spec!(assign_page!(), "Endpoints"),
    "If successful, this method returns a 201 Created response code and a \
     hardwareOathAuthenticationMethod object in the response body.",
);
/// Unassign answers 204; the device stays, back to `available`.
pub const UNASSIGN: Rule = documented(
    "unassign-204",
    in_spec!(unassign_page!(), "Endpoints"),
    "Unassign a hardware token from a user. The token remains in the directory and its details can \
     be retrieved by List hardwareOathDevices API.",
);
/// Activation with the current code answers 204 and status `activated`.
pub const ACTIVATE: Rule = documented(
    "activate-204",
    in_spec!(activate_page!(), "Endpoints"),
    "If successful, this action returns a 204 No Content response code.",
);
/// A wrong code answers 400 and status `failedActivation`; a later right code activates.
pub const WRONG_CODE: Rule = inferred(
    "wrong-code-400",
    in_spec!(activate_page!(), "Our decisions"),
    "Our decision: no page says what a wrong code gets; 400, the token's status becomes \
     failedActivation (an activated token keeps its status), and a later right code activates.",
);
/// A step is never accepted twice for a token.
pub const REPLAY: Rule = inferred(
    "no-replay",
    in_spec!(
        "https://www.rfc-editor.org/rfc/rfc6238#section-5.2",
        "Our decisions"
    ),
    "Our decision: Graph's pages are silent on replay; RFC 6238 says \"The verifier MUST NOT accept \
     the second attempt of the OTP after the successful validation has been issued for the first \
     OTP\", so a code whose step is at or below the last accepted one is refused with 400.",
);
/// verificationCode is a string of six digits, a leading 0 included.
pub const CODE_FORMAT: Rule = documented(
    "code-six-digit-string",
    in_spec!(activate_page!(), "Request bodies and validation"),
    "The 6-digit TOTP code that refreshes every 30 or 60 seconds on the Hardware OATH token.",
);
/// RFC 6238 codes of the token's hash and period are what activation checks.
pub const RFC6238: Rule = documented(
    "rfc6238",
    in_spec!(
        "https://www.rfc-editor.org/rfc/rfc6238; https://www.rfc-editor.org/rfc/rfc4226",
        "Activation and time drift"
    ),
    "Basically, we define TOTP as TOTP = HOTP(K, T), where T is an integer and represents the number \
     of time steps between the initial counter time T0 and the current Unix time.",
);
/// A token holds one user at a time.
pub const ONE_USER: Rule = inferred(
    "one-user-per-token",
    in_spec!(entra_concept!(), "Our decisions"),
    "Our decision: Entra says \"a token can only be assigned to one user\" but not what a second \
     assignment gets; it is refused with 409 (400 accepted).",
);
/// A user holds at most five OATH methods.
pub const FIVE_METHODS: Rule = inferred(
    "five-methods-per-user",
    in_spec!(entra_upload!(), "Our decisions"),
    "Our decision: Entra allows \"up to five OATH hardware tokens or authenticator applications\" per \
     user but names no status for a sixth; 400.",
);
/// Deactivate answers 204, the token stays assigned.
pub const DEACTIVATE: Rule = inferred(
    "deactivate-204",
    in_spec!(deactivate_page!(), "Our decisions"),
    "Our decision: the page gives 204 and \"It remains assigned to a user.\" but not the status \
     afterwards; it is assigned again.",
);
/// assignAndActivate and assignAndActivateBySerialNumber answer 204 and leave the token activated.
pub const ASSIGN_AND_ACTIVATE: Rule = documented(
    "assign-and-activate-204",
    in_spec!(assign_and_activate_page!(), "Endpoints"),
    "Assign and activate a hardware token at the same time.",
);
/// Create with assignTo answers 201; the token holds the user (assignedTo filled) and its status is
/// `assigned` (Graph page example) or `available` (Entra how-to example): the docs conflict, either is
/// accepted and the case reports which it saw.
pub const CREATE_ASSIGNED: Rule = documented(
    "create-with-assignTo",
    in_spec!(concat!(create_page!(), "; ", entra_manage!()), "Endpoints"),
    "Create and assign a hardware token to a user in the same request.",
);
/// assignTo naming no user answers 404 (or 400).
pub const UNKNOWN_USER: Rule = inferred(
    "unknown-user",
    in_spec!(create_page!(), "Our decisions"),
    "Our decision: no page says what an assignTo or device id naming nothing gets; 404, as for any \
     absent resource (400 accepted).",
);
/// Bulk create by PATCH with a delta body succeeds (docs 201, seen 200).
pub const BULK: Rule = documented(
    "bulk-create",
    in_spec!(bulk_page!(), "Endpoints"),
    "Create one or more hardwareOathTokenAuthenticationMethodDevice objects.",
);
/// Missing, invalid or expired tokens answer 401.
pub const UNAUTHENTICATED: Rule = documented(
    "unauthenticated-401",
    in_spec!(errors_page!(), "Permissions"),
    "Required authentication information is either missing or not valid for the resource.",
);
/// A valid token without the permission answers 403.
pub const FORBIDDEN: Rule = documented(
    "forbidden-403",
    in_spec!(errors_page!(), "Permissions"),
    "Access is denied to the requested resource.",
);
/// The least-privileged permission of each operation suffices.
pub const LEAST_PRIVILEGE: Rule = documented(
    "least-privilege",
    in_spec!(create_page!(), "Permissions"),
    "Choose the permission or permissions marked as least privileged for this API.",
);
/// `/me` needs a delegated token (400 or 403 with app-only).
pub const ME_DELEGATED: Rule = documented(
    "me-needs-delegated",
    in_spec!(activate_page!(), "Permissions"),
    "Calling the /me endpoint requires a signed-in user and therefore a delegated permission.",
);
/// `$top` pages with `@odata.nextLink` until it is absent.
pub const PAGING: Rule = documented(
    "paging",
    in_spec!(paging_page!(), "Errors, throttling and paging"),
    "Microsoft Graph will continue to return a reference to the next page of results in the \
     @odata.nextLink property with each response until there are no more pages of results to \
     retrieve.",
);
/// `$filter` with `eq` on the filterable properties.
pub const FILTER: Rule = documented(
    "filter-eq",
    in_spec!(device_resource!(), "Errors, throttling and paging"),
    "Serial number of the specific hardware token, often found on the back of the device. Supports \
     $select and $filter (eq).",
);
/// `$select` returns only the chosen properties.
pub const SELECT: Rule = documented(
    "select",
    in_spec!(query_page!(), "Errors, throttling and paging"),
    "Use the $select query parameter to return a set of properties that are different than the \
     default set for an individual resource or a collection of resources.",
);
/// `$count=true` adds `@odata.count`.
pub const COUNT: Rule = documented(
    "count",
    in_spec!(query_page!(), "Errors, throttling and paging"),
    "Retrieves the total count of matching resources.",
);
/// The doc examples, sent as written (with their labelled defects).
pub const DOC_EXAMPLE: Rule = documented(
    "doc-example",
    in_spec!(create_page!(), "Known defects of the documentation"),
    "The response object shown here might be shortened for readability.",
);
/// A malformed query option answers 400.
pub const BAD_QUERY: Rule = inferred(
    "bad-query-400",
    in_spec!(query_page!(), "Our decisions"),
    "Our decision: no page says what these endpoints answer to a malformed or unsupported query \
     option; 400, never a silently ignored option.",
);

/// Activation accepts codes within ±1 day (30 s tokens) or ±2 days (60 s tokens): ±2880 steps.
pub const ACTIVATION_WINDOW: Rule = documented(
    "activation-window",
    in_spec!(entra_concept!(), "Activation and time drift"),
    "\"Microsoft Entra ID adjusts time drift of the tokens during activation and every \
     authentication.\" \"30 seconds | +/- 1 day | +/- 1 minute\" \"60 seconds | +/- 2 days | +/- 2 \
     minutes\"",
);
/// At most 200 activation attempts per 5 minutes per tenant; more answer 429 with `Retry-After`.
pub const ACTIVATION_LIMIT: Rule = inferred(
    "activation-rate-limit",
    in_spec!(throttling_page!(), "Our decisions"),
    "Our decision: Graph throttles with 429 but publishes no number for activation; without a limit a \
     6-digit code falls to guessing, so 200 attempts per 5 minutes per tenant, then 429 with \
     Retry-After (configurable in the mock).",
);
/// Path segments match in any letter case.
pub const PATH_CASE: Rule = documented(
    "path-case-insensitive",
    in_spec!(entra_manage!(), "Endpoints"),
    "DELETE https://graph.microsoft.com/beta/users/66aa66aa-bb77-cc88-dd99-00ee00ee00ee/\
     authentication/hardwareoathmethods/6c0272a7-8a5e-490c-bc45-9fe7a42fc4e0",
);
/// A user is addressed by object id or userPrincipalName.
pub const USER_BY_UPN: Rule = documented(
    "user-by-upn",
    in_spec!(
        concat!(entra_manage!(), "; ", user_get_page!()),
        "Endpoints"
    ),
    "GET https://graph.microsoft.com/beta/users/{user-upn-or-objectid}/authentication/\
     hardwareOathMethods",
);
/// `PUT .../assignTo/$ref` with an `@odata.id` of a user answers 204 and assigns the token.
pub const ASSIGN_BY_REF: Rule = documented(
    "assign-by-ref-204",
    in_spec!(
        concat!(
            put_assign_to_page!(),
            "; microsoftgraph/microsoft-graph-docs-contrib \
             api-reference/beta/api/hardwareoathtokenauthenticationmethoddevice-post-assignto.md"
        ),
        "Endpoints"
    ),
    "If successful, this method returns a 204 No Content response code and a user object in the \
     response body.",
);
/// `GET .../hardwareOathDevices/{id}/assignTo` (a user) and `GET .../hardwareOathMethods/{id}/device`.
pub const NAVIGATION: Rule = documented(
    "navigation-reads",
    in_spec!(
        concat!(
            beta_sdk_go!(),
            "directory/authentication_method_devices_hardware_oath_devices_item_assign_to_request_builder.go; ",
            beta_sdk_go!(),
            "users/item_authentication_hardware_oath_methods_item_device_request_builder.go"
        ),
        "Endpoints"
    ),
    "{+baseurl}/directory/authenticationMethodDevices/hardwareOathDevices/\
     {hardwareOathTokenAuthenticationMethodDevice%2Did}/assignTo{?%24expand,%24select}",
);
/// `GET .../hardwareOathMethods/$count` answers the number of a user's methods.
pub const METHODS_COUNT: Rule = documented(
    "methods-count",
    in_spec!(
        concat!(
            beta_sdk_go!(),
            "users/item_authentication_hardware_oath_methods_count_request_builder.go"
        ),
        "Endpoints"
    ),
    "{+baseurl}/users/{user%2Did}/authentication/hardwareOathMethods/$count{?%24filter,%24search}",
);
/// `GET|PATCH /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/hardwareOath`.
pub const POLICY: Rule = documented(
    "policy-hardware-oath",
    in_spec!(entra_manage!(), "Endpoints"),
    "You can view and enable hardware OATH tokens in the Authentication methods policy by using \
     Microsoft Graph APIs or the Microsoft Entra admin center.",
);
/// A 429 carries `Retry-After` in whole seconds.
pub const RETRY_AFTER: Rule = documented(
    "retry-after-seconds",
    in_spec!(
        concat!(
            throttling_page!(),
            "; https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3"
        ),
        "Errors, throttling and paging"
    ),
    "\"Returns a suggested wait time in the response header of the failed request.\" (Graph); \
     \"A delay-seconds value is a non-negative decimal integer, representing time in seconds.\" \
     (RFC 9110)",
);

/// A key written twice is refused (RFC 8259 says names SHOULD be unique; the status is ours).
pub const DUPLICATE_KEY: Rule = inferred(
    "duplicate-key-400",
    in_spec!(
        "https://www.rfc-editor.org/rfc/rfc8259#section-4",
        "Our decisions"
    ),
    "Our decision: RFC 8259 says \"The names within an object SHOULD be unique.\" and parsers differ \
     on which duplicate wins, so a body with a key written twice is refused with 400.",
);
/// A value nested far deeper than any property's type is refused with 400, not a crash.
pub const DEEP_NESTING: Rule = inferred(
    "deep-nesting-400",
    in_spec!(create_page!(), "Our decisions"),
    "Our decision: no property of these types nests deeper than two levels; a deeper value is a \
     wrong type and is refused with 400, never a 5xx.",
);
/// A broken item of a bulk body is not created while the body as a whole is answered.
pub const BULK_ITEM: Rule = inferred(
    "bulk-item-outcome",
    in_spec!(bulk_page!(), "Our decisions"),
    "Our decision: the bulk page documents no per-item failure; the body answers 200 with one outcome \
     per item (201 accepted), and a broken item is not created.",
);
/// Every answer and every read-back agrees with the suite's model of the lifecycle.
pub const MODEL: Rule = documented(
    "stateful-model",
    in_spec!(entra_concept!(), "Endpoints"),
    "Remove the token from the user. The token goes back to the token inventory.",
);

/// Every rule, for listing and for the consistency test below.
pub const ALL: &[Rule] = &[
    NO_SERVER_ERROR,
    DOCUMENTED_STATUS,
    ERROR_ENVELOPE,
    ERROR_CODE,
    ODATA_ANNOTATIONS,
    TYPED_BODY,
    SECRET_NEVER_RETURNED,
    REQUEST_ID,
    CLIENT_REQUEST_ID,
    JSON_CONTENT_TYPE,
    WITHIN_TIMEOUT,
    CREATE_CREATED,
    CREATE_REQUIRED,
    WRONG_TYPE,
    INTERVAL,
    HASH_FUNCTION,
    SECRET_FORMAT,
    UNKNOWN_PROPERTY,
    SDK_BODIES,
    DUPLICATE_SERIAL,
    MALFORMED_BODY,
    UPDATE,
    UPDATE_IMMUTABLE,
    UNASSIGNED_ONLY,
    DELETE,
    NOT_FOUND,
    ASSIGN,
    UNASSIGN,
    ACTIVATE,
    WRONG_CODE,
    REPLAY,
    CODE_FORMAT,
    RFC6238,
    ONE_USER,
    FIVE_METHODS,
    DEACTIVATE,
    ASSIGN_AND_ACTIVATE,
    CREATE_ASSIGNED,
    UNKNOWN_USER,
    BULK,
    UNAUTHENTICATED,
    FORBIDDEN,
    LEAST_PRIVILEGE,
    ME_DELEGATED,
    PAGING,
    FILTER,
    SELECT,
    COUNT,
    DOC_EXAMPLE,
    BAD_QUERY,
    ACTIVATION_WINDOW,
    ACTIVATION_LIMIT,
    PATH_CASE,
    USER_BY_UPN,
    ASSIGN_BY_REF,
    NAVIGATION,
    METHODS_COUNT,
    POLICY,
    RETRY_AFTER,
    DUPLICATE_KEY,
    DEEP_NESTING,
    BULK_ITEM,
    MODEL,
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    const SPEC: &str = include_str!("../../../docs/spec.md");

    /// The `docs/spec.md` section a source names: the text of `(docs/spec.md, <section>)`.
    fn section(source: &str) -> Option<&str> {
        let start = source.rfind("(docs/spec.md, ")? + "(docs/spec.md, ".len();
        source[start..].strip_suffix(')')
    }

    /// `owner/name path/in/repo` at the start of a source (a public repository's file).
    fn names_repository_path(source: &str) -> bool {
        let mut words = source.split_whitespace();
        let (Some(repo), Some(path)) = (words.next(), words.next()) else {
            return false;
        };
        repo.matches('/').count() == 1 && (path.contains('/') || path.contains('.'))
    }

    #[test]
    fn rule_ids_are_unique() {
        let mut seen = HashSet::new();
        for rule in ALL {
            assert!(seen.insert(rule.id), "rule id {} appears twice", rule.id);
        }
    }

    #[test]
    fn documented_rules_quote_a_public_page() {
        for rule in ALL.iter().filter(|r| r.strength == Strength::Documented) {
            assert!(!rule.basis.trim().is_empty(), "{} has no quote", rule.id);
            assert!(
                !rule.basis.starts_with("Our decision"),
                "{} is documented but its basis is a decision",
                rule.id
            );
            assert!(
                rule.source.starts_with("https://") || names_repository_path(rule.source),
                "{}: source {:?} is neither a URL nor a repository path",
                rule.id,
                rule.source
            );
        }
    }

    #[test]
    fn inferred_rules_say_they_are_our_decision() {
        for rule in ALL.iter().filter(|r| r.strength == Strength::Inferred) {
            assert!(
                rule.basis.starts_with("Our decision: "),
                "{}: basis {:?} does not start with \"Our decision: \"",
                rule.id,
                rule.basis
            );
        }
    }

    #[test]
    fn every_source_names_a_section_of_the_spec() {
        let headings: HashSet<&str> = SPEC
            .lines()
            .filter_map(|line| line.strip_prefix("## "))
            .map(str::trim)
            .collect();
        for rule in ALL {
            let name = section(rule.source)
                .unwrap_or_else(|| panic!("{}: source names no docs/spec.md section", rule.id));
            assert!(
                headings.contains(name),
                "{}: docs/spec.md has no section \"## {name}\"",
                rule.id
            );
        }
    }

    #[test]
    fn every_rule_is_listed_in_the_spec() {
        for rule in ALL {
            assert!(
                SPEC.contains(&format!("`{}`", rule.id)),
                "docs/spec.md never names rule `{}`",
                rule.id
            );
        }
    }
}

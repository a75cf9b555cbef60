//! The suite's own reading of the spec, as data: every rule a case or check enforces, with its strength
//! and source. Nothing here is shared with the mock; the two are independent readings of
//! `graph-hardware-oath.md` and Microsoft's pages.

use crate::report::model::Strength;

/// One rule of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Short stable name.
    pub id: &'static str,
    /// Documented (a Microsoft page or an RFC says so) or inferred (our decision).
    pub strength: Strength,
    /// Where it comes from.
    pub source: &'static str,
}

const fn documented(id: &'static str, source: &'static str) -> Rule {
    Rule {
        id,
        strength: Strength::Documented,
        source,
    }
}

const fn inferred(id: &'static str, source: &'static str) -> Rule {
    Rule {
        id,
        strength: Strength::Inferred,
        source,
    }
}

const CREATE_PAGE: &str =
    "Graph beta: Create hardwareOathTokenAuthenticationMethodDevice (seed 004)";
const METHODS_PAGES: &str =
    "Graph beta: hardwareOathAuthenticationMethod operations (seeds 000-003)";
const ERRORS_PAGE: &str = "Graph: Microsoft Graph error responses and resource types";
const DECISION: &str = "spec graph-hardware-oath.md §3 Decisions";

/// No 5xx: a server error on any request is a failure.
pub const NO_SERVER_ERROR: Rule = documented("no-server-error", ERRORS_PAGE);
/// The status is one the operation's page or Graph's error page lists.
pub const DOCUMENTED_STATUS: Rule = documented("documented-status", ERRORS_PAGE);
/// 4xx/5xx bodies carry `{"error":{"code","message",...}}`.
pub const ERROR_ENVELOPE: Rule = documented("error-envelope", ERRORS_PAGE);
/// The exact error codes of spec §6 (undocumented for these endpoints).
pub const ERROR_CODE: Rule = inferred("error-code", "spec graph-hardware-oath.md §6 Decision");
/// Entities and collections carry `@odata.context`; collections carry `value`.
pub const ODATA_ANNOTATIONS: Rule = documented(
    "odata-annotations",
    "OData v4 JSON format; every doc example",
);
/// 2xx bodies parse strictly into the CSDL types.
pub const TYPED_BODY: Rule = documented("typed-body", "msgraph-metadata beta CSDL, spec §1");
/// `secretKey` is never returned (always null).
pub const SECRET_NEVER_RETURNED: Rule = documented("secret-never-returned", CREATE_PAGE);
/// Every response carries `request-id`.
pub const REQUEST_ID: Rule = documented("request-id", ERRORS_PAGE);
/// Responses echo the caller's `client-request-id`.
pub const CLIENT_REQUEST_ID: Rule = documented("client-request-id", ERRORS_PAGE);
/// Bodies are JSON with a JSON content type.
pub const JSON_CONTENT_TYPE: Rule = documented("json-content-type", ERRORS_PAGE);
/// A response comes within the client's deadline.
pub const WITHIN_TIMEOUT: Rule = inferred("within-timeout", "hwoath client deadline (--timeout)");

/// Create answers 201 with the device.
pub const CREATE_CREATED: Rule = documented("create-201", CREATE_PAGE);
/// Required properties of create: serialNumber, manufacturer, model, secretKey, timeIntervalInSeconds.
pub const CREATE_REQUIRED: Rule = inferred(
    "create-required",
    "spec §3: required properties; status 400 is a Decision",
);
/// A property of the wrong JSON type, or null where not nullable, is refused with 400.
pub const WRONG_TYPE: Rule = inferred("wrong-type-400", DECISION);
/// timeIntervalInSeconds is 30 or 60.
pub const INTERVAL: Rule = inferred("interval-30-60", DECISION);
/// hashFunction is hmacsha1 or hmacsha256 on input.
pub const HASH_FUNCTION: Rule = inferred("hash-function", DECISION);
/// secretKey is Base32, 16 to 128 characters; case-insensitive; `=` padding allowed.
pub const SECRET_FORMAT: Rule =
    inferred("secret-base32", "spec §1, §3, §8 (Entra CSV rule) Decision");
/// Unknown properties are refused with 400; OData annotations are not unknown.
pub const UNKNOWN_PROPERTY: Rule = inferred("unknown-property-400", DECISION);
/// SDK bodies (`@odata.type`, explicit nulls) are accepted.
pub const SDK_BODIES: Rule = documented(
    "sdk-bodies-accepted",
    "spec §3: official Graph SDK request shape",
);
/// Duplicate serialNumber answers 409.
pub const DUPLICATE_SERIAL: Rule = inferred("duplicate-serial-409", DECISION);
/// Malformed JSON answers 400; an oversized body 413; a body without a JSON content type 415.
pub const MALFORMED_BODY: Rule = inferred("malformed-body", DECISION);
/// Update answers 204; only manufacturer, model, timeIntervalInSeconds, hashFunction, displayName change.
pub const UPDATE: Rule = documented(
    "update-204",
    "Graph beta: Update hardwareOathTokenAuthenticationMethodDevice",
);
/// serialNumber and secretKey cannot be updated (400).
pub const UPDATE_IMMUTABLE: Rule = inferred(
    "update-immutable-400",
    "spec §2 update rules; status is a Decision",
);
/// Update and delete need an unassigned token.
pub const UNASSIGNED_ONLY: Rule = inferred(
    "unassigned-only",
    "spec §2 update/delete rules; status is a Decision",
);
/// Delete answers 204 and the device is gone (404).
pub const DELETE: Rule = documented(
    "delete-204",
    "Graph beta: Delete hardwareOathTokenAuthenticationMethodDevice",
);
/// GET of an absent id answers 404.
pub const NOT_FOUND: Rule = documented("not-found-404", ERRORS_PAGE);
/// Assign answers 201 and the device becomes `assigned`.
pub const ASSIGN: Rule = documented("assign-201", METHODS_PAGES);
/// Unassign answers 204; the device stays, back to `available`.
pub const UNASSIGN: Rule = documented("unassign-204", METHODS_PAGES);
/// Activation with the current code answers 204 and status `activated`.
pub const ACTIVATE: Rule = documented("activate-204", METHODS_PAGES);
/// A wrong code answers 400 and status `failedActivation`; a later right code activates.
pub const WRONG_CODE: Rule = inferred("wrong-code-400", "spec §4 Decision");
/// The accepted window is the current step ±1.
pub const WINDOW: Rule = inferred(
    "window-1",
    "spec §4 Decision (Entra UI allows about one step)",
);
/// A step is never accepted twice for a token.
pub const REPLAY: Rule = inferred("no-replay", "RFC 6238 §5.2; spec §4 Decision");
/// verificationCode is a string of six digits, a leading 0 included.
pub const CODE_FORMAT: Rule = documented("code-six-digit-string", METHODS_PAGES);
/// RFC 6238 codes of the token's hash and period are what activation checks.
pub const RFC6238: Rule = documented("rfc6238", "RFC 6238 Appendix B; RFC 4226 Appendix D");
/// A token holds one user at a time.
pub const ONE_USER: Rule = inferred(
    "one-user-per-token",
    "spec §8 (Entra: one user per token); status is a Decision",
);
/// A user holds at most five OATH methods.
pub const FIVE_METHODS: Rule = inferred(
    "five-methods-per-user",
    "spec §3, §8 (Entra limit); status 400 is a Decision",
);
/// Deactivate answers 204, the token stays assigned.
pub const DEACTIVATE: Rule = inferred(
    "deactivate-204",
    "spec §2 Decision: status back to assigned",
);
/// assignAndActivate and assignAndActivateBySerialNumber answer 204 and leave the token activated.
pub const ASSIGN_AND_ACTIVATE: Rule = documented("assign-and-activate-204", METHODS_PAGES);
/// Create with assignTo answers 201 with the token assigned.
pub const CREATE_ASSIGNED: Rule = documented("create-with-assignTo", CREATE_PAGE);
/// assignTo naming no user answers 404 (or 400).
pub const UNKNOWN_USER: Rule = inferred("unknown-user", DECISION);
/// Bulk create by PATCH with a delta body succeeds (docs 201, seen 200).
pub const BULK: Rule = documented(
    "bulk-create",
    "Graph beta: Create hardwareOathTokenAuthenticationMethodDevices in bulk",
);
/// Missing, invalid or expired tokens answer 401.
pub const UNAUTHENTICATED: Rule = documented("unauthenticated-401", ERRORS_PAGE);
/// A valid token without the permission answers 403.
pub const FORBIDDEN: Rule = documented(
    "forbidden-403",
    "Graph beta permission tables (seeds), spec §5",
);
/// The least-privileged permission of each operation suffices.
pub const LEAST_PRIVILEGE: Rule = documented(
    "least-privilege",
    "Graph beta permission tables (seeds), spec §5",
);
/// `/me` needs a delegated token (400 or 403 with app-only).
pub const ME_DELEGATED: Rule =
    documented("me-needs-delegated", "Graph: /me requires a signed-in user");
/// `$top` pages with `@odata.nextLink` until it is absent.
pub const PAGING: Rule = documented("paging", "Graph: Paging Microsoft Graph data in your app");
/// `$filter` with `eq` on the filterable properties.
pub const FILTER: Rule = documented(
    "filter-eq",
    "msgraph-metadata beta CSDL capabilities; spec §2",
);
/// `$select` returns only the chosen properties.
pub const SELECT: Rule = documented("select", "Graph: Use query parameters ($select)");
/// `$count=true` adds `@odata.count`.
pub const COUNT: Rule = documented("count", "Graph: Use query parameters ($count)");
/// The doc examples, sent as written (with their labelled defects).
pub const DOC_EXAMPLE: Rule =
    documented("doc-example", "the seed pages' request/response examples");
/// A malformed query option answers 400.
pub const BAD_QUERY: Rule = inferred(
    "bad-query-400",
    "OData v4 URL conventions; status is a Decision",
);

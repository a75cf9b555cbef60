//! The endpoints under test, their URLs, and the statuses their pages (and Graph's error page) list.

/// The inventory collection path under the base URL.
pub const DEVICES: &str = "/directory/authenticationMethodDevices/hardwareOathDevices";

/// The hardware OATH configuration of the tenant's authentication methods policy.
pub const POLICY: &str =
    "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/hardwareOath";

/// Whose per-user methods a request addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// `/me/...` (the signed-in user of a delegated token).
    Me,
    /// `/users/{id}/...`.
    User(String),
}

impl Owner {
    fn path(&self) -> String {
        match self {
            Owner::Me => "/me/authentication/hardwareOathMethods".to_owned(),
            Owner::User(id) => format!("/users/{id}/authentication/hardwareOathMethods"),
        }
    }
}

/// An operation of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// GET the inventory.
    ListDevices,
    /// GET one device.
    GetDevice,
    /// POST a device.
    CreateDevice,
    /// PATCH the inventory with a delta body.
    BulkCreate,
    /// PATCH one device.
    UpdateDevice,
    /// DELETE one device.
    DeleteDevice,
    /// GET a user's methods.
    ListMethods,
    /// GET one method.
    GetMethod,
    /// POST a method (assign).
    Assign,
    /// DELETE a method (unassign).
    Unassign,
    /// POST activate.
    Activate,
    /// POST deactivate.
    Deactivate,
    /// POST assignAndActivate.
    AssignAndActivate,
    /// POST assignAndActivateBySerialNumber.
    AssignAndActivateBySerial,
    /// GET the inventory's `$count`.
    CountDevices,
    /// GET a user's methods' `$count`.
    CountMethods,
    /// GET the user a device is assigned to (`.../hardwareOathDevices/{id}/assignTo`).
    GetDeviceHolder,
    /// GET a method's device (`.../hardwareOathMethods/{id}/device`).
    GetMethodDevice,
    /// PUT `.../assignTo/$ref`: assign through the navigation property (inventory or method path).
    AssignByRef,
    /// GET one user (`/users/{id}`), for its userPrincipalName.
    GetUser,
    /// GET the hardwareOath authentication method configuration.
    GetPolicy,
    /// PATCH the hardwareOath authentication method configuration.
    UpdatePolicy,
}

/// What a successful response body holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// A device entity.
    Device,
    /// A collection of devices.
    Devices,
    /// A method entity.
    Method,
    /// A collection of methods.
    Methods,
    /// No body (204).
    Empty,
    /// A bulk result (shape undocumented).
    Bulk,
    /// A user entity.
    User,
    /// A `$count`: a number as `text/plain`.
    Count,
    /// The hardwareOath authentication method configuration.
    Policy,
}

impl Payload {
    /// The payload as messages name it, e.g. `a device`.
    pub fn name(self) -> &'static str {
        match self {
            Payload::Device => "a device",
            Payload::Devices => "a collection of devices",
            Payload::Method => "a method",
            Payload::Methods => "a collection of methods",
            Payload::Empty => "no body",
            Payload::Bulk => "a bulk result",
            Payload::User => "a user",
            Payload::Count => "a count",
            Payload::Policy => "the hardwareOath policy",
        }
    }
}

/// Client-error statuses Graph's error page lists that any operation may answer.
const CLIENT_ERRORS: [u16; 9] = [400, 401, 403, 404, 405, 409, 413, 415, 429];

impl Op {
    /// The operation as messages name it, e.g. `create device`.
    pub fn name(self) -> &'static str {
        match self {
            Op::ListDevices => "list devices",
            Op::GetDevice => "get device",
            Op::CreateDevice => "create device",
            Op::BulkCreate => "bulk create",
            Op::UpdateDevice => "update device",
            Op::DeleteDevice => "delete device",
            Op::ListMethods => "list methods",
            Op::GetMethod => "get method",
            Op::Assign => "assign",
            Op::Unassign => "unassign",
            Op::Activate => "activate",
            Op::Deactivate => "deactivate",
            Op::AssignAndActivate => "assignAndActivate",
            Op::AssignAndActivateBySerial => "assignAndActivateBySerialNumber",
            Op::CountDevices => "count devices",
            Op::CountMethods => "count methods",
            Op::GetDeviceHolder => "get assignTo",
            Op::GetMethodDevice => "get a method's device",
            Op::AssignByRef => "assign by $ref",
            Op::GetUser => "get user",
            Op::GetPolicy => "get policy",
            Op::UpdatePolicy => "update policy",
        }
    }

    /// The success statuses the operation's page documents.
    pub fn success(self) -> &'static [u16] {
        match self {
            Op::ListDevices
            | Op::GetDevice
            | Op::ListMethods
            | Op::GetMethod
            | Op::CountDevices
            | Op::CountMethods
            | Op::GetDeviceHolder
            | Op::GetMethodDevice
            | Op::GetUser
            | Op::GetPolicy => &[200],
            Op::CreateDevice | Op::Assign => &[201],
            // The bulk page says 201; a third party saw 200.
            Op::BulkCreate => &[200, 201],
            Op::UpdateDevice
            | Op::DeleteDevice
            | Op::Unassign
            | Op::Activate
            | Op::Deactivate
            | Op::AssignAndActivate
            | Op::AssignAndActivateBySerial
            | Op::AssignByRef
            | Op::UpdatePolicy => &[204],
        }
    }

    /// Whether `status` is one the docs list for this operation.
    pub fn documents(self, status: u16) -> bool {
        self.success().contains(&status) || CLIENT_ERRORS.contains(&status)
    }

    /// What a success body holds.
    pub fn payload(self) -> Payload {
        match self {
            Op::ListDevices => Payload::Devices,
            Op::GetDevice | Op::CreateDevice | Op::GetMethodDevice => Payload::Device,
            Op::BulkCreate => Payload::Bulk,
            Op::ListMethods => Payload::Methods,
            Op::GetMethod | Op::Assign => Payload::Method,
            Op::CountDevices | Op::CountMethods => Payload::Count,
            Op::GetDeviceHolder | Op::GetUser => Payload::User,
            Op::GetPolicy => Payload::Policy,
            _ => Payload::Empty,
        }
    }
}

/// URL builder for one base URL.
#[derive(Debug, Clone)]
pub struct Urls {
    base: String,
}

impl Urls {
    /// URLs under `base` (e.g. `https://graph.microsoft.com/beta`; a trailing slash is dropped).
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The inventory.
    pub fn devices(&self) -> String {
        format!("{}{DEVICES}", self.base)
    }

    /// One device.
    pub fn device(&self, id: &str) -> String {
        format!("{}{DEVICES}/{id}", self.base)
    }

    /// An owner's methods.
    pub fn methods(&self, owner: &Owner) -> String {
        format!("{}{}", self.base, owner.path())
    }

    /// One method of an owner.
    pub fn method(&self, owner: &Owner, id: &str) -> String {
        format!("{}{}/{id}", self.base, owner.path())
    }

    /// An action on one method (`activate`, `deactivate`).
    pub fn method_action(&self, owner: &Owner, id: &str, action: &str) -> String {
        format!("{}{}/{id}/{action}", self.base, owner.path())
    }

    /// A collection-level action or segment (`assignAndActivate`, `assignAndActivateBySerialNumber`,
    /// `$count`).
    pub fn methods_action(&self, owner: &Owner, action: &str) -> String {
        format!("{}{}/{action}", self.base, owner.path())
    }

    /// The inventory's `$count`.
    pub fn devices_count(&self) -> String {
        format!("{}{DEVICES}/$count", self.base)
    }

    /// The user a device is assigned to; with `reference`, the `$ref` that sets it.
    pub fn device_holder(&self, id: &str, reference: bool) -> String {
        let suffix = if reference { "/$ref" } else { "" };
        format!("{}{DEVICES}/{id}/assignTo{suffix}", self.base)
    }

    /// The device of one method of an owner.
    pub fn method_device(&self, owner: &Owner, id: &str) -> String {
        format!("{}{}/{id}/device", self.base, owner.path())
    }

    /// The `$ref` that assigns one method's device to a user.
    pub fn method_device_holder_ref(&self, owner: &Owner, id: &str) -> String {
        format!("{}{}/{id}/device/assignTo/$ref", self.base, owner.path())
    }

    /// The `@odata.id` of a user, as Graph writes it in a `$ref` body.
    pub fn user_reference(&self, user: &str) -> String {
        format!("{}/users/{user}", self.base)
    }

    /// The hardwareOath authentication method configuration.
    pub fn policy(&self) -> String {
        format!("{}{POLICY}", self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_the_graph_paths() {
        let urls = Urls::new("https://graph.microsoft.com/beta/");
        assert_eq!(
            urls.device("abc"),
            "https://graph.microsoft.com/beta/directory/authenticationMethodDevices/hardwareOathDevices/abc"
        );
        assert_eq!(
            urls.method_action(&Owner::User("u1".into()), "m1", "activate"),
            "https://graph.microsoft.com/beta/users/u1/authentication/hardwareOathMethods/m1/activate"
        );
        assert_eq!(
            urls.method_device_holder_ref(&Owner::User("amy@contoso.com".into()), "m1"),
            "https://graph.microsoft.com/beta/users/amy@contoso.com/authentication/hardwareOathMethods/m1/device/assignTo/$ref"
        );
        assert_eq!(
            urls.device_holder("d1", true),
            "https://graph.microsoft.com/beta/directory/authenticationMethodDevices/hardwareOathDevices/d1/assignTo/$ref"
        );
        assert_eq!(
            urls.user_reference("amy@contoso.com"),
            "https://graph.microsoft.com/beta/users/amy@contoso.com"
        );
        assert_eq!(
            urls.policy(),
            "https://graph.microsoft.com/beta/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/hardwareOath"
        );
        assert_eq!(
            urls.methods_action(&Owner::Me, "assignAndActivate"),
            "https://graph.microsoft.com/beta/me/authentication/hardwareOathMethods/assignAndActivate"
        );
    }

    #[test]
    fn documented_statuses_include_success_and_client_errors_only() {
        assert!(Op::CreateDevice.documents(201));
        assert!(!Op::CreateDevice.documents(200));
        assert!(Op::BulkCreate.documents(200) && Op::BulkCreate.documents(201));
        assert!(Op::Activate.documents(429));
        assert!(!Op::Activate.documents(418));
        assert!(!Op::GetDevice.documents(500));
    }
}

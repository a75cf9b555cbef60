//! Shared helpers of the integration tests: a started tenant plus an HTTP client and token shortcuts.
#![allow(dead_code)]

use hwoath_mock::{MockTenant, roles};
use hwoath_otp::{Algorithm, Secret, Totp};
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::{Value, json};

/// The secret of the docs' create example.
pub const SECRET: &str = "6PJ4UKIW33NNXYZAEHQNFUFTZF7WFTFB";
/// The inventory path.
pub const DEVICES: &str = "/directory/authenticationMethodDevices/hardwareOathDevices";
/// The signed-in user's methods.
pub const ME: &str = "/me/authentication/hardwareOathMethods";
/// A frozen clock time used by most tests.
pub const T: i64 = 1_111_111_109;

/// One answer: status, headers and the JSON body (`Null` when empty or not JSON).
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    /// The string property `key` of every item of a collection answer's `value`, in order.
    pub fn listed(&self, key: &str) -> Vec<String> {
        self.body["value"]
            .as_array()
            .expect("a collection")
            .iter()
            .map(|item| item[key].as_str().expect("a string property").to_owned())
            .collect()
    }

    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// Asserts a 400 `invalidRequest` answer (`label` names the case in a failure).
    pub fn assert_invalid_request(&self, label: &str) {
        assert_eq!(
            self.status,
            StatusCode::BAD_REQUEST,
            "{label}: {}",
            self.text
        );
        assert_eq!(self.code(), "invalidRequest", "{label}");
    }

    /// Asserts a 200 collection answer whose first item lacks `device` (`$select=id`).
    pub fn assert_first_without_device(&self) {
        assert_eq!(self.status, StatusCode::OK, "{}", self.text);
        assert!(self.body["value"][0].get("device").is_none());
    }
}

/// A tenant, a client and ready tokens.
pub struct Harness {
    pub tenant: MockTenant,
    pub client: reqwest::Client,
}

pub async fn harness() -> Harness {
    harness_with(MockTenant::builder().controls(true).clock(T)).await
}

pub async fn harness_with(builder: hwoath_mock::MockTenantBuilder) -> Harness {
    Harness {
        tenant: builder.start().await.expect("mock starts"),
        client: client(),
    }
}

/// An HTTP client (the workspace builds reqwest without a default TLS provider, so one is installed).
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

impl Harness {
    pub fn user_id(&self, name: &str) -> String {
        self.tenant.user(name).id.clone()
    }

    /// An app token that may do everything.
    pub fn admin(&self) -> String {
        self.tenant.token().app(&[
            "Policy.ReadWrite.AuthenticationMethod",
            "UserAuthenticationMethod.ReadWrite.All",
        ])
    }

    /// Amy's own delegated token with ReadWrite.
    pub fn amy(&self) -> String {
        let amy = self.user_id("Amy Masters");
        self.tenant
            .token()
            .delegated(&amy, &["UserAuthenticationMethod.ReadWrite"])
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else if path.starts_with("/_hwoath") || !path.starts_with('/') {
            format!("{}{path}", self.tenant.root_url())
        } else {
            format!("{}{path}", self.tenant.base_url())
        }
    }

    pub async fn raw(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("request is answered");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.raw(request).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// `DELETE` of `path` as `token`.
    pub async fn delete(&self, path: &str, token: &str) -> Answer {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// Creates a token with this serial and returns its id.
    pub async fn create(&self, serial: &str) -> String {
        let answer = self.post(DEVICES, &self.admin(), device_body(serial)).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        answer.body["id"].as_str().unwrap().to_owned()
    }

    /// Creates a token and assigns it to Amy; returns its id.
    pub async fn create_for_amy(&self, serial: &str) -> String {
        let id = self.create(serial).await;
        let answer = self.assign_to("Amy Masters", &id).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        id
    }

    /// Posts a right code at the test clock time `T` (`{"verificationCode": ...}`) to `path`.
    pub async fn post_code(&self, path: &str, token: &str) -> Answer {
        self.post(path, token, json!({"verificationCode": code_at(T)}))
            .await
    }

    /// Assigns token `id` to the user with this display name through `/users/{id}/...` (admin).
    pub async fn assign_to(&self, name: &str, id: &str) -> Answer {
        let methods = format!(
            "/users/{}/authentication/hardwareOathMethods",
            self.user_id(name)
        );
        self.post(&methods, &self.admin(), json!({"device": {"id": id}}))
            .await
    }

    pub async fn device(&self, id: &str) -> Value {
        self.get(&format!("{DEVICES}/{id}"), &self.admin())
            .await
            .body
    }

    pub async fn set_clock(&self, unix: i64) {
        let answer = self
            .call(
                Method::PUT,
                "/_hwoath/clock",
                None,
                Some(json!({"unix": unix, "frozen": true})),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    }
}

/// A valid create body (the docs' example with another serial).
pub fn device_body(serial: &str) -> Value {
    json!({
        "displayName": "Token 1",
        "serialNumber": serial,
        "manufacturer": "Contoso",
        "model": "Hardware Token 1000",
        "secretKey": SECRET,
        "timeIntervalInSeconds": 30,
        "hashFunction": "hmacsha1"
    })
}

/// The TOTP code of [`SECRET`] at `unix` (SHA-1, 6 digits, 30 s).
pub fn code_at(unix: i64) -> String {
    code_with(SECRET, Algorithm::Sha1, 30, unix)
}

pub fn code_with(secret: &str, algorithm: Algorithm, period: u64, unix: i64) -> String {
    let secret = Secret::from_base32(secret).unwrap();
    Totp::new(&secret, algorithm, 6, period)
        .unwrap()
        .generate_at(unix as u64)
        .unwrap()
        .to_string()
}

/// A code of [`SECRET`] (SHA-1, 30 s) that no step of the activation window around `unix` has.
pub fn wrong_code_at(unix: i64) -> String {
    wrong_code_with(SECRET, Algorithm::Sha1, 30, unix)
}

/// A six-digit code that matches no step within 2881 steps of `unix` (the activation window of
/// 2880 steps either side, and one more): a fixed "wrong" code would activate about once in 174 tries.
pub fn wrong_code_with(secret: &str, algorithm: Algorithm, period: u64, unix: i64) -> String {
    let secret = Secret::from_base32(secret).unwrap();
    let totp = Totp::new(&secret, algorithm, 6, period).unwrap();
    let now = totp.step_at(unix as u64).unwrap();
    let reach = hwoath_mock::ACTIVATION_WINDOW_STEPS + 1;
    let taken: std::collections::HashSet<u32> = (now.saturating_sub(reach)..=now + reach)
        .map(|step| totp.generate_step(step).value())
        .collect();
    (0..1_000_000u32)
        .find(|c| !taken.contains(c))
        .map(|c| format!("{c:06}"))
        .unwrap()
}

/// Role template ids re-exported for the auth tests.
pub const GLOBAL_READER: &str = roles::GLOBAL_READER;

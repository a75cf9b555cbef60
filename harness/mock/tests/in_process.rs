//! The router without a socket (`MockTenantBuilder::router`), as fuzzers and benches drive it.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use hwoath_mock::fuzzing::Store;
use hwoath_mock::{MockTenant, SigningKey, TokenRequest};
use tower::ServiceExt;

#[tokio::test]
async fn the_router_answers_in_process() {
    let (router, state) = MockTenant::builder().controls(true).router().unwrap();
    let tenant_id = state.read(|s| s.fixture().tenant_id.clone());
    let token = TokenRequest::app(&["Policy.ReadWrite.AuthenticationMethod"])
        .mint(&SigningKey::development(), &tenant_id);
    let request = Request::post("/beta/directory/authenticationMethodDevices/hardwareOathDevices")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(
            r#"{"serialNumber":"P-1","manufacturer":"C","model":"M","secretKey":"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ","timeIntervalInSeconds":30}"#,
        ))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let garbage = Request::post("/beta/me/authentication/hardwareOathMethods")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(vec![0xff; 64]))
        .unwrap();
    let response = router.oneshot(garbage).await.unwrap();
    assert!(response.status().is_client_error());
    state.read(Store::check_invariants).unwrap();
}

//! The mock tenant over loopback: `GET` one device and `POST` (create) one device, as requests per
//! second with many requests in flight on reused keep-alive connections, so the figure is the
//! server's throughput rather than one serial round trip.
//!
//! The client is hyper's bare HTTP/1.1 connection API (one task per connection, no pool), the
//! lightest client that still speaks real HTTP, since on this machine it shares the cores with the
//! server (see `hwoath_benches::loopback`).

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http_body_util::Full;
use hwoath_benches::inputs::{MOCK_CONNECTIONS, MOCK_INVENTORY};
use hwoath_benches::loopback::{Connection, DEVICES, Target, connect, exchange};
use hwoath_mock::MockTenant;
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use tokio::runtime::Runtime;

/// Keep-alive connections, each with one request in flight at a time.
const CONNECTIONS: usize = MOCK_CONNECTIONS;

/// Tokens in the inventory when a measurement starts.
const INVENTORY: u64 = MOCK_INVENTORY;

/// Runs `total` requests spread over the connections, all connections busy at once; returns the
/// elapsed time. Panics if any answer has another status than `expected` (after timing).
fn drive(
    runtime: &Runtime,
    connections: &mut Vec<Connection>,
    total: u64,
    expected: StatusCode,
    make: impl Fn() -> Request<Full<Bytes>> + Clone + Send + 'static,
) -> Duration {
    runtime.block_on(async {
        let count = connections.len() as u64;
        let start = Instant::now();
        let tasks: Vec<_> = connections
            .drain(..)
            .enumerate()
            .map(|(index, mut sender)| {
                let share = total / count + u64::from((index as u64) < total % count);
                let make = make.clone();
                tokio::spawn(async move {
                    let mut unexpected = 0u64;
                    for _ in 0..share {
                        let (status, _) = exchange(&mut sender, make()).await;
                        unexpected += u64::from(status != expected);
                    }
                    (sender, unexpected)
                })
            })
            .collect();
        let mut unexpected = 0;
        for task in tasks {
            let (sender, wrong) = task.await.unwrap();
            connections.push(sender);
            unexpected += wrong;
        }
        let elapsed = start.elapsed();
        assert_eq!(unexpected, 0, "{unexpected} answers were not {expected}");
        elapsed
    })
}

fn mock_http(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let tenant = runtime.block_on(MockTenant::start()).unwrap();
    let target = Target::for_tenant(&tenant);
    let mut connections = runtime.block_on(async {
        let mut connections = Vec::with_capacity(CONNECTIONS);
        for _ in 0..CONNECTIONS {
            connections.push(connect(tenant.addr()).await);
        }
        connections
    });

    // The inventory, created and its last token read back once before measuring.
    let fill = |connections: &mut Vec<Connection>| {
        runtime.block_on(tenant.reset());
        let target = target.clone();
        drive(
            &runtime,
            connections,
            INVENTORY,
            StatusCode::CREATED,
            move || target.create(),
        );
    };
    fill(&mut connections);
    let last = tenant.devices().last().unwrap().id.clone();
    let device_path = format!("{DEVICES}/{last}");
    runtime.block_on(async {
        let get = target.request(Method::GET, &device_path, Bytes::new());
        let (status, body) = exchange(&mut connections[0], get).await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        let read: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(read["id"], last.as_str());
    });

    let mut group = c.benchmark_group("mock");
    group.throughput(Throughput::Elements(1));
    let get_target = target.clone();
    group.bench_function("get-device", |b| {
        b.iter_custom(|iters| {
            let target = get_target.clone();
            let path = device_path.clone();
            drive(
                &runtime,
                &mut connections,
                iters,
                StatusCode::OK,
                move || target.request(Method::GET, &path, Bytes::new()),
            )
        })
    });
    group.bench_function("create-device", |b| {
        b.iter_custom(|iters| {
            fill(&mut connections);
            let target = target.clone();
            drive(
                &runtime,
                &mut connections,
                iters,
                StatusCode::CREATED,
                move || target.create(),
            )
        })
    });
    group.finish();
    drop(connections);
    runtime.block_on(tenant.shutdown());
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args()
}

criterion_group! {
    name = benches;
    config = config();
    targets = mock_http
}
criterion_main!(benches);

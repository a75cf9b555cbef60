//! The mock tenant's cost per operation as its inventory grows: `get`, `create`, `delete` and one
//! listing `page`, each timed alone as a client sees it (one keep-alive connection, one request at a
//! time), with 1k, 10k and 100k tokens already in the inventory, in memory only (`memory`) and with
//! the state database (`durable`: SQLite in WAL mode with `synchronous = FULL`, every change
//! committed before it is answered).
//!
//! The inventory is seeded from a fixture, so a size costs no requests to reach; creates are deleted
//! again and deletes replace what they remove (both untimed), so the size stays put. The state
//! database lives on the disk under `target/`, not on a tmpfs, so its fsyncs are real.

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use http_body_util::Full;
use hwoath_benches::inputs::{SCALE_MODES, SCALE_OPERATIONS, SCALE_PAGE, SCALE_SIZES};
use hwoath_benches::loopback::{Connection, DEVICES, Target, connect, exchange};
use hwoath_mock::{DeviceRecord, Fixture, MockTenant};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use serde_json::{Value, json};
use tokio::runtime::Runtime;

/// Seeded tokens the `get` operation cycles through, spread evenly over the inventory.
const GET_SPREAD: u64 = 64;

/// Listing pages the `page` operation cycles through, spread evenly over the inventory.
const PAGE_SPREAD: usize = 16;

/// The id of seeded token `index`.
fn seeded_id(index: u64) -> String {
    format!("00000000-0000-4000-8000-{index:012}")
}

/// The default directory with `size` available, unassigned tokens in its inventory.
fn seeded_fixture(size: u64) -> Fixture {
    // The record types' enums live in hwoath-graph, which this crate does not depend on: one record
    // is read from JSON and the others are copies of it with their own id and serial number.
    let template: DeviceRecord = serde_json::from_value(json!({
        "id": seeded_id(0),
        "displayName": "Seeded token",
        "serialNumber": "SEED-0",
        "manufacturer": "Contoso",
        "model": "Hardware Token 1000",
        "secretKey": "6PJ4UKIW33NNXYZAEHQNFUFTZF7WFTFB",
        "timeIntervalInSeconds": 30,
        "hashFunction": "hmacsha1",
        "status": "available",
        "assignedTo": null,
        "method": null
    }))
    .expect("a valid device record");
    let mut fixture = Fixture::default();
    fixture.devices.extend((0..size).map(|index| DeviceRecord {
        id: seeded_id(index),
        serial_number: format!("SEED-{index:08}"),
        ..template.clone()
    }));
    fixture
}

/// Panics unless `status` is `expected`, showing the answer.
fn expect(operation: &str, status: StatusCode, expected: StatusCode, body: &Bytes) {
    assert_eq!(
        status,
        expected,
        "{operation}: {}",
        String::from_utf8_lossy(body)
    );
}

/// The path and query of an absolute `@odata.nextLink`.
fn path_of(link: &str) -> String {
    let rest = link.split_once("://").map_or(link, |(_, rest)| rest);
    rest.find('/').map_or("/", |at| &rest[at..]).to_owned()
}

/// One tenant of one size, with the connection measurements go through.
struct Session {
    target: Target,
    connection: Connection,
    /// `GET` paths of seeded tokens spread over the inventory, taken in turn.
    gets: Vec<String>,
    /// Listing pages spread over the inventory, taken in turn.
    pages: Vec<String>,
    turn: usize,
}

impl Session {
    /// Connects to `tenant` and checks that its inventory holds `size` tokens by walking the whole
    /// listing, keeping pages spread over it for the `page` operation.
    async fn open(tenant: &MockTenant, size: u64) -> Self {
        let target = Target::for_tenant(tenant);
        let mut connection = connect(tenant.addr()).await;
        let mut all_pages = Vec::new();
        let mut seen = 0;
        let mut next = Some(format!("{DEVICES}?$top={SCALE_PAGE}"));
        while let Some(path) = next {
            let request = target.request(Method::GET, &path, Bytes::new());
            let (status, body) = exchange(&mut connection, request).await;
            expect("listing", status, StatusCode::OK, &body);
            let page: Value = serde_json::from_slice(&body).unwrap();
            let count = page["value"].as_array().map_or(0, Vec::len);
            seen += count as u64;
            if count == SCALE_PAGE {
                all_pages.push(path);
            }
            next = page["@odata.nextLink"].as_str().map(path_of);
        }
        assert_eq!(seen, size, "the listing holds every seeded token");
        let stride = all_pages.len().div_ceil(PAGE_SPREAD).max(1);
        let pages = all_pages.into_iter().step_by(stride).collect();
        let gets = (0..GET_SPREAD)
            .map(|k| format!("{DEVICES}/{}", seeded_id(k * size / GET_SPREAD)))
            .collect();
        Self {
            target,
            connection,
            gets,
            pages,
            turn: 0,
        }
    }

    /// Runs `operation` `iters` times, one request at a time, and returns the time spent in the
    /// timed requests only.
    fn run(&mut self, runtime: &Runtime, operation: &str, iters: u64) -> Duration {
        runtime.block_on(async {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                total += self.once(operation).await;
            }
            total
        })
    }

    /// Sends `request` and returns how long the answer took, after checking its status.
    async fn timed(
        &mut self,
        operation: &str,
        request: Request<Full<Bytes>>,
        expected: StatusCode,
    ) -> (Duration, Bytes) {
        let start = Instant::now();
        let (status, body) = exchange(&mut self.connection, request).await;
        let took = start.elapsed();
        expect(operation, status, expected, &body);
        (took, body)
    }

    /// Creates a token (untimed) and returns its id.
    async fn create_untimed(&mut self) -> String {
        let request = self.target.create();
        let (status, body) = exchange(&mut self.connection, request).await;
        expect("create (untimed)", status, StatusCode::CREATED, &body);
        created_id(&body)
    }

    /// Deletes token `id` (untimed).
    async fn delete_untimed(&mut self, id: &str) {
        let request = self
            .target
            .request(Method::DELETE, &format!("{DEVICES}/{id}"), Bytes::new());
        let (status, body) = exchange(&mut self.connection, request).await;
        expect("delete (untimed)", status, StatusCode::NO_CONTENT, &body);
    }

    /// One timed `operation`, with whatever untimed request keeps the inventory's size.
    async fn once(&mut self, operation: &str) -> Duration {
        self.turn = self.turn.wrapping_add(1);
        match operation {
            "get" => {
                let path = &self.gets[self.turn % self.gets.len()];
                let request = self.target.request(Method::GET, path, Bytes::new());
                self.timed("get", request, StatusCode::OK).await.0
            }
            "create" => {
                let request = self.target.create();
                let (took, body) = self.timed("create", request, StatusCode::CREATED).await;
                self.delete_untimed(&created_id(&body)).await;
                took
            }
            "delete" => {
                let id = self.create_untimed().await;
                let request =
                    self.target
                        .request(Method::DELETE, &format!("{DEVICES}/{id}"), Bytes::new());
                self.timed("delete", request, StatusCode::NO_CONTENT)
                    .await
                    .0
            }
            "page" => {
                let path = &self.pages[self.turn % self.pages.len()];
                let request = self.target.request(Method::GET, path, Bytes::new());
                self.timed("page", request, StatusCode::OK).await.0
            }
            other => panic!("no operation {other}"),
        }
    }
}

/// The id of the token a create answered with.
fn created_id(body: &Bytes) -> String {
    let created: Value = serde_json::from_slice(body).unwrap();
    created["id"]
        .as_str()
        .expect("a created token has an id")
        .to_owned()
}

fn mock_scale(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let scratch = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(scratch).unwrap();
    let mut group = c.benchmark_group("mock_scale");
    for mode in SCALE_MODES {
        for size in SCALE_SIZES {
            let dir = tempfile::tempdir_in(scratch).unwrap();
            let mut builder = MockTenant::builder().fixture(seeded_fixture(size));
            if mode == "durable" {
                builder = builder.state_file(dir.path().join("state.db"));
            }
            let tenant = runtime.block_on(builder.start()).unwrap();
            let mut session = runtime.block_on(Session::open(&tenant, size));
            for operation in SCALE_OPERATIONS {
                group.bench_function(BenchmarkId::new(format!("{mode}/{operation}"), size), |b| {
                    b.iter_custom(|iters| session.run(&runtime, operation, iters))
                });
            }
            assert_eq!(
                tenant.devices().len() as u64,
                size,
                "the inventory kept its size"
            );
            drop(session);
            runtime.block_on(tenant.shutdown());
            drop(dir);
        }
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args()
}

criterion_group! {
    name = benches;
    config = config();
    targets = mock_scale
}
criterion_main!(benches);

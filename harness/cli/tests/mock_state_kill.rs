//! `hwoath mock --state FILE` killed with SIGKILL in the middle of a write storm, five times over on
//! the same file: every restart starts (the file is valid), every acknowledged write is there, nothing
//! unacknowledged is half there, and the users' methods agree with the inventory.
//!
//! Each writer thread changes only tokens it created, so for every token it knows the last
//! acknowledged state and, when the kill caught a request in flight, the state that request would
//! have led to: after the restart the tenant must show one of the two.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hwoath_mock::{Fixture, SigningKey, TokenRequest};
use hwoath_testkit::Rng;
use serde_json::{Value, json};
use support::StandaloneMock;

const DEVICES: &str = "/beta/directory/authenticationMethodDevices/hardwareOathDevices";
const WRITERS: usize = 8;
const ITERATIONS: u64 = 5;
/// Tokens one writer holds at a time.
const MAX_LOCAL: usize = 6;
/// Acknowledged writes to wait for before the kill (then a random further delay).
const ACKS_BEFORE_KILL: u64 = 20;
const SECRET: &str = "6PJ4UKIW33NNXYZAEHQNFUFTZF7WFTFB";

/// A token's state as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Absent,
    Available,
    AssignedTo(String),
}

/// What a writer knows about one token it created.
#[derive(Debug, Clone)]
struct Record {
    serial: String,
    id: Option<String>,
    /// The state after the last acknowledged write.
    acked: State,
    /// The state the request in flight at the kill would have led to.
    pending: Option<State>,
}

/// The mock on `state`, with its test controls.
fn start_mock(state: &Path) -> StandaloneMock {
    StandaloneMock::start(&[
        OsStr::new("--state"),
        state.as_os_str(),
        OsStr::new("--controls"),
    ])
}

/// One HTTP/1.1 exchange on a fresh connection: the status and the JSON body (`Null` if none).
fn http(
    authority: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, Value)> {
    support::http(authority, method, path, token, body).map(|answer| (answer.status, answer.body))
}

struct Writer {
    index: usize,
    iteration: u64,
    authority: String,
    token: String,
    users: Arc<Vec<String>>,
    stop: Arc<AtomicBool>,
    acks: Arc<AtomicU64>,
    rng: Rng,
    records: Vec<Record>,
}

impl Writer {
    /// Sends one write; `Err` means the mock went away with the request in flight.
    fn write(&self, method: &str, path: &str, body: Option<&Value>) -> Result<(u16, Value), ()> {
        http(&self.authority, method, path, &self.token, body).map_err(|_| ())
    }

    fn methods_path(&self, user: &str) -> String {
        format!("/beta/users/{user}/authentication/hardwareOathMethods")
    }

    fn run(mut self) -> Vec<Record> {
        let mut created = 0;
        while !self.stop.load(Ordering::Relaxed) {
            let live: Vec<usize> = (0..self.records.len())
                .filter(|&i| self.records[i].acked != State::Absent)
                .collect();
            let outcome = if live.len() < MAX_LOCAL && self.rng.below(3) == 0 || live.is_empty() {
                created += 1;
                self.create(created)
            } else {
                let i = live[self.rng.below(live.len())];
                match self.records[i].acked.clone() {
                    State::AssignedTo(user) => self.unassign(i, &user),
                    _ if self.rng.below(2) == 0 => self.delete(i),
                    _ => self.assign(i),
                }
            };
            if outcome.is_err() {
                break;
            }
        }
        self.records
    }

    fn acknowledged(&mut self, i: usize, state: State) {
        self.records[i].acked = state;
        self.records[i].pending = None;
        self.acks.fetch_add(1, Ordering::Relaxed);
    }

    fn create(&mut self, n: usize) -> Result<(), ()> {
        let serial = format!("KILL-{}-{}-{n}", self.iteration, self.index);
        self.records.push(Record {
            serial: serial.clone(),
            id: None,
            acked: State::Absent,
            pending: Some(State::Available),
        });
        let i = self.records.len() - 1;
        let body = json!({
            "serialNumber": serial, "manufacturer": "Contoso", "model": "Kill 1",
            "secretKey": SECRET, "timeIntervalInSeconds": 30, "hashFunction": "hmacsha1"
        });
        let (status, answer) = self.write("POST", DEVICES, Some(&body))?;
        assert_eq!(status, 201, "create {serial}: {answer}");
        self.records[i].id = answer["id"].as_str().map(str::to_owned);
        self.acknowledged(i, State::Available);
        Ok(())
    }

    fn assign(&mut self, i: usize) -> Result<(), ()> {
        let user = self.users[self.rng.below(self.users.len())].clone();
        let id = self.records[i].id.clone().unwrap();
        self.records[i].pending = Some(State::AssignedTo(user.clone()));
        let path = self.methods_path(&user);
        let (status, answer) = self.write("POST", &path, Some(&json!({"device": {"id": id}})))?;
        match status {
            201 => self.acknowledged(i, State::AssignedTo(user)),
            // The user already holds five methods: nothing changed.
            400 => self.records[i].pending = None,
            _ => panic!("assign answered {status}: {answer}"),
        }
        Ok(())
    }

    fn unassign(&mut self, i: usize, user: &str) -> Result<(), ()> {
        let id = self.records[i].id.clone().unwrap();
        self.records[i].pending = Some(State::Available);
        let path = format!("{}/{id}", self.methods_path(user));
        let (status, answer) = self.write("DELETE", &path, None)?;
        assert_eq!(status, 204, "unassign: {answer}");
        self.acknowledged(i, State::Available);
        Ok(())
    }

    fn delete(&mut self, i: usize) -> Result<(), ()> {
        let id = self.records[i].id.clone().unwrap();
        self.records[i].pending = Some(State::Absent);
        let (status, answer) = self.write("DELETE", &format!("{DEVICES}/{id}"), None)?;
        assert_eq!(status, 204, "delete: {answer}");
        self.acknowledged(i, State::Absent);
        Ok(())
    }
}

/// Every token the tenant lists, by serial: its id and state. Serials must be unique.
fn inventory(authority: &str, token: &str) -> BTreeMap<String, (String, State)> {
    let mut found = BTreeMap::new();
    let mut path = format!("{DEVICES}?$top=999");
    loop {
        let (status, page) = http(authority, "GET", &path, token, None).unwrap();
        assert_eq!(status, 200, "{page}");
        for device in page["value"].as_array().unwrap() {
            let serial = device["serialNumber"].as_str().unwrap().to_owned();
            let state = match device["assignedTo"]["id"].as_str() {
                Some(user) => State::AssignedTo(user.to_owned()),
                None => State::Available,
            };
            let expected_status = if state == State::Available {
                vec!["available"]
            } else {
                vec!["assigned", "activated", "failedActivation"]
            };
            assert!(
                expected_status.contains(&device["status"].as_str().unwrap_or("")),
                "{device}"
            );
            let id = device["id"].as_str().unwrap().to_owned();
            assert!(
                found.insert(serial.clone(), (id, state)).is_none(),
                "serial {serial} appears twice"
            );
        }
        match page["@odata.nextLink"].as_str() {
            Some(next) => path = next.split_once(authority).unwrap().1.to_owned(),
            None => return found,
        }
    }
}

/// Checks the restarted tenant against the writers' records, then settles each record on what the
/// tenant shows.
fn verify(authority: &str, token: &str, users: &[String], records: &mut [Record]) {
    let listed = inventory(authority, token);
    let known: BTreeSet<&str> = records.iter().map(|r| r.serial.as_str()).collect();
    for serial in listed.keys() {
        assert!(
            known.contains(serial.as_str()),
            "{serial} was never written"
        );
    }
    for record in records.iter_mut() {
        let (id, state) = match listed.get(&record.serial) {
            Some((id, state)) => (Some(id.clone()), state.clone()),
            None => (None, State::Absent),
        };
        assert!(
            state == record.acked || record.pending.as_ref() == Some(&state),
            "{}: the tenant shows {state:?}, acknowledged {:?}, in flight {:?}",
            record.serial,
            record.acked,
            record.pending
        );
        if let (Some(expected), Some(id)) = (&record.id, &id) {
            assert_eq!(expected, id, "{} kept its id", record.serial);
        }
        record.id = record.id.clone().or(id);
        record.acked = state;
        record.pending = None;
    }
    // Each user's methods are exactly the tokens assigned to them.
    for user in users {
        let path = format!("/beta/users/{user}/authentication/hardwareOathMethods");
        let (status, page) = http(authority, "GET", &path, token, None).unwrap();
        assert_eq!(status, 200, "{page}");
        let methods: BTreeSet<String> = page["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect();
        let assigned: BTreeSet<String> = listed
            .values()
            .filter(|(_, state)| *state == State::AssignedTo(user.clone()))
            .map(|(id, _)| id.clone())
            .collect();
        assert_eq!(methods, assigned, "methods of {user}");
        assert!(methods.len() <= 5);
    }
}

#[test]
#[ignore = "heavy: run by .ci/run with --ignored"]
fn acknowledged_writes_survive_kill_9_mid_storm() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("tenant-state.db");
    let fixture = Fixture::default();
    let token = TokenRequest::app(&[
        "Policy.ReadWrite.AuthenticationMethod",
        "UserAuthenticationMethod.ReadWrite.All",
    ])
    .mint(&SigningKey::development(), &fixture.tenant_id);
    let users: Arc<Vec<String>> = Arc::new(fixture.users.iter().map(|u| u.id.clone()).collect());
    let mut rng = Rng::new(0x4B11_1009);
    let mut records: Vec<Record> = Vec::new();
    let mut mock = start_mock(&state);
    for iteration in 0..ITERATIONS {
        let stop = Arc::new(AtomicBool::new(false));
        let acks = Arc::new(AtomicU64::new(0));
        let writers: Vec<_> = (0..WRITERS)
            .map(|index| {
                let writer = Writer {
                    index,
                    iteration,
                    authority: mock.authority(),
                    token: token.clone(),
                    users: users.clone(),
                    stop: stop.clone(),
                    acks: acks.clone(),
                    rng: Rng::new(rng.next_u64()),
                    records: Vec::new(),
                };
                std::thread::spawn(move || writer.run())
            })
            .collect();
        let started = Instant::now();
        while acks.load(Ordering::Relaxed) < ACKS_BEFORE_KILL {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the storm never got going"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_millis(rng.next_u64() % 400));
        mock.kill();
        stop.store(true, Ordering::Relaxed);
        let mut in_flight = 0;
        for writer in writers {
            let written = writer.join().expect("a writer's expectations held");
            in_flight += written.iter().filter(|r| r.pending.is_some()).count();
            records.extend(written);
        }
        eprintln!(
            "iteration {iteration}: {} acknowledged writes in {:.0?}, {in_flight} in flight at the kill",
            acks.load(Ordering::Relaxed),
            started.elapsed()
        );
        mock = start_mock(&state);
        verify(&mock.authority(), &token, &users, &mut records);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|name| name != "tenant-state.db" && name != "tenant-state.db-wal")
            .collect();
        assert!(
            leftovers.is_empty(),
            "nothing but the database and its write-ahead log is beside it: {leftovers:?}"
        );
    }
    let present = records.iter().filter(|r| r.acked != State::Absent).count();
    assert!(present > 0, "the storms left tokens behind to check");
    mock.kill();
}

//! The suite's own reference model of a tenant, read from the spec (never the mock's store): devices
//! in creation order, who holds each, their status and last accepted time step, two users, and a
//! frozen clock. Each operation says what the target must answer and how the model changes.

use data_encoding::BASE32_NOPAD;
use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use proptest_state_machine::ReferenceStateMachine;

use crate::rules::{self, Rule};
use crate::steps::{ACTIVATION_WINDOW_STEPS, Token};

/// Users a sequence assigns tokens to.
pub const USERS: usize = 2;
/// Most OATH methods one user holds (Entra's limit; docs/spec.md, Request bodies and validation).
pub const MAX_METHODS: usize = 5;
/// The clock of the first step: far from wall time, so no throttle window of another run overlaps.
pub const EPOCH: u64 = 2_000_000_000;

/// A token's status as the model knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// In the inventory, unassigned.
    Available,
    /// Held by a user, not activated.
    Assigned,
    /// Held and activated.
    Activated,
    /// Held, and the last activation attempt failed.
    FailedActivation,
}

impl Status {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Available => "available",
            Status::Assigned => "assigned",
            Status::Activated => "activated",
            Status::FailedActivation => "failedActivation",
        }
    }
}

/// One device the sequence created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// The 10-byte secret.
    pub secret: [u8; 10],
    /// 30 or 60.
    pub interval: u64,
    /// HMAC-SHA-256 (else SHA-1).
    pub sha256: bool,
    /// Status.
    pub status: Status,
    /// Index of the user holding it.
    pub holder: Option<usize>,
    /// Deleted.
    pub gone: bool,
    /// The last time step an activation accepted.
    pub last_step: Option<u64>,
    /// The model property as last set.
    pub model: String,
}

impl Device {
    /// The time step holding `clock`.
    pub fn step(&self, clock: u64) -> u64 {
        clock / self.interval
    }

    /// The token as the suite's TOTP steps see it.
    pub fn token(&self) -> Token {
        Token {
            secret: BASE32_NOPAD.encode(&self.secret),
            interval: self.interval,
            hash: if self.sha256 {
                "hmacsha256"
            } else {
                "hmacsha1"
            },
        }
    }

    /// The six digits an activation of kind `code` sends at `clock`.
    pub fn code(&self, code: Code, clock: u64) -> String {
        let token = self.token();
        let now = self.step(clock);
        match code {
            Code::Right => token.code_at_step(now),
            Code::Drifted => token.code_at_step(now.saturating_sub(DRIFT_STEPS)),
            Code::Wrong => token.code_outside_window(now),
            Code::Replayed => token.code_at_step(
                self.last_step
                    .unwrap_or(now.saturating_sub(ACTIVATION_WINDOW_STEPS + 10)),
            ),
        }
    }

    /// The step an activation with `submitted` at `clock` is accepted at, if any: the window of the
    /// documented drift correction around the current step, above the last accepted step.
    pub fn accepted_step(&self, submitted: &str, clock: u64) -> Option<u64> {
        self.token()
            .accepted_step(submitted, self.step(clock), self.last_step)
    }
}

/// How far behind a drifted token's clock runs: well inside the activation window.
pub const DRIFT_STEPS: u64 = 2000;

/// The tenant as the model sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// Devices by creation order (deleted ones stay, marked gone).
    pub devices: Vec<Device>,
    /// The target's clock (frozen), in seconds.
    pub clock: u64,
}

impl Tenant {
    /// Methods user `user` holds.
    pub fn methods_of(&self, user: usize) -> usize {
        self.devices
            .iter()
            .filter(|d| !d.gone && d.holder == Some(user))
            .count()
    }
}

/// Which code an activation sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The code of the current step.
    Right,
    /// The code of a step [`DRIFT_STEPS`] behind: a token whose clock drifted, inside the window.
    Drifted,
    /// A code of no step in the window.
    Wrong,
    /// The code of the last accepted step (or of a step just past the window when none was accepted).
    Replayed,
}

/// An operation of a sequence (devices and users by index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// Create a token.
    Create {
        /// Its secret.
        secret: [u8; 10],
        /// 30 or 60.
        interval: u64,
        /// HMAC-SHA-256.
        sha256: bool,
    },
    /// Change a token's model.
    Update {
        /// Device.
        device: usize,
        /// The new model.
        model: String,
    },
    /// Delete a token.
    Delete {
        /// Device.
        device: usize,
    },
    /// Assign a token to a user.
    Assign {
        /// Device.
        device: usize,
        /// User.
        user: usize,
    },
    /// Unassign a token from its holder (from user 0 when nobody holds it).
    Unassign {
        /// Device.
        device: usize,
    },
    /// Activate a token with a code.
    Activate {
        /// Device.
        device: usize,
        /// Which code.
        code: Code,
    },
    /// Deactivate a token.
    Deactivate {
        /// Device.
        device: usize,
    },
    /// Assign and activate in one step, by device id or by serial number.
    AssignAndActivate {
        /// Device.
        device: usize,
        /// User.
        user: usize,
        /// The right code (else a wrong one).
        right: bool,
        /// Name the token by serial number.
        by_serial: bool,
    },
    /// Move the clock forward.
    Advance {
        /// Seconds.
        seconds: u64,
    },
    /// Compare the full listing with the model.
    List,
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Code::Right => "the right code",
            Code::Drifted => "a drifted code",
            Code::Wrong => "a wrong code",
            Code::Replayed => "a replayed code",
        })
    }
}

/// An operation as the failing sequence's reason names it, e.g. `activate device 0 with a wrong code`.
impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Operation::Create {
                interval, sha256, ..
            } => {
                let hash = if *sha256 { "hmacsha256" } else { "hmacsha1" };
                write!(f, "create a {interval} s {hash} token")
            }
            Operation::Update { device, model } => write!(
                f,
                "update device {device} with model {}",
                crate::wording::quoted(model)
            ),
            Operation::Delete { device } => write!(f, "delete device {device}"),
            Operation::Assign { device, user } => {
                write!(f, "assign device {device} to user {user}")
            }
            Operation::Unassign { device } => write!(f, "unassign device {device}"),
            Operation::Activate { device, code } => {
                write!(f, "activate device {device} with {code}")
            }
            Operation::Deactivate { device } => write!(f, "deactivate device {device}"),
            Operation::AssignAndActivate {
                device,
                user,
                right,
                by_serial,
            } => write!(
                f,
                "assign and activate device {device} for user {user} by {} with {}",
                if *by_serial { "serial number" } else { "id" },
                if *right {
                    "the right code"
                } else {
                    "a wrong code"
                }
            ),
            Operation::Advance { seconds } => write!(f, "move the clock {seconds} s forward"),
            Operation::List => f.write_str("list the inventory"),
        }
    }
}

/// What the target must answer to an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    /// Accepted statuses.
    pub statuses: &'static [u16],
    /// The rule behind them.
    pub rule: Rule,
}

const fn expect(statuses: &'static [u16], rule: Rule) -> Expect {
    Expect { statuses, rule }
}

/// An inventory write only an unassigned device takes (update, delete): `404` when gone, refused
/// while held, else `change` applies and the answer is `204` under `rule`.
fn change_unassigned(device: &mut Device, rule: Rule, change: impl FnOnce(&mut Device)) -> Expect {
    if device.gone {
        expect(&[404], rules::NOT_FOUND)
    } else if device.holder.is_some() {
        expect(&[400, 409], rules::UNASSIGNED_ONLY)
    } else {
        change(device);
        expect(&[204], rule)
    }
}

/// The answer the target owes `op` in `tenant`, and the tenant after it.
pub fn step(mut tenant: Tenant, op: &Operation) -> (Tenant, Expect) {
    let clock = tenant.clock;
    let methods: Vec<usize> = (0..USERS).map(|u| tenant.methods_of(u)).collect();
    let outcome = match *op {
        Operation::Create {
            secret,
            interval,
            sha256,
        } => {
            tenant.devices.push(Device {
                secret,
                interval,
                sha256,
                status: Status::Available,
                holder: None,
                gone: false,
                last_step: None,
                model: "Hardware Token 1000".to_owned(),
            });
            expect(&[201], rules::CREATE_CREATED)
        }
        Operation::List | Operation::Advance { .. } => {
            if let Operation::Advance { seconds } = op {
                tenant.clock += seconds;
            }
            expect(&[200], rules::PAGING)
        }
        Operation::Update { device, ref model } => {
            change_unassigned(&mut tenant.devices[device], rules::UPDATE, |d| {
                d.model = model.clone();
            })
        }
        Operation::Delete { device } => {
            change_unassigned(&mut tenant.devices[device], rules::DELETE, |d| {
                d.gone = true
            })
        }
        Operation::Assign { device, user } => {
            let d = &mut tenant.devices[device];
            if let Some(refused) = refuse_assign(d, methods[user]) {
                refused
            } else {
                d.holder = Some(user);
                d.status = Status::Assigned;
                expect(&[201], rules::ASSIGN)
            }
        }
        Operation::Unassign { device } => {
            let d = &mut tenant.devices[device];
            if d.gone || d.holder.is_none() {
                expect(&[404], rules::NOT_FOUND)
            } else {
                d.holder = None;
                d.status = Status::Available;
                expect(&[204], rules::UNASSIGN)
            }
        }
        Operation::Activate { device, code } => {
            let d = &mut tenant.devices[device];
            if d.gone || d.holder.is_none() {
                expect(&[404], rules::NOT_FOUND)
            } else {
                // The code is computed, and its fate decided, over the whole window: a "wrong" or
                // "replayed" code that happens to be some fresh step's code is accepted.
                let submitted = d.code(code, clock);
                let accepted = d.accepted_step(&submitted, clock);
                if let Some(step) = accepted {
                    d.last_step = Some(step);
                    d.status = Status::Activated;
                } else if d.status != Status::Activated {
                    // A refused code fails; an activated token stays activated.
                    d.status = Status::FailedActivation;
                }
                match (accepted, code) {
                    (Some(_), Code::Drifted) => expect(&[204], rules::ACTIVATION_WINDOW),
                    (Some(_), _) => expect(&[204], rules::ACTIVATE),
                    (None, Code::Wrong) => expect(&[400], rules::WRONG_CODE),
                    (None, _) => expect(&[400], rules::REPLAY),
                }
            }
        }
        Operation::Deactivate { device } => {
            let d = &mut tenant.devices[device];
            if d.gone || d.holder.is_none() {
                expect(&[404], rules::NOT_FOUND)
            } else {
                d.status = Status::Assigned;
                expect(&[204], rules::DEACTIVATE)
            }
        }
        Operation::AssignAndActivate {
            device,
            user,
            right,
            ..
        } => {
            let d = &mut tenant.devices[device];
            if let Some(refused) = refuse_assign(d, methods[user]) {
                refused
            } else {
                let submitted = d.code(assign_and_activate_code(right), clock);
                match d.accepted_step(&submitted, clock) {
                    Some(accepted) => {
                        d.holder = Some(user);
                        d.status = Status::Activated;
                        d.last_step = Some(accepted);
                        expect(&[204], rules::ASSIGN_AND_ACTIVATE)
                    }
                    // Nothing changes: the token stays in the inventory, unassigned.
                    None => expect(&[400], rules::WRONG_CODE),
                }
            }
        }
    };
    (tenant, outcome)
}

/// What an assign (or assign-and-activate) of `device` to a user holding `methods` methods must be
/// answered when it is refused: the device is gone, held already, or the user has no room.
fn refuse_assign(device: &Device, methods: usize) -> Option<Expect> {
    if device.gone {
        Some(expect(&[404], rules::NOT_FOUND))
    } else if device.holder.is_some() {
        Some(expect(&[400, 409], rules::ONE_USER))
    } else if methods >= MAX_METHODS {
        Some(expect(&[400], rules::FIVE_METHODS))
    } else {
        None
    }
}

/// The code an assign-and-activate sends: the current step's, or one outside the window.
pub fn assign_and_activate_code(right: bool) -> Code {
    if right { Code::Right } else { Code::Wrong }
}

/// The reference state machine of proptest-state-machine over [`Tenant`].
pub struct TenantMachine;

impl ReferenceStateMachine for TenantMachine {
    type State = Tenant;
    type Transition = Operation;

    fn init_state() -> BoxedStrategy<Tenant> {
        (0u64..1000)
            .prop_map(|k| Tenant {
                devices: Vec::new(),
                clock: EPOCH + k * 100_000,
            })
            .boxed()
    }

    fn transitions(tenant: &Tenant) -> BoxedStrategy<Operation> {
        let create = (
            any::<[u8; 10]>(),
            prop_oneof![Just(30u64), Just(60u64)],
            any::<bool>(),
        )
            .prop_map(|(secret, interval, sha256)| Operation::Create {
                secret,
                interval,
                sha256,
            });
        let count = tenant.devices.len();
        if count == 0 {
            return prop_oneof![
                4 => create,
                1 => (1u64..=90).prop_map(|seconds| Operation::Advance { seconds }),
                1 => Just(Operation::List),
            ]
            .boxed();
        }
        let device = 0..count;
        let user = 0..USERS;
        let code = prop_oneof![
            4 => Just(Code::Right),
            1 => Just(Code::Drifted),
            1 => Just(Code::Wrong),
            1 => Just(Code::Replayed),
        ];
        prop_oneof![
            2 => create,
            1 => (device.clone(), "[A-Za-z0-9 ]{1,16}")
                .prop_map(|(device, model)| Operation::Update { device, model }),
            1 => device.clone().prop_map(|device| Operation::Delete { device }),
            3 => (device.clone(), user.clone())
                .prop_map(|(device, user)| Operation::Assign { device, user }),
            1 => device.clone().prop_map(|device| Operation::Unassign { device }),
            3 => (device.clone(), code).prop_map(|(device, code)| Operation::Activate { device, code }),
            1 => device.clone().prop_map(|device| Operation::Deactivate { device }),
            2 => (device, user, prop::bool::weighted(0.8), any::<bool>()).prop_map(
                |(device, user, right, by_serial)| Operation::AssignAndActivate {
                    device,
                    user,
                    right,
                    by_serial,
                }
            ),
            1 => (1u64..=90).prop_map(|seconds| Operation::Advance { seconds }),
            1 => Just(Operation::List),
        ]
        .boxed()
    }

    fn apply(tenant: Tenant, op: &Operation) -> Tenant {
        step(tenant, op).0
    }

    fn preconditions(tenant: &Tenant, op: &Operation) -> bool {
        let count = tenant.devices.len();
        match *op {
            Operation::Create { .. } | Operation::Advance { .. } | Operation::List => true,
            Operation::Update { device, .. }
            | Operation::Delete { device }
            | Operation::Assign { device, .. }
            | Operation::Unassign { device }
            | Operation::Activate { device, .. }
            | Operation::Deactivate { device } => device < count,
            // The spec does not say what assign-and-activate of a token the same user already holds
            // does, so sequences never ask.
            Operation::AssignAndActivate { device, user, .. } => {
                device < count && tenant.devices[device].holder != Some(user)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn created() -> Tenant {
        step(
            Tenant {
                devices: Vec::new(),
                clock: EPOCH,
            },
            &Operation::Create {
                secret: [1; 10],
                interval: 30,
                sha256: false,
            },
        )
        .0
    }

    /// Activates device 0 with `code`.
    fn activate(tenant: Tenant, code: Code) -> (Tenant, Expect) {
        step(tenant, &Operation::Activate { device: 0, code })
    }

    #[test]
    fn the_lifecycle_and_its_illegal_transitions_follow_the_spec() {
        let tenant = created();
        let (tenant, e) = activate(tenant, Code::Right);
        assert_eq!(e.statuses, &[404], "not held by anyone");
        let (tenant, e) = step(tenant, &Operation::Assign { device: 0, user: 1 });
        assert_eq!(e.statuses, &[201]);
        let (tenant, e) = step(tenant, &Operation::Delete { device: 0 });
        assert_eq!(e.statuses, &[400, 409]);
        let (tenant, e) = activate(tenant, Code::Wrong);
        assert_eq!(
            (e.statuses, tenant.devices[0].status),
            (&[400][..], Status::FailedActivation)
        );
        let (tenant, e) = activate(tenant, Code::Right);
        assert_eq!(
            (e.statuses, tenant.devices[0].status),
            (&[204][..], Status::Activated)
        );
        let (tenant, e) = activate(tenant, Code::Right);
        assert_eq!(e.statuses, &[400], "the same step twice is a replay");
        assert_eq!(tenant.devices[0].status, Status::Activated);
        let (tenant, _) = step(tenant, &Operation::Advance { seconds: 30 });
        let (tenant, e) = step(tenant, &Operation::Unassign { device: 0 });
        assert_eq!(
            (e.statuses, tenant.devices[0].status),
            (&[204][..], Status::Available)
        );
        let (tenant, e) = step(
            tenant,
            &Operation::AssignAndActivate {
                device: 0,
                user: 0,
                right: false,
                by_serial: true,
            },
        );
        assert_eq!((e.statuses, tenant.devices[0].holder), (&[400][..], None));
        let (tenant, e) = step(tenant, &Operation::Delete { device: 0 });
        assert_eq!((e.statuses, tenant.devices[0].gone), (&[204][..], true));
    }

    #[test]
    fn the_model_knows_the_activation_window() {
        let (tenant, _) = step(created(), &Operation::Assign { device: 0, user: 0 });
        let (tenant, e) = activate(tenant, Code::Drifted);
        assert_eq!(e.statuses, &[204], "a drift well inside the window");
        assert_eq!(e.rule, rules::ACTIVATION_WINDOW);
        let (tenant, e) = activate(tenant, Code::Right);
        assert_eq!(
            e.statuses,
            &[204],
            "the current step is newer than the drifted one"
        );
        let (tenant, e) = activate(tenant, Code::Drifted);
        assert_eq!(e.statuses, &[400], "older than the last accepted step");
        assert_eq!(tenant.devices[0].status, Status::Activated);
    }

    #[test]
    fn codes_meant_to_be_refused_match_no_step_of_the_window() {
        for seed in 0..64u8 {
            let mut device = created().devices[0].clone();
            device.secret = [seed; 10];
            let clock = EPOCH + u64::from(seed) * 977;
            let wrong = device.code(Code::Wrong, clock);
            assert_eq!(device.accepted_step(&wrong, clock), None, "seed {seed}");
        }
    }
}

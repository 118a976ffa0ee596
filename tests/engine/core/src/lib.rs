// SPDX-License-Identifier: Apache-2.0
//! The records of the engine's `actionqueue-core` crate that a snapshot embeds, with the shapes
//! SNAPSHOT-SPEC.md sections 2-4 give them: field order, `Option`s, serde defaults, variants.
//! Only what the seed model (`../src/snapshot_model.rs`) names; no behaviour beyond serde.

macro_rules! uuid_ids {
    ($($name:ident),*) => {$(
        /// A UUID; serde writes it as the lowercase hyphenated string.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub struct $name(pub uuid::Uuid);
    )*};
}

pub mod ids {
    uuid_ids!(TaskId, RunId, AttemptId, ActorId, TenantId, LedgerEntryId);
}

pub mod budget {
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
    pub enum BudgetDimension {
        Token,
        CostCents,
        TimeSecs,
    }
}

pub mod platform {
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
    pub enum Role {
        Operator,
        Auditor,
        Gatekeeper,
        Custom(String),
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
    pub enum Capability {
        CanSubmit,
        CanExecute,
        CanReview,
        CanApprove,
        CanCancel,
        Custom(String),
    }
}

pub mod mutation {
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
    pub enum AttemptResultKind {
        Success,
        Failure,
        Timeout,
        Suspended,
    }
}

pub mod run {
    pub mod state {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub enum RunState {
            Scheduled,
            Ready,
            Leased,
            Running,
            RetryWait,
            Suspended,
            Completed,
            Failed,
            Canceled,
        }
    }

    pub mod run_instance {
        use super::state::RunState;
        use crate::ids::{AttemptId, RunId, TaskId};

        /// The engine keeps these fields private behind accessors; serde sees them in order.
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub struct RunInstance {
            id: RunId,
            task_id: TaskId,
            state: RunState,
            current_attempt_id: Option<AttemptId>,
            attempt_count: u32,
            created_at: u64,
            scheduled_at: u64,
            effective_priority: i32,
            #[cfg_attr(feature = "serde", serde(default))]
            last_state_change_at: u64,
        }

        impl RunInstance {
            pub fn id(&self) -> RunId {
                self.id
            }
        }
    }
}

pub mod subscription {
    use crate::budget::BudgetDimension;
    use crate::ids::TaskId;
    use crate::run::state::RunState;

    uuid_ids!(SubscriptionId);

    #[derive(Debug, Clone, PartialEq, Eq)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
    pub enum EventFilter {
        TaskCompleted {
            task_id: TaskId,
        },
        RunStateChanged {
            task_id: TaskId,
            state: RunState,
        },
        BudgetThreshold {
            task_id: TaskId,
            dimension: BudgetDimension,
            threshold_pct: u8,
        },
        Custom {
            key: String,
        },
    }
}

pub mod task {
    pub mod task_spec {
        use crate::ids::{TaskId, TenantId};

        #[derive(Debug, Clone, PartialEq, Eq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub struct TaskPayload {
            pub bytes: Vec<u8>,
            pub content_type: Option<String>,
        }

        #[derive(Debug, Clone, PartialEq, Eq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub enum RunPolicy {
            Once,
            Repeat {
                count: u32,
                interval_secs: u64,
            },
            Cron {
                expression: String,
                #[cfg_attr(
                    feature = "serde",
                    serde(default, skip_serializing_if = "Option::is_none")
                )]
                max_occurrences: Option<u32>,
            },
        }

        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub enum ConcurrencyKeyHoldPolicy {
            #[default]
            HoldDuringRetry,
            ReleaseOnRetry,
        }

        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub enum SafetyLevel {
            #[default]
            Pure,
            Idempotent,
            Transactional,
        }

        #[derive(Debug, Clone, PartialEq, Eq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub struct TaskConstraints {
            pub max_attempts: u32,
            pub timeout_secs: Option<u64>,
            pub concurrency_key: Option<String>,
            #[cfg_attr(feature = "serde", serde(default))]
            pub concurrency_key_hold_policy: ConcurrencyKeyHoldPolicy,
            #[cfg_attr(feature = "serde", serde(default))]
            pub safety_level: SafetyLevel,
            #[cfg_attr(feature = "serde", serde(default))]
            pub required_capabilities: Option<Vec<String>>,
        }

        #[derive(Debug, Clone, PartialEq, Eq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub struct TaskMetadata {
            pub tags: Vec<String>,
            pub priority: i32,
            pub description: Option<String>,
        }

        #[derive(Debug, Clone, PartialEq, Eq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub struct TaskSpec {
            pub id: TaskId,
            pub payload: TaskPayload,
            pub run_policy: RunPolicy,
            pub constraints: TaskConstraints,
            pub metadata: TaskMetadata,
            #[cfg_attr(feature = "serde", serde(default))]
            pub parent_task_id: Option<TaskId>,
            #[cfg_attr(feature = "serde", serde(default))]
            pub tenant_id: Option<TenantId>,
        }
    }
}

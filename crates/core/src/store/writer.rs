//! The writer thread: owns the write connection, takes writes from a queue and commits them in
//! groups. Each write of a group runs in a savepoint of its own, so one that fails (a run of a
//! delivery that is not stored) fails alone; every write of the group is answered only after the
//! group's transaction has committed, with its result, or with the commit's error.

use std::path::PathBuf;
use std::thread::JoinHandle;

use chrono::{SecondsFormat, Utc};
use crossbeam_channel::{Receiver, Sender};
use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::checkpoint::Nudge;
use super::{NewDelivery, Recorded, StoreError, queries};

/// The most writes committed in one transaction. Under load the queue fills while a commit runs,
/// and the next commit takes everything queued up to this many.
pub const MAX_GROUP: usize = 256;

/// Where the answer to a write goes: an awaiting task, or a blocked thread.
pub(super) enum Reply<T> {
    Async(tokio::sync::oneshot::Sender<Result<T, StoreError>>),
    Blocking(std::sync::mpsc::SyncSender<Result<T, StoreError>>),
}

impl<T> Reply<T> {
    /// Answers; a caller that stopped waiting (a dropped future) is no error.
    fn send(self, result: Result<T, StoreError>) {
        match self {
            Reply::Async(sender) => {
                let _ = sender.send(result);
            }
            Reply::Blocking(sender) => {
                let _ = sender.send(result);
            }
        }
    }
}

/// One write.
pub(super) enum Job {
    Delivery(NewDelivery, Reply<Recorded>),
    Run {
        delivery_id: i64,
        transform: String,
        record: String,
        reply: Reply<i64>,
    },
    Send {
        run_id: i64,
        delivery: String,
        reply: Reply<i64>,
    },
}

impl Job {
    /// About how many bytes the write adds to the WAL.
    fn size(&self) -> usize {
        const ROW: usize = 256;
        match self {
            Job::Delivery(d, _) => {
                let headers: usize = d.headers.iter().map(|(n, v)| n.len() + v.len() + 8).sum();
                ROW + d.body.len() + headers
            }
            Job::Run {
                transform, record, ..
            } => ROW + transform.len() + record.len(),
            Job::Send { delivery, .. } => ROW + delivery.len(),
        }
    }
}

/// A write done inside the transaction, waiting for the commit to be answered.
enum Done {
    Delivery(Reply<Recorded>, Result<Recorded, StoreError>),
    Id(Reply<i64>, Result<i64, StoreError>),
}

impl Done {
    /// Answers with the write's result, or with `failed` (the commit's error) if it had
    /// succeeded: a write whose transaction did not commit is not stored.
    fn answer(self, failed: Option<&StoreError>) {
        match self {
            Done::Delivery(reply, result) => reply.send(after_commit(result, failed)),
            Done::Id(reply, result) => reply.send(after_commit(result, failed)),
        }
    }
}

fn after_commit<T>(
    result: Result<T, StoreError>,
    failed: Option<&StoreError>,
) -> Result<T, StoreError> {
    match (result, failed) {
        (Ok(_), Some(error)) => Err(error.duplicate()),
        (result, _) => result,
    }
}

/// Starts the writer thread on `conn` (already migrated); it nudges the checkpointer as it
/// commits, and hands the connection back when it ends.
pub(super) fn spawn(
    conn: Connection,
    path: PathBuf,
    nudge: Nudge,
) -> Result<(Sender<Job>, JoinHandle<Connection>), StoreError> {
    let (jobs, queue) = crossbeam_channel::unbounded();
    let thread_path = path.clone();
    let handle = std::thread::Builder::new()
        .name("hookbench-store-writer".into())
        .spawn(move || run(conn, &thread_path, &queue, nudge))
        .map_err(|source| StoreError::Io { path, source })?;
    Ok((jobs, handle))
}

/// Until every sender is gone: wait for a write, take whatever else is queued (up to
/// [`MAX_GROUP`]), commit them together. Returns the connection.
fn run(
    mut conn: Connection,
    path: &std::path::Path,
    queue: &Receiver<Job>,
    mut nudge: Nudge,
) -> Connection {
    while let Ok(first) = queue.recv() {
        let mut group = Vec::with_capacity(MAX_GROUP.min(queue.len() + 1));
        group.push(first);
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let committed = commit_group(&mut conn, path, group);
        if nudge.committed(committed) {
            // Between two commits; one that fails or stops short loses nothing, and is tried
            // again after the next commit so that the WAL does start over.
            match nudge.checkpoint(&conn) {
                Ok(progress) if progress.complete => nudge.reset_done(),
                _ => nudge.reset_unfinished(),
            }
        }
    }
    conn
}

/// Runs a group of writes in one transaction and answers each after the commit. Returns about
/// how many bytes were committed.
pub(super) fn commit_group(
    conn: &mut Connection,
    path: &std::path::Path,
    group: Vec<Job>,
) -> usize {
    let error = |e| StoreError::from_sqlite(path, e);
    // IMMEDIATE takes the write lock now, waiting up to the busy timeout for another process.
    let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            let failed = error(e);
            for job in group {
                fail(job, &failed);
            }
            return 0;
        }
    };
    let size: usize = group.iter().map(Job::size).sum();
    let created_at = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
    let done: Vec<Done> = group
        .into_iter()
        .map(|job| apply(&mut tx, path, job, &created_at))
        .collect();
    let failed = tx.commit().err().map(error);
    let committed = if failed.is_some() { 0 } else { size };
    for item in done {
        item.answer(failed.as_ref());
    }
    committed
}

/// One write in a savepoint of its own.
fn apply(tx: &mut Transaction<'_>, path: &std::path::Path, job: Job, created_at: &str) -> Done {
    let error = |e| StoreError::from_sqlite(path, e);
    let missing = |what: &'static str, id: i64| StoreError::Missing {
        path: path.to_path_buf(),
        what,
        id,
    };
    match job {
        Job::Delivery(delivery, reply) => {
            let result =
                in_savepoint(tx, |conn| queries::insert_delivery(conn, &delivery)).map_err(error);
            Done::Delivery(reply, result)
        }
        Job::Run {
            delivery_id,
            transform,
            record,
            reply,
        } => {
            let result = in_savepoint(tx, |conn| {
                queries::insert_run(conn, delivery_id, &transform, &record, created_at)
            })
            .map_err(error)
            .and_then(|id| id.ok_or_else(|| missing("delivery", delivery_id)));
            Done::Id(reply, result)
        }
        Job::Send {
            run_id,
            delivery,
            reply,
        } => {
            let result = in_savepoint(tx, |conn| {
                queries::insert_send(conn, run_id, &delivery, created_at)
            })
            .map_err(error)
            .and_then(|id| id.ok_or_else(|| missing("run", run_id)));
            Done::Id(reply, result)
        }
    }
}

/// Runs `write` in a savepoint: released when it succeeds, rolled back when it fails.
fn in_savepoint<T>(
    tx: &mut Transaction<'_>,
    write: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let savepoint = tx.savepoint()?;
    // Dropping an unreleased savepoint rolls it back.
    let value = write(&savepoint)?;
    savepoint.commit()?;
    Ok(value)
}

/// Answers a write that could not even start.
fn fail(job: Job, error: &StoreError) {
    match job {
        Job::Delivery(_, reply) => reply.send(Err(error.duplicate())),
        Job::Run { reply, .. } | Job::Send { reply, .. } => reply.send(Err(error.duplicate())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Verification, schema};
    use std::time::Duration;

    fn delivery(webhook_id: &str, status: u16) -> NewDelivery {
        NewDelivery {
            webhook_id: Some(webhook_id.to_string()),
            received_at: "2026-02-03T14:02:11Z".into(),
            event_type: Some("payment.succeeded".into()),
            body: b"{}".to_vec(),
            headers: vec![],
            verification: Verification::Valid,
            status,
            reason: None,
        }
    }

    fn setup() -> (tempfile::TempDir, PathBuf, Connection) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("h.sqlite3");
        let mut conn = schema::connect(&path, Duration::from_secs(1)).expect("connect");
        schema::migrate(&mut conn, &path).expect("migrate");
        (dir, path, conn)
    }

    type Answer<T> = std::sync::mpsc::Receiver<Result<T, StoreError>>;

    fn blocking<T>() -> (Reply<T>, Answer<T>) {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        (Reply::Blocking(tx), rx)
    }

    #[test]
    fn a_group_commits_together_and_a_failing_write_fails_alone() {
        let (_dir, path, mut conn) = setup();
        let (a, a_answer) = blocking();
        let (b, b_answer) = blocking();
        let (run, run_answer) = blocking();
        let (again, again_answer) = blocking();
        let group = vec![
            Job::Delivery(delivery("msg_a", 200), a),
            // No delivery 42: fails, the others are still stored.
            Job::Run {
                delivery_id: 42,
                transform: "t".into(),
                record: "{}".into(),
                reply: run,
            },
            Job::Delivery(delivery("msg_b", 401), b),
            // Same group, same accepted id: a redelivery of the row written above.
            Job::Delivery(delivery("msg_a", 200), again),
        ];
        commit_group(&mut conn, &path, group);
        assert_eq!(
            a_answer.recv().expect("answer").expect("ok"),
            Recorded::New { id: 1 }
        );
        assert_eq!(
            b_answer.recv().expect("answer").expect("ok"),
            Recorded::New { id: 2 }
        );
        assert_eq!(
            again_answer.recv().expect("answer").expect("ok"),
            Recorded::Redelivery {
                id: 1,
                redeliveries: 1
            }
        );
        let err = run_answer.recv().expect("answer").expect_err("missing");
        assert!(
            matches!(
                err,
                StoreError::Missing {
                    what: "delivery",
                    id: 42,
                    ..
                }
            ),
            "{err:?}"
        );
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM deliveries", [], |r| r.get(0))
            .expect("count");
        assert_eq!(rows, 2);
    }

    #[test]
    fn when_the_transaction_cannot_start_every_write_gets_the_error() {
        let (_dir, path, conn) = setup();
        drop(conn);
        let locker = rusqlite::Connection::open(&path).expect("open");
        locker.execute_batch("BEGIN EXCLUSIVE").expect("lock");
        let mut conn = schema::connect(&path, Duration::from_millis(50)).expect("connect");
        let (a, a_answer) = blocking();
        let (run, run_answer) = blocking();
        commit_group(
            &mut conn,
            &path,
            vec![
                Job::Delivery(delivery("msg_a", 200), a),
                Job::Run {
                    delivery_id: 1,
                    transform: "t".into(),
                    record: "{}".into(),
                    reply: run,
                },
            ],
        );
        assert!(matches!(
            a_answer.recv().expect("answer"),
            Err(StoreError::Locked { .. })
        ));
        assert!(matches!(
            run_answer.recv().expect("answer"),
            Err(StoreError::Locked { .. })
        ));
        locker.execute_batch("ROLLBACK").expect("unlock");
    }
}

//! WAL checkpoints, off the writer thread. A checkpoint copies the WAL back into the database
//! and syncs both files; done by the writer at a commit (SQLite's automatic checkpoint), it holds
//! the writes queued behind that commit for the length of the syncs, which can take tens of
//! milliseconds while the WAL grows. Here the writer only nudges this thread, which runs PASSIVE
//! checkpoints: they block neither the writer nor readers.
//!
//! The WAL starts over from its beginning only at a write that finds it wholly checkpointed.
//! This thread checkpoints once more when the writer has been quiet for [`IDLE`], so after a
//! burst the next write starts the WAL over (and `journal_size_limit` cuts the file back to
//! [`WAL_SIZE_LIMIT`]). Under load that never pauses, a checkpoint racing the writer never
//! finishes the WAL, which grows (many small commits write about 6 times the bytes they store):
//! past [`RESET_FRAMES`] (as the checkpointer sees it) or [`WRITER_RESET_BYTES`] committed (as
//! the writer counts), the writer checkpoints itself between two commits, one short pause, and
//! again after each commit until one copies the whole WAL; meanwhile the checkpointer stands
//! aside. The next commit starts the WAL over, so the file stays within a few times
//! [`WAL_SIZE_LIMIT`] (measured under sustained 32 KB writes: under 26 MB).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError};
use rusqlite::Connection;

use super::StoreError;

/// About how many bytes the writer commits between two checkpoints: SQLite's own default
/// (1,000 pages of 4 KiB).
pub const CHECKPOINT_BYTES: usize = 4 << 20;

/// What a commit adds to the WAL besides its rows: the table and index pages it rewrites.
pub const COMMIT_OVERHEAD_BYTES: usize = 4 * 4096;

/// WAL frames (pages) past which the writer checkpoints once itself: 16 MiB of 4 KiB pages. That
/// checkpoint pauses the writer for as long as copying the WAL takes (about 0.1 s at 64 MiB, so
/// some 25 ms here); a lower mark would pause it more often, a higher one lets the WAL grow to
/// many times the size of the store it serves.
pub const RESET_FRAMES: i64 = 4_096;

/// What the WAL file is cut back to when it starts over (`journal_size_limit`): the size it
/// reaches before the writer checkpoints.
pub const WAL_SIZE_LIMIT: i64 = RESET_FRAMES * 4096;

/// How long the writer is quiet before the last commits are checkpointed.
pub const IDLE: Duration = Duration::from_secs(1);

/// What the writer and the checkpointer share.
#[derive(Default)]
struct Shared {
    /// Commits since the checkpointer's last checkpoint.
    dirty: AtomicBool,
    /// The WAL is past [`RESET_FRAMES`]: the writer should checkpoint.
    reset_due: AtomicBool,
    /// The writer is checkpointing itself until the WAL starts over: the checkpointer stands
    /// aside, as its checkpoints would keep the writer's from running.
    writer_resets: AtomicBool,
    /// Held for the length of every checkpoint. SQLite runs one checkpoint at a time and a
    /// second one gives up at once, so without it the writer's own checkpoint fails whenever
    /// the checkpointer is in the middle of one, and on a busy machine (the checkpointer
    /// descheduled mid-copy) it could fail commit after commit while the WAL grows. With it the
    /// writer waits for the checkpoint under way, then copies the rest.
    turn: Mutex<()>,
}

impl Shared {
    /// Runs a checkpoint while no other is under way.
    fn checkpoint(&self, conn: &Connection) -> rusqlite::Result<Progress> {
        let _turn = self.turn.lock().unwrap_or_else(PoisonError::into_inner);
        checkpoint(conn)
    }
}

/// About how many bytes the writer commits before it checkpoints once itself, whatever the
/// checkpointer has seen: half the WAL's limit, as the estimate of a commit's WAL bytes runs low
/// for small rows.
pub const WRITER_RESET_BYTES: usize = (WAL_SIZE_LIMIT / 2) as usize;

/// The writer's side: counts what it committed, nudges the checkpointer past the threshold.
pub(super) struct Nudge {
    sender: Sender<()>,
    written: usize,
    /// About how many bytes were committed since the WAL last started over.
    since_reset: usize,
    shared: Arc<Shared>,
}

impl Nudge {
    /// Counts a commit of about `bytes`; past [`CHECKPOINT_BYTES`], asks for a checkpoint
    /// (without ever waiting: if one is already asked for, that one will do). True when the
    /// writer should checkpoint itself now.
    pub(super) fn committed(&mut self, bytes: usize) -> bool {
        self.shared.dirty.store(true, Ordering::Relaxed);
        self.written = self
            .written
            .saturating_add(bytes)
            .saturating_add(COMMIT_OVERHEAD_BYTES);
        self.since_reset = self
            .since_reset
            .saturating_add(bytes)
            .saturating_add(COMMIT_OVERHEAD_BYTES);
        if self.written >= CHECKPOINT_BYTES {
            match self.sender.try_send(()) {
                Ok(()) | Err(TrySendError::Full(())) => self.written = 0,
                Err(TrySendError::Disconnected(())) => {}
            }
        }
        let due = self.shared.reset_due.swap(false, Ordering::Relaxed)
            || self.since_reset >= WRITER_RESET_BYTES;
        if due {
            self.shared.writer_resets.store(true, Ordering::Relaxed);
        }
        due
    }

    /// The writer's own checkpoint, between two commits: it waits for one the checkpointer has
    /// under way, so only a reader can keep it from copying the whole WAL.
    pub(super) fn checkpoint(&self, conn: &Connection) -> rusqlite::Result<Progress> {
        self.shared.checkpoint(conn)
    }

    /// The writer's own checkpoint copied the whole WAL: the next commit starts it over.
    pub(super) fn reset_done(&mut self) {
        self.since_reset = 0;
        self.shared.writer_resets.store(false, Ordering::Relaxed);
    }

    /// The writer's own checkpoint did not copy the whole WAL (the checkpointer held it, or a
    /// reader): it tries again after its next commit.
    pub(super) fn reset_unfinished(&mut self) {
        self.shared.reset_due.store(true, Ordering::Relaxed);
    }
}

/// Starts the checkpointer on its own connection; it ends when the [`Nudge`] is dropped.
pub(super) fn spawn(conn: Connection, path: &Path) -> Result<(Nudge, JoinHandle<()>), StoreError> {
    let (sender, nudges) = crossbeam_channel::bounded(1);
    let shared = Arc::new(Shared::default());
    let theirs = Arc::clone(&shared);
    let handle = std::thread::Builder::new()
        .name("hookbench-store-checkpoint".into())
        .spawn(move || run(&conn, &nudges, &theirs))
        .map_err(|source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let nudge = Nudge {
        sender,
        written: 0,
        since_reset: 0,
        shared,
    };
    Ok((nudge, handle))
}

fn run(conn: &Connection, nudges: &Receiver<()>, shared: &Shared) {
    loop {
        match nudges.recv_timeout(IDLE) {
            Ok(()) => {}
            Err(RecvTimeoutError::Timeout) if shared.dirty.load(Ordering::Relaxed) => {}
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        }
        if shared.writer_resets.load(Ordering::Relaxed) {
            continue;
        }
        shared.dirty.store(false, Ordering::Relaxed);
        // A failed checkpoint loses nothing (the WAL keeps every commit); the next one retries.
        if let Ok(progress) = shared.checkpoint(conn)
            && progress.frames >= RESET_FRAMES
        {
            shared.reset_due.store(true, Ordering::Relaxed);
        }
    }
}

/// What a checkpoint did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Progress {
    /// The WAL's size in frames.
    pub frames: i64,
    /// True when every frame is in the database: the next write starts the WAL over.
    pub complete: bool,
}

/// One PASSIVE checkpoint: as much of the WAL as no reader still needs.
pub(super) fn checkpoint(conn: &Connection) -> rusqlite::Result<Progress> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        let busy: i64 = row.get(0)?;
        let frames: i64 = row.get(1)?;
        let copied: i64 = row.get(2)?;
        Ok(Progress {
            frames,
            complete: busy == 0 && copied >= frames,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nudge() -> (Nudge, Receiver<()>) {
        let (sender, nudges) = crossbeam_channel::bounded(1);
        let nudge = Nudge {
            sender,
            written: 0,
            since_reset: 0,
            shared: Arc::new(Shared::default()),
        };
        (nudge, nudges)
    }

    #[test]
    fn the_checkpointer_is_nudged_past_the_threshold_and_never_blocks_the_writer() {
        let (mut nudge, nudges) = nudge();
        assert!(!nudge.committed(CHECKPOINT_BYTES - COMMIT_OVERHEAD_BYTES - 1));
        assert!(nudges.try_recv().is_err());
        assert!(nudge.shared.dirty.load(Ordering::Relaxed));
        assert!(!nudge.committed(0));
        assert!(nudges.try_recv().is_ok());
        // Asked twice before the checkpointer wakes: one checkpoint, and no wait.
        nudge.committed(CHECKPOINT_BYTES);
        nudge.committed(CHECKPOINT_BYTES);
        assert!(nudges.try_recv().is_ok());
        assert!(nudges.try_recv().is_err());
        drop(nudges);
        nudge.committed(CHECKPOINT_BYTES);
    }

    #[test]
    fn a_long_wal_has_the_writer_checkpoint_once() {
        let (mut nudge, _nudges) = nudge();
        nudge.shared.reset_due.store(true, Ordering::Relaxed);
        assert!(nudge.committed(10));
        assert!(!nudge.committed(10));
        // Past its own estimate the writer checkpoints until the WAL has started over.
        assert!(nudge.committed(WRITER_RESET_BYTES));
        nudge.reset_unfinished();
        assert!(nudge.committed(10));
        nudge.reset_done();
        assert!(!nudge.committed(10));
    }

    #[test]
    fn under_sustained_writes_the_wal_stays_bounded() {
        use crate::store::{NewDelivery, Store, Verification};
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("store");
        let wal = store.path().with_extension("sqlite3-wal");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let body = vec![b'x'; 32 * 1024];
        // 96 MiB of bodies, six times the limit, in groups that keep the writer busy: the WAL
        // stays under three times the limit (typically under 1.5 times; on a loaded machine the
        // writer's own checkpoint may have to be tried a few commits running). Without a bound
        // it grows past 100 MB here.
        let rounds = (96 << 20) / (body.len() * 32);
        let bound: u64 = 48 << 20;
        assert!(bound >= 3 * WAL_SIZE_LIMIT as u64);
        let mut largest = 0;
        for round in 0..rounds {
            let writes = (0..32).map(|n| {
                store.record(NewDelivery {
                    webhook_id: Some(format!("msg_{round}_{n}")),
                    received_at: "2026-02-03T14:02:11Z".into(),
                    event_type: None,
                    body: body.clone(),
                    headers: vec![],
                    verification: Verification::Unsigned,
                    status: 200,
                    reason: None,
                })
            });
            for result in runtime.block_on(futures_util::future::join_all(writes)) {
                result.expect("stored");
            }
            let size = std::fs::metadata(&wal).map_or(0, |m| m.len());
            largest = largest.max(size);
            assert!(size < bound, "WAL at {size} bytes after round {round}");
        }
        assert!(largest > 0, "the WAL was written");
        assert_eq!(store.count().expect("count"), (rounds * 32) as u64);
    }

    #[test]
    fn a_quiet_writer_gets_its_last_commits_checkpointed_and_the_wal_starts_over() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("h.sqlite3");
        let wal = dir.path().join("h.sqlite3-wal");
        let connect =
            || super::super::schema::connect(&path, Duration::from_secs(1)).expect("connect");
        let writer = connect();
        // Cut the WAL file to what it holds when it starts over: its size shows the restart.
        writer
            .execute_batch(
                "PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 0; CREATE TABLE t (x);",
            )
            .expect("setup");
        let (mut nudge, handle) = spawn(connect(), &path).expect("spawn");
        for n in 0..100 {
            writer
                .execute("INSERT INTO t VALUES (?1)", [n])
                .expect("insert");
            nudge.committed(8);
        }
        let before = std::fs::metadata(&wal).expect("wal").len();
        assert!(before > 100 * 4096, "{before}");
        std::thread::sleep(IDLE + Duration::from_millis(500));
        writer
            .execute("INSERT INTO t VALUES (0)", [])
            .expect("insert");
        let after = std::fs::metadata(&wal).expect("wal").len();
        assert!(after < 4 * 4096, "{after} bytes after, {before} before");
        drop(nudge);
        handle.join().expect("ends");
    }
}

//! History: the deliveries received, the transformation runs of them and the sends of those runs,
//! in SQLite (WAL) at `<data dir>/history.sqlite3`.
//!
//! One writer thread owns the write connection and commits queued writes in groups (one
//! transaction for up to [`MAX_GROUP`] of them); a write is acknowledged only after the
//! transaction holding it has committed. Reads go through a second connection behind a mutex:
//! WAL lets them run while the writer commits. A third thread checkpoints the WAL, so no write
//! waits for a checkpoint's syncs. Nothing is cached here beyond what a query returns.
//!
//! The history holds customers' emails and bodies: on Unix the folder hookbench creates is
//! `0700` and the file (with its `-wal` and `-shm`, which SQLite gives the file's mode) `0600`;
//! wider modes found on open are narrowed. In a folder hookbench cannot write, the commands that
//! only read open the file read-only ([`Store::open_for_reading`]); the others say which folder
//! is read-only and how to pick another.

mod checkpoint;
mod error;
mod queries;
mod schema;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;
use serde::Serialize;

pub use error::StoreError;
pub use schema::SCHEMA_VERSION;
pub use writer::MAX_GROUP;

use writer::{Job, Reply};

/// The history file inside the data directory.
pub const FILE_NAME: &str = "history.sqlite3";

/// What the receiver made of a delivery's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verification {
    /// A signature matched.
    Valid,
    /// Signed, but no signature matched, or the timestamp was out of tolerance, or a header was
    /// missing.
    Invalid,
    /// No secret configured: accepted without checking.
    Unsigned,
}

impl Verification {
    /// The text stored (and shown in JSON): `valid`, `invalid`, `unsigned`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verification::Valid => "valid",
            Verification::Invalid => "invalid",
            Verification::Unsigned => "unsigned",
        }
    }

    /// The value of a stored text, if it is one.
    pub fn parse(text: &str) -> Option<Verification> {
        match text {
            "valid" => Some(Verification::Valid),
            "invalid" => Some(Verification::Invalid),
            "unsigned" => Some(Verification::Unsigned),
            _ => None,
        }
    }
}

impl std::fmt::Display for Verification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Text that is not a [`Verification`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a verification result (valid, invalid, unsigned)")]
pub struct UnknownVerification(pub String);

impl std::str::FromStr for Verification {
    type Err = UnknownVerification;

    fn from_str(text: &str) -> Result<Verification, UnknownVerification> {
        Verification::parse(text).ok_or_else(|| UnknownVerification(text.to_string()))
    }
}

/// A delivery as received, before it is stored. Headers are already stripped of secrets by the
/// caller.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub webhook_id: Option<String>,
    /// RFC 3339.
    pub received_at: String,
    pub event_type: Option<String>,
    /// The raw bytes; may be empty for bodies over the limit.
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
    pub verification: Verification,
    /// What the receiver answers.
    pub status: u16,
    pub reason: Option<String>,
}

impl NewDelivery {
    /// True when the receiver accepts it (see [`accepted`]).
    pub fn accepted(&self) -> bool {
        accepted(self.status, self.verification)
    }
}

/// True for a 2xx answer: the status a delivery is accepted with.
pub fn is_accepted_status(status: u16) -> bool {
    (200..300).contains(&status)
}

/// The acceptance rule: a received webhook counts as accepted (it is the one that gets
/// transformed) when the receiver answered 2xx, and never when its signature is invalid.
pub fn accepted(status: u16, verification: Verification) -> bool {
    is_accepted_status(status) && verification != Verification::Invalid
}

/// What [`Store::record`] did with a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Stored as a new row.
    New { id: i64 },
    /// An accepted delivery with this webhook-id was already stored: its count of redeliveries
    /// went up (to `redeliveries`) and nothing else was stored.
    Redelivery { id: i64, redeliveries: u32 },
}

/// A stored delivery without its headers and body: one row of `history list`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliverySummary {
    pub id: i64,
    pub webhook_id: Option<String>,
    pub received_at: String,
    pub event_type: Option<String>,
    pub verification: Verification,
    pub status: u16,
    pub reason: Option<String>,
    pub redeliveries: u32,
    /// The body's size in bytes.
    pub bytes: usize,
}

impl DeliverySummary {
    /// True when the receiver accepted this delivery (see [`accepted`]).
    pub fn accepted(&self) -> bool {
        accepted(self.status, self.verification)
    }
}

/// A stored delivery, whole.
#[derive(Debug, Clone)]
pub struct StoredDelivery {
    pub summary: DeliverySummary,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A stored transformation run of a delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRun {
    pub id: i64,
    pub delivery_id: i64,
    pub transform: String,
    /// The run record as JSON text.
    pub record: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// A stored send of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSend {
    pub id: i64,
    pub run_id: i64,
    /// The delivery (key masked) as JSON text.
    pub delivery: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// How a store is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// How long a write (or the opening migration) waits for another process holding the file's
    /// write lock before giving up with [`StoreError::Locked`].
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// The history. Cloning is cheap; clones share one writer thread and one read connection. The
/// writer stops when the last clone is dropped, after committing what was queued.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    /// Opened by [`Store::open_for_reading`] in a folder that cannot be written: no writer.
    read_only: bool,
    /// None only while dropping.
    jobs: Option<crossbeam_channel::Sender<Job>>,
    writer: Option<JoinHandle<Connection>>,
    checkpointer: Option<JoinHandle<()>>,
    reader: Mutex<Connection>,
    /// The write connection, back from the writer while dropping. Fields drop in order, so it
    /// closes after the reader: the last connection of all to close checkpoints the WAL and
    /// deletes it, which only a read-write connection can do. (In a mutex only so that `Store`
    /// stays `Sync`.)
    closing: Mutex<Option<Connection>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the queue ends the writer once it has committed everything queued.
        self.jobs.take();
        if let Some(writer) = self.writer.take() {
            *self
                .closing
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner) = writer.join().ok();
        }
        // The writer's end dropped its nudge: the checkpointer ends too.
        if let Some(checkpointer) = self.checkpointer.take() {
            let _ = checkpointer.join();
        }
    }
}

// The receiver shares one store between the tasks of a multi-threaded runtime.
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<Store>();
};

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating the folder and `history.sqlite3`) with WAL and applies migrations: a file
    /// written by an older schema is migrated, a newer one is refused, a corrupt or locked file
    /// gives an error naming it.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        Store::open_with(dir, StoreOptions::default())
    }

    /// [`Store::open`] with options.
    pub fn open_with(dir: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        Store::open_writable(dir, options).map_err(|error| match error {
            // What SQLite says of a folder it cannot write in ("unable to open database file",
            // "attempt to write a readonly database") does not name the folder or the way out.
            StoreError::Io { ref source, .. }
                if source.kind() == std::io::ErrorKind::PermissionDenied =>
            {
                StoreError::ReadOnly {
                    dir: dir.to_path_buf(),
                }
            }
            StoreError::Io { .. } | StoreError::Sqlite { .. }
                if dir.is_dir() && !access::writable(dir) =>
            {
                StoreError::ReadOnly {
                    dir: dir.to_path_buf(),
                }
            }
            other => other,
        })
    }

    /// For commands that only read: [`Store::open`], or where the data directory cannot be
    /// written, the existing history opened read-only. SQLite's read-only mode still needs
    /// the `-shm` file of a WAL database; when that cannot be created either, the file is read
    /// as immutable (nothing can change it in a folder no one can write).
    pub fn open_for_reading(dir: &Path) -> Result<Store, StoreError> {
        match Store::open(dir) {
            Err(StoreError::ReadOnly { dir }) if dir.join(FILE_NAME).is_file() => {
                Store::open_read_only(&dir, StoreOptions::default())
            }
            other => other,
        }
    }

    fn open_read_only(dir: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        let path = dir.join(FILE_NAME);
        let error = |e| StoreError::from_sqlite(&path, e);
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
            | rusqlite::OpenFlags::SQLITE_OPEN_URI
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let open = |uri: &str| -> Result<Connection, StoreError> {
            let conn = Connection::open_with_flags(uri, flags).map_err(error)?;
            conn.busy_timeout(options.busy_timeout).map_err(error)?;
            let found = schema::version(&conn).map_err(error)?;
            if found > SCHEMA_VERSION {
                return Err(StoreError::NewerSchema {
                    path: path.clone(),
                    found,
                    supported: SCHEMA_VERSION,
                });
            }
            if found < SCHEMA_VERSION {
                return Err(StoreError::Sqlite {
                    path: path.clone(),
                    message: format!(
                        "written by an older hookbench (schema version {found}) and cannot be brought up to date in a read-only folder; open it once where it can be written"
                    ),
                });
            }
            Ok(conn)
        };
        let reader = match open(&sqlite_uri(&path, "mode=ro")) {
            Ok(conn) => conn,
            Err(StoreError::Sqlite { .. }) => open(&sqlite_uri(&path, "immutable=1"))?,
            Err(other) => return Err(other),
        };
        Ok(Store {
            inner: Arc::new(Inner {
                path,
                read_only: true,
                jobs: None,
                writer: None,
                checkpointer: None,
                reader: Mutex::new(reader),
                closing: Mutex::new(None),
            }),
        })
    }

    fn open_writable(dir: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        access::create_private_dir(dir).map_err(|source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(FILE_NAME);
        access::make_private(&path).map_err(|source| StoreError::Io {
            path: path.clone(),
            source,
        })?;
        let mut write = schema::connect(&path, options.busy_timeout)?;
        schema::migrate(&mut write, &path)?;
        // Checkpoints run on a thread of their own (see `checkpoint`), not at the writer's
        // commits.
        write
            .execute_batch(&format!(
                "PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = {};",
                checkpoint::WAL_SIZE_LIMIT
            ))
            .map_err(|e| StoreError::from_sqlite(&path, e))?;
        let checkpoints = schema::connect(&path, options.busy_timeout)?;
        let reader = schema::connect_reader(&path, options.busy_timeout)?;
        let (nudge, checkpointer) = checkpoint::spawn(checkpoints, &path)?;
        let (jobs, writer) = writer::spawn(write, path.clone(), nudge)?;
        Ok(Store {
            inner: Arc::new(Inner {
                path,
                read_only: false,
                jobs: Some(jobs),
                writer: Some(writer),
                checkpointer: Some(checkpointer),
                reader: Mutex::new(reader),
                closing: Mutex::new(None),
            }),
        })
    }

    /// `explicit` (from --data-dir, which clap also fills from HOOKBENCH_DATA_DIR), else the
    /// platform data dir + "hookbench".
    pub fn resolve_dir(explicit: Option<&Path>) -> Result<PathBuf, StoreError> {
        match explicit {
            Some(dir) => Ok(dir.to_path_buf()),
            None => dirs::data_dir()
                .map(|dir| dir.join("hookbench"))
                .ok_or(StoreError::NoDataDir),
        }
    }

    /// The history file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Stores a delivery; resolves only after its transaction has committed. A 2xx delivery
    /// whose webhook-id is already stored with a 2xx status is not stored again: that row's
    /// `redeliveries` goes up and [`Recorded::Redelivery`] is returned. Rejected deliveries
    /// (non-2xx) are always stored as rows of their own. Once polled, the write is queued: it is
    /// committed even if the future is then dropped.
    pub async fn record(&self, delivery: NewDelivery) -> Result<Recorded, StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.submit(Job::Delivery(delivery, Reply::Async(reply)))?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }

    /// Newest first; `before`: only ids below it (paging); `limit` 0: all.
    pub fn list(
        &self,
        limit: usize,
        before: Option<i64>,
    ) -> Result<Vec<DeliverySummary>, StoreError> {
        queries::list(&self.reader(), limit, before).map_err(|e| self.error(e))
    }

    pub fn get(&self, id: i64) -> Result<Option<StoredDelivery>, StoreError> {
        queries::get(&self.reader(), id).map_err(|e| self.error(e))
    }

    /// The delivery with this webhook-id: the accepted one if there is one, else the newest
    /// rejected one.
    pub fn find_by_webhook_id(
        &self,
        webhook_id: &str,
    ) -> Result<Option<StoredDelivery>, StoreError> {
        queries::find_by_webhook_id(&self.reader(), webhook_id).map_err(|e| self.error(e))
    }

    /// How many deliveries are stored (redeliveries not counted).
    pub fn count(&self) -> Result<u64, StoreError> {
        queries::count(&self.reader()).map_err(|e| self.error(e))
    }

    /// Stores a transformation run of a stored delivery (replay, listen --transform): the run
    /// record as JSON text. Returns the run's id, once committed.
    pub fn record_run(
        &self,
        delivery_id: i64,
        transform_name: &str,
        record_json: &str,
    ) -> Result<i64, StoreError> {
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        self.submit(Job::Run {
            delivery_id,
            transform: transform_name.to_string(),
            record: record_json.to_string(),
            reply: Reply::Blocking(reply),
        })?;
        answer.recv().map_err(|_| StoreError::WriterStopped)?
    }

    /// Stores a send of a run: the delivery as JSON (its key already masked). Returns the send's
    /// id, once committed.
    pub fn record_send(&self, run_id: i64, delivery_json: &str) -> Result<i64, StoreError> {
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        self.submit(Job::Send {
            run_id,
            delivery: delivery_json.to_string(),
            reply: Reply::Blocking(reply),
        })?;
        answer.recv().map_err(|_| StoreError::WriterStopped)?
    }

    /// The runs of a delivery, oldest first.
    pub fn runs(&self, delivery_id: i64) -> Result<Vec<StoredRun>, StoreError> {
        queries::runs(&self.reader(), delivery_id).map_err(|e| self.error(e))
    }

    /// The sends of a run, oldest first.
    pub fn sends(&self, run_id: i64) -> Result<Vec<StoredSend>, StoreError> {
        queries::sends(&self.reader(), run_id).map_err(|e| self.error(e))
    }

    /// Every send of a delivery's runs, by run then send, oldest first.
    pub fn sends_of_delivery(&self, delivery_id: i64) -> Result<Vec<StoredSend>, StoreError> {
        queries::sends_of_delivery(&self.reader(), delivery_id).map_err(|e| self.error(e))
    }

    fn submit(&self, job: Job) -> Result<(), StoreError> {
        if self.inner.read_only {
            return Err(StoreError::ReadOnly {
                dir: self
                    .inner
                    .path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
            });
        }
        let jobs = self.inner.jobs.as_ref().ok_or(StoreError::WriterStopped)?;
        jobs.send(job).map_err(|_| StoreError::WriterStopped)
    }

    /// The read connection. A panic while it was held leaves it usable: every query is a single
    /// statement, so there is no half-done state to recover from.
    fn reader(&self) -> MutexGuard<'_, Connection> {
        self.inner
            .reader
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn error(&self, error: rusqlite::Error) -> StoreError {
        StoreError::from_sqlite(&self.inner.path, error)
    }
}

/// A `file:` URI for SQLite with `query`; characters that would end the path are escaped.
fn sqlite_uri(path: &Path, query: &str) -> String {
    let mut uri = String::from("file:");
    for byte in path.to_string_lossy().bytes() {
        match byte {
            b'?' | b'#' | b'%' => uri.push_str(&format!("%{byte:02X}")),
            _ => uri.push(char::from(byte)),
        }
    }
    // A path that is not absolute must not read as an authority (`file://host/...`).
    if !path.is_absolute() && uri.starts_with("file://") {
        uri.insert_str(5, "./");
    }
    format!("{uri}?{query}")
}

/// Who may read the history: a private folder and private files, and whether a folder can be
/// written at all.
mod access {
    use std::path::Path;

    /// Creates `dir` (and missing parents), `0700` on Unix. An existing folder is left as it is.
    pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir)
    }

    /// Creates the history file `0600` if it is missing (SQLite gives its `-wal` and `-shm`
    /// the file's mode), and narrows the file, its `-wal` and its `-shm` to `0600` where they
    /// exist with a wider mode.
    pub fn make_private(file: &Path) -> std::io::Result<()> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        if !file.exists() {
            options.open(file)?;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let name = file.as_os_str().to_owned();
            for suffix in ["", "-wal", "-shm"] {
                let mut each = name.clone();
                each.push(suffix);
                let each = Path::new(&each);
                let Ok(meta) = std::fs::metadata(each) else {
                    continue;
                };
                if meta.permissions().mode() & 0o077 != 0 {
                    let mode = meta.permissions().mode() & 0o700;
                    std::fs::set_permissions(each, std::fs::Permissions::from_mode(mode))?;
                }
            }
        }
        Ok(())
    }

    /// True when a file can be created in `dir` (tried, then removed): the only test that also
    /// holds for ACLs, read-only mounts and root.
    pub fn writable(dir: &Path) -> bool {
        let probe = dir.join(format!(".hookbench-write-test-{}", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&probe)
        {
            Ok(_) => {
                let _ = std::fs::remove_file(&probe);
                true
            }
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod acceptance_tests {
    use super::*;

    #[test]
    fn only_2xx_answers_without_an_invalid_signature_are_accepted() {
        for (status, verification, expected) in [
            (200, Verification::Valid, true),
            (202, Verification::Unsigned, true),
            (299, Verification::Valid, true),
            (200, Verification::Invalid, false),
            (401, Verification::Invalid, false),
            (400, Verification::Unsigned, false),
            (413, Verification::Valid, false),
            (500, Verification::Valid, false),
            (199, Verification::Valid, false),
        ] {
            assert_eq!(
                accepted(status, verification),
                expected,
                "{status} {verification:?}"
            );
        }
        assert!(is_accepted_status(204));
        assert!(!is_accepted_status(300));
    }
}

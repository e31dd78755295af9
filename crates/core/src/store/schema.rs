//! Connections and the schema: `PRAGMA user_version` counts the migrations applied, each one a
//! step from the version before it, all applied in one transaction on open.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::StoreError;

/// The schema this build writes and reads. A file at a higher version is refused.
pub const SCHEMA_VERSION: i64 = 2;

/// Migration `n` (1-based) takes a file from version `n - 1` to `n`.
const MIGRATIONS: [&str; 2] = [V1, V2];

/// Deliveries received. The body comes last: SQLite reads a row's columns in order, so a listing
/// (which reads every column but the body and the headers) never walks a large body's overflow
/// pages. Accepted deliveries are unique by webhook-id; rejected ones are kept each on its own.
/// Listing pages by id, the rowid, and needs no index of its own; the plain webhook-id index
/// serves look-ups of rejected deliveries too.
const V1: &str = "
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    webhook_id TEXT,
    received_at TEXT NOT NULL,
    event_type TEXT,
    verification TEXT NOT NULL,
    status INTEGER NOT NULL,
    reason TEXT,
    redeliveries INTEGER NOT NULL DEFAULT 0,
    headers TEXT NOT NULL DEFAULT '[]',
    body BLOB NOT NULL DEFAULT x''
);
CREATE UNIQUE INDEX deliveries_accepted_webhook_id
    ON deliveries(webhook_id) WHERE status BETWEEN 200 AND 299;
CREATE INDEX deliveries_webhook_id ON deliveries(webhook_id, id);
";

/// Transformation runs of stored deliveries, and sends of those runs.
const V2: &str = "
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    transform TEXT NOT NULL,
    record TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX runs_delivery ON runs(delivery_id, id);
CREATE TABLE sends (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    delivery TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX sends_run ON sends(run_id, id);
";

/// Opens the write connection: WAL, `synchronous = NORMAL`, foreign keys, the busy timeout.
///
/// WAL with `synchronous = NORMAL` is durable across a crash or kill of the process: a commit is
/// in the WAL file (in the OS's cache) when it returns, and the OS writes it out even if the
/// process dies right after. Only a power loss or an OS crash can lose the last commits (the WAL
/// is synced at checkpoints, not at each commit); the file is never corrupted by either.
pub(super) fn connect(path: &Path, busy_timeout: Duration) -> Result<Connection, StoreError> {
    let error = |e| StoreError::from_sqlite(path, e);
    let conn = Connection::open(path).map_err(error)?;
    conn.busy_timeout(busy_timeout).map_err(error)?;
    // The first statement that reads the file: a file that is not a database fails here.
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(error)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Sqlite {
            path: path.to_path_buf(),
            message: format!(
                "cannot use write-ahead logging here (journal mode stays {mode}); is the folder on a network file system?"
            ),
        });
    }
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
        .map_err(error)?;
    Ok(conn)
}

/// Opens the read connection (after [`migrate`]): read-only, so a bug cannot write through it.
pub(super) fn connect_reader(
    path: &Path,
    busy_timeout: Duration,
) -> Result<Connection, StoreError> {
    let error = |e| StoreError::from_sqlite(path, e);
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(error)?;
    conn.busy_timeout(busy_timeout).map_err(error)?;
    Ok(conn)
}

/// The file's schema version.
pub(super) fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Brings the file to [`SCHEMA_VERSION`]; refuses a newer one, and a database of something else.
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let error = |e| StoreError::from_sqlite(path, e);
    let found = version(conn).map_err(error)?;
    check_version(found, path)?;
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    // IMMEDIATE: two processes opening a new file at once take turns; the second sees the
    // version the first wrote and has nothing left to do.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(error)?;
    let found = version(&tx).map_err(error)?;
    check_version(found, path)?;
    if found == 0 && has_foreign_tables(&tx).map_err(error)? {
        return Err(StoreError::Corrupt {
            path: path.to_path_buf(),
        });
    }
    for (index, migration) in MIGRATIONS.iter().enumerate() {
        let to = index as i64 + 1;
        if to > found {
            tx.execute_batch(migration).map_err(error)?;
        }
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(error)?;
    tx.commit().map_err(error)
}

fn check_version(found: i64, path: &Path) -> Result<(), StoreError> {
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found < 0 {
        return Err(StoreError::Corrupt {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// True when a file at version 0 already holds tables: some other program's database.
fn has_foreign_tables(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name NOT LIKE 'sqlite_%')",
        [],
        |row| row.get(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .expect("prepare");
        stmt.query_map([], |row| row.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    #[test]
    fn a_new_file_gets_every_migration_and_a_second_open_changes_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("h.sqlite3");
        let mut conn = connect(&path, Duration::from_secs(1)).expect("connect");
        migrate(&mut conn, &path).expect("migrate");
        assert_eq!(version(&conn).expect("version"), SCHEMA_VERSION);
        assert_eq!(tables(&conn), ["deliveries", "runs", "sends"]);
        migrate(&mut conn, &path).expect("migrate again");
        assert_eq!(version(&conn).expect("version"), SCHEMA_VERSION);
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("mode");
        assert_eq!(mode, "wal");
    }

    #[test]
    fn another_programs_database_is_not_taken_over() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("h.sqlite3");
        Connection::open(&path)
            .expect("open")
            .execute_batch("CREATE TABLE notes (text TEXT);")
            .expect("create");
        let mut conn = connect(&path, Duration::from_secs(1)).expect("connect");
        let err = migrate(&mut conn, &path).expect_err("refused");
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        assert_eq!(tables(&conn), ["notes"], "nothing was created");
    }

    #[test]
    fn a_negative_version_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("h.sqlite3");
        let mut conn = connect(&path, Duration::from_secs(1)).expect("connect");
        conn.pragma_update(None, "user_version", -1).expect("set");
        assert!(matches!(
            migrate(&mut conn, &path),
            Err(StoreError::Corrupt { .. })
        ));
    }
}

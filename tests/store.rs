//! The history store through its library API, on temp dirs: round trips, paging, redeliveries,
//! group commit under concurrent writers, migrations, and the files it refuses.

use std::path::Path;
use std::time::Duration;

use hookbench_core::store::{
    DeliverySummary, NewDelivery, Recorded, SCHEMA_VERSION, Store, StoreError, StoreOptions,
    Verification,
};

fn delivery(webhook_id: &str, status: u16) -> NewDelivery {
    NewDelivery {
        webhook_id: Some(webhook_id.to_string()),
        received_at: "2026-02-03T14:02:11.123Z".to_string(),
        event_type: Some("payment.succeeded".to_string()),
        body: br#"{"type":"payment.succeeded"}"#.to_vec(),
        headers: vec![
            ("content-type".to_string(), "application/json".to_string()),
            ("webhook-id".to_string(), webhook_id.to_string()),
        ],
        verification: Verification::Valid,
        status,
        reason: None,
    }
}

/// Records `delivery` from outside async code, as a synchronous caller would: the store's
/// `record`, waited on.
trait RecordNow {
    fn record_now(&self, delivery: NewDelivery) -> Result<Recorded, StoreError>;
}

impl RecordNow for Store {
    fn record_now(&self, delivery: NewDelivery) -> Result<Recorded, StoreError> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(self.record(delivery))
    }
}

/// The row a delivery is (or was already) stored as.
fn row_of(recorded: Recorded) -> i64 {
    match recorded {
        Recorded::New { id } | Recorded::Redelivery { id, .. } => id,
    }
}

fn open(dir: &Path) -> Store {
    Store::open(dir).expect("opens")
}

#[test]
fn a_delivery_comes_back_exactly_as_recorded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    assert_eq!(store.path(), dir.path().join("history.sqlite3"));
    assert!(store.path().is_file());
    let body = b"{\"type\":\"refund.succeeded\",\"bad\":\"\xff\"}".to_vec();
    let new = NewDelivery {
        webhook_id: Some("msg_2Lq".to_string()),
        received_at: "2026-02-03T14:02:11+01:00".to_string(),
        event_type: Some("refund.succeeded".to_string()),
        body: body.clone(),
        headers: vec![
            ("content-type".to_string(), "application/json".to_string()),
            ("x-dup".to_string(), "1".to_string()),
            ("x-dup".to_string(), "2".to_string()),
        ],
        verification: Verification::Unsigned,
        status: 202,
        reason: Some("no secret".to_string()),
    };
    let recorded = store.record_now(new.clone()).expect("records");
    assert_eq!(recorded, Recorded::New { id: 1 });

    let expected = DeliverySummary {
        id: 1,
        webhook_id: Some("msg_2Lq".to_string()),
        received_at: "2026-02-03T14:02:11+01:00".to_string(),
        event_type: Some("refund.succeeded".to_string()),
        verification: Verification::Unsigned,
        status: 202,
        reason: Some("no secret".to_string()),
        redeliveries: 0,
        bytes: body.len(),
    };
    assert_eq!(store.list(0, None).expect("list"), vec![expected.clone()]);
    let got = store.get(1).expect("get").expect("stored");
    assert_eq!(got.summary, expected);
    assert_eq!(got.headers, new.headers);
    assert_eq!(got.body, body);
    let found = store
        .find_by_webhook_id("msg_2Lq")
        .expect("find")
        .expect("found");
    assert_eq!(found.summary, expected);
    assert!(store.get(2).expect("get").is_none());
    assert!(
        store
            .find_by_webhook_id("msg_nope")
            .expect("find")
            .is_none()
    );
    assert_eq!(store.count().expect("count"), 1);

    // The JSON shape of a summary (history list --output json).
    let json = serde_json::to_value(&expected).expect("json");
    assert_eq!(
        json,
        serde_json::json!({
            "id": 1, "webhook_id": "msg_2Lq", "received_at": "2026-02-03T14:02:11+01:00",
            "event_type": "refund.succeeded", "verification": "unsigned", "status": 202,
            "reason": "no secret", "redeliveries": 0, "bytes": body.len()
        })
    );
}

#[test]
fn optional_fields_and_an_empty_body_round_trip() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let new = NewDelivery {
        webhook_id: None,
        received_at: "2026-02-03T14:02:11Z".to_string(),
        event_type: None,
        body: Vec::new(),
        headers: Vec::new(),
        verification: Verification::Invalid,
        status: 413,
        reason: Some("body over 1048576 bytes".to_string()),
    };
    let id = row_of(store.record_now(new.clone()).expect("records"));
    let got = store.get(id).expect("get").expect("stored");
    assert_eq!(got.summary.webhook_id, None);
    assert_eq!(got.summary.event_type, None);
    assert_eq!(got.summary.bytes, 0);
    assert_eq!(got.summary.status, 413);
    assert_eq!(got.summary.verification, Verification::Invalid);
    assert!(got.body.is_empty());
    assert!(got.headers.is_empty());
    // Deliveries without a webhook-id are never taken for redeliveries of each other.
    let mut accepted = new.clone();
    accepted.status = 200;
    let a = store.record_now(accepted.clone()).expect("records");
    let b = store.record_now(accepted).expect("records");
    assert!(matches!(a, Recorded::New { .. }));
    assert!(matches!(b, Recorded::New { .. }));
    assert_eq!(store.count().expect("count"), 3);
}

#[test]
fn verification_text_round_trips() {
    for v in [
        Verification::Valid,
        Verification::Invalid,
        Verification::Unsigned,
    ] {
        assert_eq!(Verification::parse(v.as_str()), Some(v));
        assert_eq!(v.as_str().parse::<Verification>(), Ok(v));
        assert_eq!(
            serde_json::to_value(v).expect("json"),
            serde_json::Value::String(v.as_str().to_string())
        );
    }
    assert_eq!(Verification::parse("Valid"), None);
    assert!("signed".parse::<Verification>().is_err());
}

#[test]
fn listing_is_newest_first_and_pages_with_before() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    for n in 1..=7 {
        store
            .record_now(delivery(&format!("msg_{n}"), 200))
            .expect("records");
    }
    let ids = |rows: Vec<DeliverySummary>| rows.iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.list(0, None).expect("list")),
        [7, 6, 5, 4, 3, 2, 1]
    );
    assert_eq!(ids(store.list(3, None).expect("list")), [7, 6, 5]);
    assert_eq!(ids(store.list(3, Some(5)).expect("list")), [4, 3, 2]);
    assert_eq!(ids(store.list(3, Some(2)).expect("list")), [1]);
    assert_eq!(
        ids(store.list(3, Some(1)).expect("list")),
        Vec::<i64>::new()
    );
    assert_eq!(ids(store.list(0, Some(4)).expect("list")), [3, 2, 1]);
    assert_eq!(ids(store.list(100, None).expect("list")).len(), 7);
    let webhook_ids: Vec<String> = store
        .list(2, None)
        .expect("list")
        .into_iter()
        .filter_map(|r| r.webhook_id)
        .collect();
    assert_eq!(webhook_ids, ["msg_7", "msg_6"]);
}

#[test]
fn a_redelivery_is_counted_not_stored_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let first = store.record_now(delivery("msg_r", 200)).expect("first");
    assert_eq!(first, Recorded::New { id: 1 });
    let mut later = delivery("msg_r", 202);
    later.received_at = "2026-02-03T15:00:00Z".to_string();
    later.body = b"{\"changed\":true}".to_vec();
    assert_eq!(
        store.record_now(later.clone()).expect("second"),
        Recorded::Redelivery {
            id: 1,
            redeliveries: 1
        }
    );
    assert_eq!(
        store.record_now(later).expect("third"),
        Recorded::Redelivery {
            id: 1,
            redeliveries: 2
        }
    );
    assert_eq!(store.count().expect("count"), 1);
    let stored = store.get(1).expect("get").expect("stored");
    assert_eq!(stored.summary.redeliveries, 2);
    // The first delivery is what is kept.
    assert_eq!(stored.summary.received_at, "2026-02-03T14:02:11.123Z");
    assert_eq!(stored.body, br#"{"type":"payment.succeeded"}"#);
}

#[test]
fn a_rejected_delivery_is_stored_on_its_own_every_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let mut rejected = delivery("msg_x", 401);
    rejected.verification = Verification::Invalid;
    rejected.reason = Some("no signature matched".to_string());
    assert_eq!(
        store.record_now(rejected.clone()).expect("rejected"),
        Recorded::New { id: 1 }
    );
    assert_eq!(
        store.record_now(rejected.clone()).expect("again"),
        Recorded::New { id: 2 }
    );
    // The accepted one with the same id is a new row; a rejected one after it is too.
    assert_eq!(
        store.record_now(delivery("msg_x", 200)).expect("ok"),
        Recorded::New { id: 3 }
    );
    assert_eq!(
        store.record_now(rejected).expect("rejected after"),
        Recorded::New { id: 4 }
    );
    assert_eq!(
        store.record_now(delivery("msg_x", 200)).expect("ok"),
        Recorded::Redelivery {
            id: 3,
            redeliveries: 1
        }
    );
    assert_eq!(store.count().expect("count"), 4);
    // Looked up by webhook-id, the accepted one wins.
    let found = store
        .find_by_webhook_id("msg_x")
        .expect("find")
        .expect("found");
    assert_eq!(found.summary.id, 3);
    assert_eq!(found.summary.status, 200);
    let rejected_rows: Vec<(i64, Option<String>)> = store
        .list(0, None)
        .expect("list")
        .into_iter()
        .filter(|r| r.status == 401)
        .map(|r| (r.id, r.reason))
        .collect();
    assert_eq!(
        rejected_rows,
        [
            (4, Some("no signature matched".to_string())),
            (2, Some("no signature matched".to_string())),
            (1, Some("no signature matched".to_string()))
        ]
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .expect("runtime")
}

#[test]
fn concurrent_records_are_all_committed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let results = runtime().block_on(async {
        let tasks: Vec<_> = (0..500)
            .map(|n| {
                let store = store.clone();
                tokio::spawn(async move { store.record(delivery(&format!("msg_{n}"), 200)).await })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.expect("task"));
        }
        results
    });
    let mut ids: Vec<i64> = results
        .into_iter()
        .map(|r| match r.expect("recorded") {
            Recorded::New { id } => id,
            other => panic!("not new: {other:?}"),
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 500);
    assert_eq!(store.count().expect("count"), 500);
}

#[test]
fn concurrent_redeliveries_of_one_id_make_one_row() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let results = runtime().block_on(async {
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.record(delivery("msg_same", 200)).await })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.expect("task").expect("recorded"));
        }
        results
    });
    let new: Vec<&Recorded> = results
        .iter()
        .filter(|r| matches!(r, Recorded::New { .. }))
        .collect();
    assert_eq!(new.len(), 1, "{results:?}");
    let mut counts: Vec<u32> = results
        .iter()
        .filter_map(|r| match r {
            Recorded::Redelivery { redeliveries, .. } => Some(*redeliveries),
            Recorded::New { .. } => None,
        })
        .collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=99).collect::<Vec<u32>>());
    assert_eq!(store.count().expect("count"), 1);
    let rows = store.list(0, None).expect("list");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].redeliveries, 99);
}

#[test]
fn blocking_and_async_records_mix_from_many_threads() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    std::thread::scope(|scope| {
        for t in 0..8 {
            let store = store.clone();
            scope.spawn(move || {
                for n in 0..25 {
                    store
                        .record_now(delivery(&format!("msg_{t}_{n}"), 200))
                        .expect("records");
                }
            });
        }
    });
    assert_eq!(store.count().expect("count"), 200);
}

/// The v1 schema exactly as a hookbench with schema version 1 wrote it.
const V1_DDL: &str = "
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
PRAGMA user_version = 1;
";

#[test]
fn a_version_1_file_is_migrated_and_keeps_its_rows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("history.sqlite3");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch(V1_DDL).expect("v1 schema");
        conn.execute(
            "INSERT INTO deliveries (webhook_id, received_at, event_type, verification, status, \
             reason, redeliveries, headers, body) VALUES ('msg_old', '2025-12-01T00:00:00Z', \
             'payment.failed', 'valid', 200, NULL, 3, '[[\"webhook-id\",\"msg_old\"]]', x'7b7d')",
            [],
        )
        .expect("row");
    }
    let store = open(dir.path());
    let old = store.get(1).expect("get").expect("kept");
    assert_eq!(old.summary.webhook_id.as_deref(), Some("msg_old"));
    assert_eq!(old.summary.event_type.as_deref(), Some("payment.failed"));
    assert_eq!(old.summary.redeliveries, 3);
    assert_eq!(
        old.headers,
        [("webhook-id".to_string(), "msg_old".to_string())]
    );
    assert_eq!(old.body, b"{}");
    // The v2 tables work.
    let run = store.record_run(1, "segment-complete", "{}").expect("run");
    let send = store
        .record_send(run, "{\"outcome\":\"delivered\"}")
        .expect("send");
    assert_eq!(store.runs(1).expect("runs").len(), 1);
    assert_eq!(store.sends(run).expect("sends")[0].id, send);
    // And the partial unique index of v1 still counts redeliveries.
    assert_eq!(
        store.record_now(delivery("msg_old", 200)).expect("again"),
        Recorded::Redelivery {
            id: 1,
            redeliveries: 4
        }
    );
    drop(store);

    let conn = rusqlite::Connection::open(&path).expect("open");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, 2);
    assert_eq!(SCHEMA_VERSION, 2);
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(tables, ["deliveries", "runs", "sends"]);
}

#[test]
fn runs_and_sends_are_stored_against_their_delivery_and_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let id = row_of(store.record_now(delivery("msg_1", 200)).expect("d"));
    let first = store
        .record_run(
            id,
            "segment-complete",
            r#"{"event_type":"payment.succeeded"}"#,
        )
        .expect("run");
    let second = store.record_run(id, "mine.js", "{}").expect("run");
    assert!(second > first);
    let runs = store.runs(id).expect("runs");
    assert_eq!(
        runs.iter()
            .map(|r| r.transform.as_str())
            .collect::<Vec<_>>(),
        ["segment-complete", "mine.js"]
    );
    assert_eq!(runs[0].record, r#"{"event_type":"payment.succeeded"}"#);
    assert_eq!(runs[0].delivery_id, id);
    assert!(
        chrono::DateTime::parse_from_rfc3339(&runs[0].created_at).is_ok(),
        "{}",
        runs[0].created_at
    );
    let send = store
        .record_send(second, r#"{"status":200}"#)
        .expect("send");
    let sends = store.sends(second).expect("sends");
    assert_eq!(sends.len(), 1);
    assert_eq!(sends[0].id, send);
    assert_eq!(sends[0].delivery, r#"{"status":200}"#);
    assert!(store.sends(first).expect("sends").is_empty());

    let err = store.record_run(99, "x", "{}").expect_err("no delivery 99");
    assert!(
        matches!(
            err,
            StoreError::Missing {
                what: "delivery",
                id: 99,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("no delivery 99"), "{err}");
    let err = store.record_send(99, "{}").expect_err("no run 99");
    assert!(matches!(
        err,
        StoreError::Missing {
            what: "run",
            id: 99,
            ..
        }
    ));
}

#[test]
fn a_file_that_is_not_a_database_is_corrupt_and_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("history.sqlite3");
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 + 13) as u8).collect();
    std::fs::write(&path, garbage).expect("garbage");
    let err = Store::open(dir.path()).expect_err("refused");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("move it aside"), "{text}");
    // Nothing was changed.
    assert_eq!(std::fs::metadata(&path).expect("file").len(), 8192);
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("history.sqlite3");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch(
            "CREATE TABLE deliveries (id INTEGER PRIMARY KEY); PRAGMA user_version = 99;",
        )
        .expect("newer");
    }
    let err = Store::open(dir.path()).expect_err("refused");
    match &err {
        StoreError::NewerSchema {
            path: named,
            found,
            supported,
        } => {
            assert_eq!(named, &path);
            assert_eq!(*found, 99);
            assert_eq!(*supported, SCHEMA_VERSION);
        }
        other => panic!("not NewerSchema: {other:?}"),
    }
    assert!(err.to_string().contains("newer hookbench"), "{err}");
}

#[test]
fn a_locked_file_gives_locked_not_a_hang_or_a_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open_with(
        dir.path(),
        StoreOptions {
            busy_timeout: Duration::from_millis(100),
        },
    )
    .expect("opens");
    store
        .record_now(delivery("msg_before", 200))
        .expect("before");
    let locker = rusqlite::Connection::open(store.path()).expect("open");
    locker.execute_batch("BEGIN EXCLUSIVE").expect("lock");

    let err = store
        .record_now(delivery("msg_locked", 200))
        .expect_err("locked");
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    assert!(err.to_string().contains("history.sqlite3"), "{err}");
    let err = runtime()
        .block_on(store.record(delivery("msg_locked", 200)))
        .expect_err("locked");
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    // Reads still work under WAL while another process writes.
    assert_eq!(store.count().expect("count"), 1);

    locker.execute_batch("ROLLBACK").expect("unlock");
    assert_eq!(
        store.record_now(delivery("msg_after", 200)).expect("after"),
        Recorded::New { id: 2 }
    );
}

#[test]
fn records_survive_closing_and_reopening() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    runtime().block_on(async {
        for n in 0..50 {
            store
                .record(delivery(
                    &format!("msg_{n}"),
                    if n % 5 == 0 { 401 } else { 200 },
                ))
                .await
                .expect("records");
        }
    });
    let before = store.list(0, None).expect("list");
    drop(store);
    let store = open(dir.path());
    assert_eq!(store.count().expect("count"), 50);
    assert_eq!(store.list(0, None).expect("list"), before);
    assert_eq!(
        store.record_now(delivery("msg_1", 200)).expect("again"),
        Recorded::Redelivery {
            id: 2,
            redeliveries: 1
        }
    );
}

#[test]
fn two_stores_on_one_file_share_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let a = open(dir.path());
    let b = open(dir.path());
    a.record_now(delivery("msg_a", 200)).expect("a");
    assert_eq!(
        b.record_now(delivery("msg_a", 200)).expect("b"),
        Recorded::Redelivery {
            id: 1,
            redeliveries: 1
        }
    );
    assert_eq!(a.count().expect("count"), 1);
}

#[test]
fn the_data_dir_is_the_explicit_one_else_the_platform_one() {
    let explicit = Path::new("/tmp/somewhere");
    assert_eq!(
        Store::resolve_dir(Some(explicit)).expect("explicit"),
        explicit
    );
    if let Some(data) = dirs::data_dir() {
        assert_eq!(
            Store::resolve_dir(None).expect("platform"),
            data.join("hookbench")
        );
    }
}

#[test]
fn a_folder_that_cannot_be_created_is_an_io_error_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").expect("file");
    let err = Store::open(&file.join("sub")).expect_err("cannot create");
    assert!(matches!(err, StoreError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("a-file"), "{err}");
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
#[test]
fn the_history_and_its_wal_and_shm_are_private() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("data");
    let store = open(&dir);
    store
        .record_now(delivery("msg_private", 200))
        .expect("record");
    let file = store.path().to_path_buf();
    let with = |suffix: &str| {
        let mut name = file.as_os_str().to_owned();
        name.push(suffix);
        std::path::PathBuf::from(name)
    };
    assert_eq!(mode_of(&dir), 0o700, "the folder hookbench created");
    for path in [file.clone(), with("-wal"), with("-shm")] {
        assert_eq!(mode_of(&path), 0o600, "{}", path.display());
    }
    drop(store);
}

#[cfg(unix)]
#[test]
fn wider_modes_are_narrowed_on_open() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("temp dir");
    let store = open(tmp.path());
    store.record_now(delivery("msg_wide", 200)).expect("record");
    let file = store.path().to_path_buf();
    drop(store);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let store = open(tmp.path());
    assert_eq!(mode_of(&file), 0o600);
    assert_eq!(store.count().expect("count"), 1);
}

/// True when chmod restricts this process (not root): a file cannot be created in `dir`.
#[cfg(unix)]
fn cannot_write_in(dir: &Path) -> bool {
    std::fs::write(dir.join("probe"), "x").is_err()
}

#[cfg(unix)]
#[test]
fn a_read_only_folder_is_named_and_its_history_can_still_be_read() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("data");
    let store = open(&dir);
    store.record_now(delivery("msg_ro", 200)).expect("record");
    drop(store);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let restricted = cannot_write_in(&dir);
    let opened = Store::open(&dir);
    let read = Store::open_for_reading(&dir).map(|s| s.list(10, None));
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod back");
    if !restricted {
        return; // root: chmod does not restrict
    }
    let err = opened.expect_err("a writing open fails");
    assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&dir.display().to_string()), "{text}");
    assert!(text.contains("read-only"), "{text}");
    assert!(
        text.contains("--data-dir") && text.contains("HOOKBENCH_DATA_DIR"),
        "{text}"
    );
    let rows = read.expect("opens read-only").expect("lists");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].webhook_id.as_deref(), Some("msg_ro"));
}

//! The SQL: writes (run by the writer thread inside its transaction) and reads.

use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{
    DeliverySummary, NewDelivery, Recorded, StoredDelivery, StoredRun, StoredSend, Verification,
};

/// The columns of a [`DeliverySummary`], in [`summary`]'s order.
const SUMMARY_COLUMNS: &str = "id, webhook_id, received_at, event_type, verification, status, \
                               reason, redeliveries, length(body)";

/// Stores a delivery, or counts a redelivery of an accepted one. One statement: the upsert's
/// conflict target is the partial unique index, so only an accepted delivery meets an accepted
/// one; `redeliveries` comes back 0 for a new row.
pub(super) fn insert_delivery(
    conn: &Connection,
    delivery: &NewDelivery,
) -> rusqlite::Result<Recorded> {
    let headers = serde_json::to_string(&delivery.headers)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO deliveries
             (webhook_id, received_at, event_type, verification, status, reason, headers, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (webhook_id) WHERE status BETWEEN 200 AND 299
         DO UPDATE SET redeliveries = redeliveries + 1
         RETURNING id, redeliveries",
    )?;
    let (id, redeliveries): (i64, i64) = stmt.query_row(
        params![
            delivery.webhook_id,
            delivery.received_at,
            delivery.event_type,
            delivery.verification.as_str(),
            delivery.status,
            delivery.reason,
            headers,
            delivery.body,
        ],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    Ok(if redeliveries == 0 {
        Recorded::New { id }
    } else {
        Recorded::Redelivery {
            id,
            redeliveries: u32::try_from(redeliveries).unwrap_or(u32::MAX),
        }
    })
}

/// Stores a run; None when the delivery is not stored.
pub(super) fn insert_run(
    conn: &Connection,
    delivery_id: i64,
    transform: &str,
    record: &str,
    created_at: &str,
) -> rusqlite::Result<Option<i64>> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO runs (delivery_id, transform, record, created_at)
         SELECT id, ?2, ?3, ?4 FROM deliveries WHERE id = ?1
         RETURNING id",
    )?;
    stmt.query_row(params![delivery_id, transform, record, created_at], |row| {
        row.get(0)
    })
    .optional()
}

/// Stores a send; None when the run is not stored.
pub(super) fn insert_send(
    conn: &Connection,
    run_id: i64,
    delivery: &str,
    created_at: &str,
) -> rusqlite::Result<Option<i64>> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO sends (run_id, delivery, created_at)
         SELECT id, ?2, ?3 FROM runs WHERE id = ?1
         RETURNING id",
    )?;
    stmt.query_row(params![run_id, delivery, created_at], |row| row.get(0))
        .optional()
}

pub(super) fn list(
    conn: &Connection,
    limit: usize,
    before: Option<i64>,
) -> rusqlite::Result<Vec<DeliverySummary>> {
    // SQLite: a negative LIMIT means none.
    let limit = if limit == 0 {
        -1
    } else {
        i64::try_from(limit).unwrap_or(i64::MAX)
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM deliveries WHERE id < ?1 ORDER BY id DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![before.unwrap_or(i64::MAX), limit], summary)?;
    rows.collect()
}

pub(super) fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<StoredDelivery>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SUMMARY_COLUMNS}, headers, body FROM deliveries WHERE id = ?1"
    ))?;
    stmt.query_row([id], whole).optional()
}

pub(super) fn find_by_webhook_id(
    conn: &Connection,
    webhook_id: &str,
) -> rusqlite::Result<Option<StoredDelivery>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SUMMARY_COLUMNS}, headers, body FROM deliveries WHERE webhook_id = ?1
         ORDER BY status BETWEEN 200 AND 299 DESC, id DESC LIMIT 1"
    ))?;
    stmt.query_row([webhook_id], whole).optional()
}

pub(super) fn count(conn: &Connection) -> rusqlite::Result<u64> {
    let n: i64 = conn.query_row("SELECT count(*) FROM deliveries", [], |row| row.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

pub(super) fn runs(conn: &Connection, delivery_id: i64) -> rusqlite::Result<Vec<StoredRun>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, delivery_id, transform, record, created_at FROM runs
         WHERE delivery_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([delivery_id], |row| {
        Ok(StoredRun {
            id: row.get(0)?,
            delivery_id: row.get(1)?,
            transform: row.get(2)?,
            record: row.get(3)?,
            created_at: row.get(4)?,
        })
    })?;
    rows.collect()
}

/// A send from a row of `id, run_id, delivery, created_at`.
fn send_of_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredSend> {
    Ok(StoredSend {
        id: row.get(0)?,
        run_id: row.get(1)?,
        delivery: row.get(2)?,
        created_at: row.get(3)?,
    })
}

pub(super) fn sends(conn: &Connection, run_id: i64) -> rusqlite::Result<Vec<StoredSend>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, run_id, delivery, created_at FROM sends WHERE run_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([run_id], send_of_row)?;
    rows.collect()
}

/// Every send of a delivery's runs, by run then send, oldest first: one query, not one per run.
pub(super) fn sends_of_delivery(
    conn: &Connection,
    delivery_id: i64,
) -> rusqlite::Result<Vec<StoredSend>> {
    let mut stmt = conn.prepare_cached(
        "SELECT sends.id, sends.run_id, sends.delivery, sends.created_at
         FROM sends JOIN runs ON runs.id = sends.run_id
         WHERE runs.delivery_id = ?1 ORDER BY sends.run_id, sends.id",
    )?;
    let rows = stmt.query_map([delivery_id], send_of_row)?;
    rows.collect()
}

/// A conversion failure of column `index` for a value that does not fit.
fn bad_value(index: usize, kind: Type, message: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, kind, message.into())
}

fn summary(row: &Row<'_>) -> rusqlite::Result<DeliverySummary> {
    let verification: String = row.get(4)?;
    let verification = Verification::parse(&verification).ok_or_else(|| {
        bad_value(
            4,
            Type::Text,
            format!("{verification:?} is not a verification result"),
        )
    })?;
    let status: i64 = row.get(5)?;
    let redeliveries: i64 = row.get(7)?;
    let bytes: i64 = row.get(8)?;
    Ok(DeliverySummary {
        id: row.get(0)?,
        webhook_id: row.get(1)?,
        received_at: row.get(2)?,
        event_type: row.get(3)?,
        verification,
        status: u16::try_from(status)
            .map_err(|_| bad_value(5, Type::Integer, format!("status {status}")))?,
        reason: row.get(6)?,
        redeliveries: u32::try_from(redeliveries)
            .map_err(|_| bad_value(7, Type::Integer, format!("redeliveries {redeliveries}")))?,
        bytes: usize::try_from(bytes).unwrap_or(0),
    })
}

fn whole(row: &Row<'_>) -> rusqlite::Result<StoredDelivery> {
    let headers: String = row.get(9)?;
    let headers: Vec<(String, String)> = serde_json::from_str(&headers)
        .map_err(|e| bad_value(9, Type::Text, format!("headers: {e}")))?;
    Ok(StoredDelivery {
        summary: summary(row)?,
        headers,
        body: row.get(10)?,
    })
}

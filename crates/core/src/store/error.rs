//! What can go wrong with the history file, each naming the file.

use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Not an SQLite database, or a damaged one.
    #[error(
        "{} is not a hookbench history or is damaged; move it aside (e.g. rename it to {}.bad) and hookbench starts a new one",
        path.display(),
        path.display()
    )]
    Corrupt { path: PathBuf },
    /// Another process held the write lock for longer than the busy timeout.
    #[error(
        "{} is locked by another process (another hookbench listening?); try again when it is done, or use another --data-dir",
        path.display()
    )]
    Locked { path: PathBuf },
    /// Written by a newer hookbench.
    #[error(
        "{} was written by a newer hookbench (schema version {found}; this one reads up to {supported}): upgrade hookbench, or use another --data-dir",
        path.display()
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Sqlite { path: PathBuf, message: String },
    /// A run or send names a delivery or run that is not stored.
    #[error("no {what} {id} in {}", path.display())]
    Missing {
        path: PathBuf,
        what: &'static str,
        id: i64,
    },
    /// The data directory cannot be written (or created).
    #[error(
        "the data directory {} is read-only: hookbench cannot create or write files there, and this command stores history; pick a writable one with --data-dir DIR or HOOKBENCH_DATA_DIR",
        dir.display()
    )]
    ReadOnly { dir: PathBuf },
    /// No --data-dir and no platform data directory.
    #[error("no data directory on this platform: pass --data-dir DIR or set HOOKBENCH_DATA_DIR")]
    NoDataDir,
    /// The writer thread is gone (it panicked, or the store is being dropped).
    #[error("the history writer has stopped: nothing more can be stored")]
    WriterStopped,
}

impl StoreError {
    /// The error of an SQLite call on the file at `path`.
    pub(super) fn from_sqlite(path: &Path, error: rusqlite::Error) -> StoreError {
        let path = path.to_path_buf();
        match error.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                StoreError::Corrupt { path }
            }
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                StoreError::Locked { path }
            }
            _ => StoreError::Sqlite {
                path,
                message: error.to_string(),
            },
        }
    }

    /// The same error again, for each of the writes a failed commit held (the originals are not
    /// `Clone`: I/O errors keep their kind and text).
    pub(super) fn duplicate(&self) -> StoreError {
        match self {
            StoreError::Corrupt { path } => StoreError::Corrupt { path: path.clone() },
            StoreError::Locked { path } => StoreError::Locked { path: path.clone() },
            StoreError::NewerSchema {
                path,
                found,
                supported,
            } => StoreError::NewerSchema {
                path: path.clone(),
                found: *found,
                supported: *supported,
            },
            StoreError::Io { path, source } => StoreError::Io {
                path: path.clone(),
                source: std::io::Error::new(source.kind(), source.to_string()),
            },
            StoreError::Sqlite { path, message } => StoreError::Sqlite {
                path: path.clone(),
                message: message.clone(),
            },
            StoreError::Missing { path, what, id } => StoreError::Missing {
                path: path.clone(),
                what,
                id: *id,
            },
            StoreError::ReadOnly { dir } => StoreError::ReadOnly { dir: dir.clone() },
            StoreError::NoDataDir => StoreError::NoDataDir,
            StoreError::WriterStopped => StoreError::WriterStopped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn sqlite_codes_map_to_errors_that_name_the_file() {
        let path = Path::new("/data/history.sqlite3");
        let corrupt = StoreError::from_sqlite(path, failure(rusqlite::ffi::SQLITE_NOTADB));
        assert!(matches!(corrupt, StoreError::Corrupt { .. }));
        let text = corrupt.to_string();
        assert!(text.contains("/data/history.sqlite3"), "{text}");
        assert!(text.contains("move it aside"), "{text}");
        assert!(matches!(
            StoreError::from_sqlite(path, failure(rusqlite::ffi::SQLITE_CORRUPT)),
            StoreError::Corrupt { .. }
        ));
        let locked = StoreError::from_sqlite(path, failure(rusqlite::ffi::SQLITE_BUSY));
        assert!(matches!(locked, StoreError::Locked { .. }));
        assert!(locked.to_string().contains("/data/history.sqlite3"));
        assert!(matches!(
            StoreError::from_sqlite(path, failure(rusqlite::ffi::SQLITE_LOCKED)),
            StoreError::Locked { .. }
        ));
        let other = StoreError::from_sqlite(path, failure(rusqlite::ffi::SQLITE_FULL));
        assert!(matches!(other, StoreError::Sqlite { .. }), "{other:?}");
        assert!(other.to_string().starts_with("/data/history.sqlite3: "));
    }

    #[test]
    fn a_duplicate_says_the_same() {
        let io = StoreError::Io {
            path: PathBuf::from("/x"),
            source: std::io::Error::new(std::io::ErrorKind::StorageFull, "no space"),
        };
        assert_eq!(io.duplicate().to_string(), io.to_string());
        let newer = StoreError::NewerSchema {
            path: PathBuf::from("/x"),
            found: 9,
            supported: 2,
        };
        assert_eq!(newer.duplicate().to_string(), newer.to_string());
    }
}

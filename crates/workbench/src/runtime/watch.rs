//! Watching the transformation's file, so an edit made elsewhere reloads it.

use std::path::PathBuf;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc::UnboundedSender;

use crate::model::message::Message;

/// Watches the file's folder (editors often save by renaming a new file over the old one) and
/// reports changes of that file as `FileChanged`. None: nothing to watch, or it cannot be watched
/// (which is reported too). Dropping the watcher stops it.
pub fn watch(
    tx: &UnboundedSender<Message>,
    path: Option<PathBuf>,
) -> Option<notify::RecommendedWatcher> {
    let path = path?;
    let dir = path.parent().map(|d| {
        if d.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            d.to_path_buf()
        }
    })?;
    let file_name = path.file_name().map(|n| n.to_os_string());
    let events_tx = tx.clone();
    let watched = path.clone();
    let handler = move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if !(event.kind.is_modify() || event.kind.is_create()) {
            return;
        }
        let ours = event
            .paths
            .iter()
            .any(|p| p.file_name().map(|n| n.to_os_string()) == file_name);
        if ours {
            let contents = std::fs::read(&watched)
                .map_err(|e| e.to_string())
                .and_then(|bytes| {
                    String::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".into())
                });
            let _ = events_tx.send(Message::FileChanged {
                path: watched.clone(),
                contents,
            });
        }
    };
    let watching = notify::recommended_watcher(handler).and_then(|mut watcher| {
        watcher
            .watch(&dir, RecursiveMode::NonRecursive)
            .map(|()| watcher)
    });
    match watching {
        Ok(watcher) => Some(watcher),
        Err(e) => {
            let _ = tx.send(Message::FileChanged {
                path,
                contents: Err(format!("cannot watch for changes: {e}")),
            });
            None
        }
    }
}

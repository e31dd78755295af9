//! The listener's state, as the status bar shows it.

/// The listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenerStatus {
    Off,
    Starting,
    Listening(url::Url),
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct ListenerState {
    pub status: ListenerStatus,
    /// Where `L` listens.
    pub addr: String,
    /// Deliveries received since the listener started.
    pub received: u64,
    /// True while the store may hold deliveries older than the oldest listed.
    pub more_in_store: bool,
    /// True when the memory window left newer deliveries in the store only.
    pub newer_in_store: bool,
    /// A page is being read.
    pub loading: bool,
}

impl ListenerState {
    pub fn new(addr: String) -> ListenerState {
        ListenerState {
            status: ListenerStatus::Off,
            addr,
            received: 0,
            more_in_store: false,
            newer_in_store: false,
            loading: false,
        }
    }

    /// The listener in a few words, for the status bar.
    pub fn short_label(&self) -> String {
        match &self.status {
            ListenerStatus::Off => "listener off".to_string(),
            ListenerStatus::Starting => "listener starting".to_string(),
            ListenerStatus::Listening(url) => {
                let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
                format!(
                    "⇣ {}{port}{} · {}",
                    url.host_str().unwrap_or_default(),
                    url.path(),
                    self.received
                )
            }
            ListenerStatus::Failed(_) => "listener failed".to_string(),
        }
    }

    /// What the status bar says.
    pub fn label(&self) -> String {
        match &self.status {
            ListenerStatus::Off => "listener off".to_string(),
            ListenerStatus::Starting => format!("listener starting on {}", self.addr),
            ListenerStatus::Listening(url) => {
                format!("listening {url} · {} received", self.received)
            }
            ListenerStatus::Failed(_) => "listener failed (L retries)".to_string(),
        }
    }
}

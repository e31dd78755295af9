//! Serving an axum router over HTTP/1.1 with limits, for the receiver and the sink alike.
//!
//! Each accepted connection is served by hyper with the router as its service. A connection
//! must send complete request headers within [`ServerLimits::header_read`] of connecting (or of
//! its first byte after a response), and may sit idle between requests for at most
//! [`ServerLimits::idle`]; past either it is closed. At most [`ServerLimits::max_connections`]
//! are open at once: at the cap, the oldest connection that has had no request under way for a
//! while (a second, or half the header time if shorter) is closed to make room, so a flood of
//! idle or slow connections costs the newest arrivals (a delivery among them) little. A
//! connection still sending its first headers is left alone in that while, so a burst of real
//! requests does not close its own. When no open connection can go, new ones wait in the accept
//! backlog. Accept errors (too many open files) pause accepting briefly; they never
//! end the loop. On shutdown the listener closes, connections without a request under way close,
//! and requests under way finish.

use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tower_service::Service as _;

/// How long complete request headers may take unless told otherwise.
pub const DEFAULT_HEADER_READ: Duration = Duration::from_secs(10);
/// How long a connection may sit idle between requests unless told otherwise.
pub const DEFAULT_IDLE: Duration = Duration::from_secs(30);
/// How many connections may be open at once unless told otherwise: well under the usual limit
/// of 1,024 open files, which the store and the rest of the process share.
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;

/// How long accepting pauses after an error such as "too many open files".
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// How long an idle connection told to close may take to finish writing its last answer.
const CLOSE_GRACE: Duration = Duration::from_secs(1);
/// How long a connection must have been without a request before it may be closed to make
/// room (or half the header time, if shorter).
const EVICT_AFTER: Duration = Duration::from_secs(1);

/// The limits a server holds its connections to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// Complete request headers must arrive within this time of connecting, or of the first byte
    /// of a request after the previous answer.
    pub header_read: Duration,
    /// A connection with no request under way is closed after this long.
    pub idle: Duration,
    /// The most connections open at once (at least one).
    pub max_connections: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            header_read: DEFAULT_HEADER_READ,
            idle: DEFAULT_IDLE,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then stops accepting, closes
/// connections that have no request under way, lets requests under way finish, and returns.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    serve_from(listener, router, limits, shutdown).await
}

/// Where connections come from: a listener, or in tests one that fails now and then.
trait Accept {
    fn accept(&mut self) -> impl Future<Output = io::Result<TcpStream>> + Send;
}

impl Accept for TcpListener {
    async fn accept(&mut self) -> io::Result<TcpStream> {
        TcpListener::accept(self).await.map(|(stream, _)| stream)
    }
}

async fn serve_from(
    mut acceptor: impl Accept,
    router: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    let max = limits
        .max_connections
        .clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
    let permits = Arc::new(Semaphore::new(max));
    let open = Arc::new(OpenConnections::default());
    let stop = CancellationToken::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let mut next_id: u64 = 0;
    let evict_after = EVICT_AFTER.min(limits.header_read / 2);
    'accept: loop {
        let accepted = tokio::select! {
            // Shutdown first: it is polled from the start (a signal handler is installed on
            // its first poll), and a stop wins over a waiting connection.
            biased;
            () = &mut shutdown => break,
            accepted = acceptor.accept() => accepted,
        };
        let stream = match accepted {
            Ok(stream) => stream,
            Err(e) if is_connection_error(&e) => continue,
            Err(_) => {
                // Out of file descriptors (or memory): free one if a connection is idle, and
                // give the process a moment rather than spinning on the same error.
                open.close_oldest_idle(evict_after);
                tokio::select! {
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                }
            }
        };
        // Small answers go out at once rather than waiting on the peer's ACK.
        let _ = stream.set_nodelay(true);
        let permit = loop {
            if let Ok(permit) = Arc::clone(&permits).try_acquire_owned() {
                break permit;
            }
            // At the cap: make room if a connection has waited long enough, else wait for one
            // to end or to have waited long enough.
            open.close_oldest_idle(evict_after);
            tokio::select! {
                biased;
                () = &mut shutdown => break 'accept,
                permit = Arc::clone(&permits).acquire_owned() => match permit {
                    Ok(permit) => break permit,
                    Err(_) => break 'accept,
                },
                () = tokio::time::sleep(evict_after) => {}
            }
        };
        next_id += 1;
        let id = next_id;
        let state = open.add(id);
        let open = Arc::clone(&open);
        let router = router.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            serve_connection(stream, router, limits, Arc::clone(&state), stop).await;
            open.remove(id);
            drop(permit);
        });
    }
    drop(acceptor);
    stop.cancel();
    // Every connection holds a permit until it ends: all of them back means all ended.
    let _ = permits.acquire_many(max as u32).await;
    Ok(())
}

/// Errors of one connection that came and went before it was accepted: accept the next.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    )
}

/// The open connections, oldest first, so that the oldest idle one can be closed.
#[derive(Default)]
struct OpenConnections {
    by_age: Mutex<BTreeMap<u64, Arc<ConnectionState>>>,
}

impl OpenConnections {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<u64, Arc<ConnectionState>>> {
        // The map stays consistent whatever panicked while holding it.
        self.by_age
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn add(&self, id: u64) -> Arc<ConnectionState> {
        let state = Arc::new(ConnectionState::new());
        self.lock().insert(id, Arc::clone(&state));
        state
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Tells the oldest connection that has been without a request for `after` to close; false
    /// when there is none.
    fn close_oldest_idle(&self, after: Duration) -> bool {
        let open = self.lock();
        let oldest = open.values().find(|state| state.evict(after));
        oldest.is_some()
    }
}

/// Where a connection is between requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No request under way since `since`: just connected (`answered` false) or after an answer.
    /// `got_bytes`: part of the next request has arrived.
    Waiting {
        since: Instant,
        answered: bool,
        got_bytes: bool,
    },
    /// This many requests are with the router.
    Busy(usize),
}

/// What a connection's watch, its reads and its requests share.
struct ConnectionState {
    phase: Mutex<Phase>,
    evicted: std::sync::atomic::AtomicBool,
    changed: Notify,
}

/// How a connection past its time is closed.
#[derive(Debug, PartialEq, Eq)]
enum Close {
    /// Nothing is being written: close the socket now.
    Now,
    /// Idle after an answer: close once the answer is out.
    AfterAnswer,
}

impl ConnectionState {
    fn new() -> ConnectionState {
        ConnectionState {
            phase: Mutex::new(Phase::Waiting {
                since: Instant::now(),
                answered: false,
                got_bytes: false,
            }),
            evicted: std::sync::atomic::AtomicBool::new(false),
            changed: Notify::new(),
        }
    }

    fn phase(&self) -> MutexGuard<'_, Phase> {
        self.phase
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Bytes arrived. The first of a request after an answer starts its header deadline.
    fn saw_bytes(&self) {
        let mut phase = self.phase();
        if let Phase::Waiting {
            since,
            answered,
            got_bytes,
        } = &mut *phase
            && !*got_bytes
        {
            *got_bytes = true;
            if *answered {
                *since = Instant::now();
                drop(phase);
                self.changed.notify_one();
            }
        }
    }

    /// A request went to the router; the guard marks its answer.
    fn begin(self: &Arc<Self>) -> RequestGuard {
        {
            let mut phase = self.phase();
            *phase = match *phase {
                Phase::Busy(n) => Phase::Busy(n + 1),
                Phase::Waiting { .. } => Phase::Busy(1),
            };
        }
        self.changed.notify_one();
        RequestGuard(Arc::clone(self))
    }

    fn end(&self) {
        {
            let mut phase = self.phase();
            *phase = match *phase {
                Phase::Busy(n) if n > 1 => Phase::Busy(n - 1),
                _ => Phase::Waiting {
                    since: Instant::now(),
                    answered: true,
                    got_bytes: false,
                },
            };
        }
        self.changed.notify_one();
    }

    /// Asks the connection to close if it has been without a request for `after`; true when it
    /// will.
    fn evict(&self, after: Duration) -> bool {
        let waiting = match *self.phase() {
            Phase::Waiting { since, .. } => since.elapsed() >= after,
            Phase::Busy(_) => false,
        };
        if waiting
            && !self
                .evicted
                .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            self.changed.notify_one();
            return true;
        }
        false
    }

    /// When the connection is due to close if nothing changes; None while a request is under way.
    fn deadline(&self, limits: &ServerLimits) -> Option<Instant> {
        match *self.phase() {
            Phase::Busy(_) => None,
            Phase::Waiting { .. } if self.evicted.load(std::sync::atomic::Ordering::Relaxed) => {
                Some(Instant::now())
            }
            Phase::Waiting {
                since,
                answered: true,
                got_bytes: false,
            } => Some(since + limits.idle),
            Phase::Waiting { since, .. } => Some(since + limits.header_read),
        }
    }

    /// How to close a connection without a request under way.
    fn close(&self) -> Option<Close> {
        match *self.phase() {
            Phase::Busy(_) => None,
            Phase::Waiting {
                answered: true,
                got_bytes: false,
                ..
            } => Some(Close::AfterAnswer),
            Phase::Waiting { .. } => Some(Close::Now),
        }
    }
}

/// Marks a request answered when dropped (its answer given, or the connection gone).
struct RequestGuard(Arc<ConnectionState>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// Serves one connection until it ends, runs past its limits, or the server stops.
async fn serve_connection(
    stream: TcpStream,
    router: Router,
    limits: ServerLimits,
    state: Arc<ConnectionState>,
    stop: CancellationToken,
) {
    let io = TokioIo::new(Watched {
        inner: stream,
        state: Arc::clone(&state),
    });
    let requests = Arc::clone(&state);
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let guard = requests.begin();
        let mut router = router.clone();
        async move {
            let answer = router.call(request).await;
            drop(guard);
            answer
        }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, service);
    let mut connection = std::pin::pin!(connection);
    let mut stopping = false;
    loop {
        let deadline = state.deadline(&limits);
        tokio::select! {
            _ = connection.as_mut() => return,
            () = state.changed.notified() => {}
            () = stop.cancelled(), if !stopping => {
                stopping = true;
                match state.close() {
                    Some(Close::Now) => return,
                    // Busy: the answer under way goes out, then the connection closes.
                    Some(Close::AfterAnswer) | None => connection.as_mut().graceful_shutdown(),
                }
            }
            () = sleep_until(deadline), if deadline.is_some() => {
                if state.deadline(&limits).is_some_and(|due| due <= Instant::now()) {
                    match state.close() {
                        Some(Close::Now) => return,
                        Some(Close::AfterAnswer) => {
                            connection.as_mut().graceful_shutdown();
                            let _ = tokio::time::timeout(CLOSE_GRACE, connection.as_mut()).await;
                            return;
                        }
                        None => {}
                    }
                }
            }
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// A stream that tells the connection's state when bytes arrive.
struct Watched {
    inner: TcpStream,
    state: Arc<ConnectionState>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.state.saw_bytes();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A listener whose first accepts fail as they do when the process is out of files.
    struct FailingFirst {
        listener: TcpListener,
        failures: usize,
    }

    impl Accept for FailingFirst {
        async fn accept(&mut self) -> io::Result<TcpStream> {
            if self.failures > 0 {
                self.failures -= 1;
                return Err(io::Error::from_raw_os_error(24));
            }
            TcpListener::accept(&self.listener)
                .await
                .map(|(stream, _)| stream)
        }
    }

    async fn get_health(addr: std::net::SocketAddr) -> String {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .expect("write");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.expect("read");
        answer
    }

    #[test]
    fn only_errors_of_one_connection_skip_the_pause() {
        assert!(is_connection_error(&io::Error::from(
            io::ErrorKind::ConnectionAborted
        )));
        assert!(!is_connection_error(&io::Error::from_raw_os_error(24)));
    }

    #[tokio::test]
    async fn accept_errors_pause_the_loop_and_never_end_it() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let router = Router::new().route("/health", get(|| async { "ok" }));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve_from(
            FailingFirst {
                listener,
                failures: 3,
            },
            router,
            ServerLimits::default(),
            async move {
                let _ = stopped.await;
            },
        ));
        let answer = tokio::time::timeout(Duration::from_secs(10), get_health(addr))
            .await
            .expect("answered within the wait");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let _ = stop.send(());
        tokio::time::timeout(Duration::from_secs(10), server)
            .await
            .expect("stopped within the wait")
            .expect("joined")
            .expect("served");
    }

    #[test]
    fn an_idle_connection_is_closed_only_when_nothing_is_under_way() {
        let state = Arc::new(ConnectionState::new());
        let limits = ServerLimits::default();
        assert_eq!(state.close(), Some(Close::Now));
        let guard = state.begin();
        assert_eq!(state.deadline(&limits), None);
        assert!(!state.evict(Duration::ZERO), "a request is under way");
        drop(guard);
        assert_eq!(state.close(), Some(Close::AfterAnswer));
        assert!(
            !state.evict(Duration::from_secs(60)),
            "not idle long enough"
        );
        state.saw_bytes();
        assert_eq!(state.close(), Some(Close::Now));
        assert!(state.evict(Duration::ZERO));
        assert!(!state.evict(Duration::ZERO), "asked once");
    }
}

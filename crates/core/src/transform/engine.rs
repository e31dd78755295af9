//! The engine: a pool of JS workers the engine owns, and a supervisor that abandons a worker stuck
//! in a native built-in (which QuickJS's interrupt cannot reach) past twice the run budget. An
//! abandoned worker's allocator refuses everything from then on, so the built-in fails at its next
//! allocation and the thread ends; until it does it counts against a bound, so stuck work cannot
//! pile up threads.
//!
//! Callers never run JS on their own thread. `submit` queues a run and returns a [`PendingRun`]
//! that a plain caller `wait`s on and an async caller `.await`s; the supervisor guarantees an
//! answer, so neither can hang.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context as TaskContext, Poll};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use tokio::sync::oneshot;

use super::program::{Program, ProgramSource};
use super::worker::{Worker, WorkerJob};
use super::{ErrorKind, Limits, RunInput, RunOutput, TransformError};

/// Stack of a worker thread: QuickJS's own limit (512 KiB by default) plus room for Rust frames.
const WORKER_STACK_BYTES: usize = 8 * 1024 * 1024;
/// How long a worker keeps looking for the next job, and a waiter for its answer, before parking.
/// Waking a parked thread costs tens of microseconds here, more than a whole warm run; yielding
/// meanwhile leaves the core to any other runnable thread.
const SPIN_BEFORE_PARK: Duration = Duration::from_micros(200);
/// How often the supervisor looks for stuck workers while runs are in flight.
const SUPERVISOR_TICK: Duration = Duration::from_millis(20);
/// How many abandoned workers may still be winding down before no replacement is started: the
/// engine never has more than its workers plus these threads running JS.
const MAX_ABANDONED: usize = 2;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A run the supervisor can still answer for.
struct InFlight {
    hard_deadline: Instant,
    reply: Option<Reply>,
}

/// How a queued run is answered, exactly once: with its output, or, when it is dropped
/// unanswered (the engine stopped first), with the output that says so. What the caller asked to
/// be done with the output runs wherever the answer is given: on the worker, after the run.
struct Reply(Option<Box<dyn FnOnce(RunOutput) + Send>>);

impl Reply {
    fn new(answer: impl FnOnce(RunOutput) + Send + 'static) -> Reply {
        Reply(Some(Box::new(answer)))
    }

    fn answer(mut self, output: RunOutput) {
        if let Some(answer) = self.0.take() {
            answer(output);
        }
    }
}

impl Drop for Reply {
    fn drop(&mut self) {
        if let Some(answer) = self.0.take() {
            // A drop cannot unwind into its caller.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                answer(RunOutput::stopped());
            }));
        }
    }
}

/// What the engine knows of one worker thread.
#[derive(Default)]
struct WorkerSlot {
    in_flight: Mutex<Option<InFlight>>,
    abandoned: AtomicBool,
    /// Shared with the worker's allocator: set on abandonment, so its stuck built-in fails.
    refuse_memory: Arc<AtomicBool>,
}

struct QueuedJob {
    job: WorkerJob,
    reply: Reply,
}

struct Shared {
    limits: Limits,
    record_reads: bool,
    /// How many live workers the engine keeps.
    workers: usize,
    jobs_rx: Receiver<QueuedJob>,
    /// The live workers.
    slots: Mutex<Vec<Arc<WorkerSlot>>>,
    /// Abandoned workers whose threads have not ended yet.
    abandoned: AtomicUsize,
    shutdown: AtomicBool,
    /// Opens when the first worker takes its first job: see [`Latch`].
    first_job_taken: Latch,
}

/// Holds every worker but the first until the first has taken a job. The first sets up its
/// runtime as soon as the engine starts, while the caller is still reading its input, so it is
/// the one to run the first job: a single run then costs one runtime set-up, off the caller's
/// path, rather than one per worker. The others set theirs up when a job comes their way.
#[derive(Default)]
struct Latch {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Latch {
    fn open(&self) {
        *lock(&self.open) = true;
        self.opened.notify_all();
    }

    fn wait(&self) {
        let mut open = lock(&self.open);
        while !*open {
            open = self
                .opened
                .wait(open)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Runs transformations. Clones share the same workers (cloning is cheap); dropping the last
/// clone stops the workers once their queue is empty.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

/// What every clone of an [`Engine`] shares.
struct EngineInner {
    shared: Arc<Shared>,
    jobs_tx: Option<Sender<QueuedJob>>,
    supervisor: Option<thread::JoinHandle<()>>,
    next_program: AtomicU64,
}

impl Engine {
    /// An engine with one worker per core (at most four).
    pub fn new(limits: Limits) -> Engine {
        let workers = thread::available_parallelism().map_or(1, |n| n.get().min(4));
        Engine::with_workers(limits, workers)
    }

    /// An engine with exactly `workers` workers (at least one), recording the payload paths each
    /// run reads.
    pub fn with_workers(limits: Limits, workers: usize) -> Engine {
        Engine::configured(limits, workers, true)
    }

    /// Like [`Engine::with_workers`], but handlers get the plain payload and runs record no
    /// reads: the reference the recording is measured and checked against.
    pub fn without_read_recording(limits: Limits, workers: usize) -> Engine {
        Engine::configured(limits, workers, false)
    }

    fn configured(limits: Limits, workers: usize, record_reads: bool) -> Engine {
        let (jobs_tx, jobs_rx) = crossbeam_channel::unbounded();
        let shared = Arc::new(Shared {
            limits,
            record_reads,
            workers: workers.max(1),
            jobs_rx,
            slots: Mutex::new(Vec::new()),
            abandoned: AtomicUsize::new(0),
            shutdown: AtomicBool::new(false),
            first_job_taken: Latch::default(),
        });
        for index in 0..shared.workers {
            spawn_worker(&shared, index == 0);
        }
        let supervisor_shared = Arc::clone(&shared);
        let supervisor = thread::Builder::new()
            .name("hookbench-js-supervisor".into())
            .spawn(move || supervise(&supervisor_shared))
            .ok();
        Engine {
            inner: Arc::new(EngineInner {
                shared,
                jobs_tx: Some(jobs_tx),
                supervisor,
                next_program: AtomicU64::new(1),
            }),
        }
    }

    /// Registers a source. Nothing runs here: syntax errors come back from the first run (or
    /// from [`Engine::check`]), positioned in the user's file.
    pub fn compile(&self, name: &str, source: impl Into<String>) -> Program {
        let id = self.inner.next_program.fetch_add(1, Ordering::Relaxed);
        let source = source.into();
        Program::new(ProgramSource {
            id,
            filename: sanitize_filename(name),
            lines: u32::try_from(source.split('\n').count()).unwrap_or(u32::MAX),
            source,
        })
    }

    /// Queues one run and returns its handle at once.
    pub fn submit(&self, program: &Program, input: RunInput) -> PendingRun {
        PendingRun(self.submit_then(program, input, |output| output))
    }

    /// Queues one run whose output `then` turns into what the caller wants, on the worker that
    /// ran it, right after the run: work that would otherwise wait its turn on the caller's
    /// thread (checking, linting, serialising) is spread over the workers.
    pub fn submit_then<T: Send + 'static>(
        &self,
        program: &Program,
        input: RunInput,
        then: impl FnOnce(RunOutput) -> T + Send + 'static,
    ) -> Pending<T> {
        let (tx, rx) = oneshot::channel();
        let job = QueuedJob {
            job: WorkerJob {
                program: program.shared_source(),
                input,
            },
            reply: Reply::new(move |output| {
                let _ = tx.send(then(output));
            }),
        };
        if let Some(tx) = &self.inner.jobs_tx
            && let Err(crossbeam_channel::SendError(job)) = tx.send(job)
        {
            job.reply.answer(RunOutput::stopped());
        }
        Pending { rx }
    }

    /// Abandoned workers whose threads have not ended yet.
    #[cfg(test)]
    pub(crate) fn abandoned_workers(&self) -> usize {
        self.inner.shared.abandoned.load(Ordering::Relaxed)
    }

    /// Threads that run JS: live workers and abandoned ones not yet ended.
    #[cfg(test)]
    pub(crate) fn js_threads(&self) -> usize {
        lock(&self.inner.shared.slots).len() + self.abandoned_workers()
    }

    /// The most threads that ever run JS: the workers and the abandoned ones allowed meanwhile.
    #[cfg(test)]
    pub(crate) fn max_js_threads(&self) -> usize {
        self.inner.shared.workers + MAX_ABANDONED
    }

    /// Runs one event and waits for the result. Must not be called from an async task; use
    /// `submit(..).await` there.
    pub fn run(&self, program: &Program, input: RunInput) -> RunOutput {
        self.submit(program, input).wait()
    }
}

impl Drop for EngineInner {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::Relaxed);
        // Closing the queue lets idle workers exit; a stuck one is detached and ends with the
        // process.
        self.jobs_tx = None;
        if let Some(handle) = self.supervisor.take() {
            handle.thread().unpark();
            let _ = handle.join();
        }
    }
}

/// A queued or running transformation. `wait()` blocks; `.await` does not.
pub struct PendingRun(Pending<RunOutput>);

impl PendingRun {
    /// Blocks until the run ends (at most about twice the time budget).
    pub fn wait(self) -> RunOutput {
        self.0.wait().unwrap_or_else(RunOutput::stopped)
    }
}

impl Future for PendingRun {
    type Output = RunOutput;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<RunOutput> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.unwrap_or_else(RunOutput::stopped))
    }
}

/// What [`Engine::submit_then`] makes of a queued or running transformation. Every wait gives
/// `None` only when that work itself failed (it panicked) and gave no answer.
pub struct Pending<T> {
    rx: oneshot::Receiver<T>,
}

impl<T> Pending<T> {
    /// Blocks until the answer comes, looking for it for a moment before parking: waking a
    /// parked thread costs more than a warm run, so one run waited on alone answers sooner.
    pub fn wait(mut self) -> Option<T> {
        let spin_until = Instant::now() + SPIN_BEFORE_PARK;
        loop {
            match self.rx.try_recv() {
                Ok(answer) => return Some(answer),
                Err(oneshot::error::TryRecvError::Closed) => return None,
                Err(oneshot::error::TryRecvError::Empty) if Instant::now() < spin_until => {
                    thread::yield_now();
                }
                Err(oneshot::error::TryRecvError::Empty) => break,
            }
        }
        self.rx.blocking_recv().ok()
    }

    /// Blocks until the answer comes, parked at once: for a caller with more runs in flight than
    /// workers, whose spinning would only take a core from the workers.
    pub fn wait_parked(self) -> Option<T> {
        self.rx.blocking_recv().ok()
    }
}

impl<T> Future for Pending<T> {
    type Output = Option<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<T>> {
        Pin::new(&mut self.rx).poll(cx).map(Result::ok)
    }
}

/// Stack frames print the name between `(` and `:`; keep it free of characters that would make
/// positions ambiguous.
fn sanitize_filename(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            ':' | '(' | ')' | '\n' | '\r' => '_',
            c => c,
        })
        .collect();
    if cleaned.is_empty() {
        "transform.js".into()
    } else {
        cleaned
    }
}

/// Starts a worker thread; the `first` sets up its runtime at once (see [`Latch`]).
fn spawn_worker(shared: &Arc<Shared>, first: bool) -> bool {
    let slot = Arc::new(WorkerSlot::default());
    lock(&shared.slots).push(Arc::clone(&slot));
    let worker_shared = Arc::clone(shared);
    let worker_slot = Arc::clone(&slot);
    let spawned = thread::Builder::new()
        .name("hookbench-js".into())
        .stack_size(WORKER_STACK_BYTES)
        .spawn(move || worker_loop(&worker_shared, &worker_slot, first));
    if spawned.is_err() {
        // No thread: leave the slot out so the supervisor does not watch it.
        lock(&shared.slots).retain(|s| !Arc::ptr_eq(s, &slot));
        return false;
    }
    true
}

/// Counts an abandoned worker's thread until it ends, however it ends.
struct AbandonedThread<'a>(&'a Shared);

impl Drop for AbandonedThread<'_> {
    fn drop(&mut self) {
        self.0.abandoned.fetch_sub(1, Ordering::Relaxed);
    }
}

fn worker_loop(shared: &Shared, slot: &WorkerSlot, first: bool) {
    let (limits, record_reads) = (shared.limits, shared.record_reads);
    let refuse_memory = Arc::clone(&slot.refuse_memory);
    let mut worker = Worker::new(limits, record_reads, Arc::clone(&refuse_memory));
    // Let go of the others at the first job or, without one, however the loop ends.
    let mut holding = first.then(|| OpenOnDrop(&shared.first_job_taken));
    if first {
        // A set-up that fails is tried again, and reported, by the first run.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| worker.prepare()));
    } else {
        shared.first_job_taken.wait();
    }
    while let Some(queued) = next_job(&shared.jobs_rx) {
        drop(holding.take());
        let hard_deadline = Instant::now() + limits.timeout * 2;
        *lock(&slot.in_flight) = Some(InFlight {
            hard_deadline,
            reply: Some(queued.reply),
        });
        let output =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| worker.run(&queued.job)))
                .unwrap_or_else(|_| {
                    worker = Worker::new(limits, record_reads, Arc::clone(&refuse_memory));
                    RunOutput {
                        result: Err(TransformError::new(
                            ErrorKind::Exception,
                            "the JavaScript engine failed internally on this run",
                        )),
                        logs: Vec::new(),
                        reads: Arc::default(),
                        duration: Duration::ZERO,
                    }
                });
        let reply = lock(&slot.in_flight).take().and_then(|f| f.reply);
        match reply {
            Some(reply) => {
                // What the caller asked to be done with the output: a panic there leaves its
                // waiter without an answer (it is told so) but the worker going.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    reply.answer(output);
                }));
            }
            // The supervisor answered and abandoned this worker: it must not take more jobs. Its
            // runtime is freed here, on its own thread.
            None => {
                let _counted = AbandonedThread(shared);
                drop(worker);
                return;
            }
        }
        if slot.abandoned.load(Ordering::Relaxed) {
            let _counted = AbandonedThread(shared);
            return;
        }
    }
}

/// Opens a latch when dropped.
struct OpenOnDrop<'a>(&'a Latch);

impl Drop for OpenOnDrop<'_> {
    fn drop(&mut self) {
        self.0.open();
    }
}

fn next_job(rx: &Receiver<QueuedJob>) -> Option<QueuedJob> {
    let spin_until = Instant::now() + SPIN_BEFORE_PARK;
    loop {
        match rx.try_recv() {
            Ok(job) => return Some(job),
            Err(crossbeam_channel::TryRecvError::Disconnected) => return None,
            Err(crossbeam_channel::TryRecvError::Empty) if Instant::now() < spin_until => {
                thread::yield_now();
            }
            Err(crossbeam_channel::TryRecvError::Empty) => return rx.recv().ok(),
        }
    }
}

fn supervise(shared: &Arc<Shared>) {
    while !shared.shutdown.load(Ordering::Relaxed) {
        let now = Instant::now();
        let mut busy = false;
        let mut stuck = Vec::new();
        {
            let slots = lock(&shared.slots);
            for slot in slots.iter() {
                let mut in_flight = lock(&slot.in_flight);
                if let Some(flight) = in_flight.as_mut() {
                    busy = true;
                    if now >= flight.hard_deadline
                        && let Some(reply) = flight.reply.take()
                    {
                        // Counted before the worker can see it is abandoned and uncount itself.
                        shared.abandoned.fetch_add(1, Ordering::Relaxed);
                        slot.abandoned.store(true, Ordering::Relaxed);
                        slot.refuse_memory.store(true, Ordering::Relaxed);
                        stuck.push((Arc::clone(slot), reply));
                    }
                }
            }
        }
        for (slot, reply) in stuck {
            let limits = shared.limits;
            reply.answer(RunOutput {
                result: Err(TransformError::new(
                    ErrorKind::Timeout,
                    format!(
                        "the handler was stuck in a built-in for over {} ms (twice its {} ms budget) and was abandoned with its worker",
                        (limits.timeout * 2).as_millis(),
                        limits.timeout.as_millis()
                    ),
                )),
                logs: Vec::new(),
                reads: Arc::default(),
                duration: limits.timeout * 2,
            });
            lock(&shared.slots).retain(|s| !Arc::ptr_eq(s, &slot));
        }
        let live = replace_workers(shared);
        if live == 0 {
            answer_queued_while_stuck(shared);
        }
        let winding_down = shared.abandoned.load(Ordering::Relaxed) > 0;
        busy = busy || winding_down || live < shared.workers;
        // Idle: sleep long (a new run's hard deadline is at least one budget away); busy: tick.
        let nap = if busy {
            SUPERVISOR_TICK
        } else {
            shared.limits.timeout.min(Duration::from_millis(250))
        };
        thread::park_timeout(nap);
    }
}

/// Starts workers up to the engine's count, as far as the bound on threads allows (abandoned ones
/// still winding down count against it); returns how many are live.
fn replace_workers(shared: &Arc<Shared>) -> usize {
    loop {
        let live = lock(&shared.slots).len();
        let abandoned = shared.abandoned.load(Ordering::Relaxed);
        if live >= shared.workers || live + abandoned >= shared.workers + MAX_ABANDONED {
            return live;
        }
        if !spawn_worker(shared, false) {
            return live;
        }
    }
}

/// With every worker stuck and none allowed to start, queued runs are answered at once rather
/// than left waiting for threads that may take long to end.
fn answer_queued_while_stuck(shared: &Shared) {
    while let Ok(queued) = shared.jobs_rx.try_recv() {
        queued.reply.answer(RunOutput {
            result: Err(TransformError::new(
                ErrorKind::Timeout,
                format!(
                    "not run: {} transformation workers are still stuck in built-ins that cannot be interrupted",
                    shared.abandoned.load(Ordering::Relaxed)
                ),
            )),
            logs: Vec::new(),
            reads: Arc::default(),
            duration: Duration::ZERO,
        });
    }
}

#[cfg(test)]
mod latch_tests {
    use super::*;

    #[test]
    fn a_latch_lets_its_waiters_go_when_opened_or_when_its_holder_is_dropped() {
        let latch = Arc::new(Latch::default());
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = {
            let latch = Arc::clone(&latch);
            thread::spawn(move || {
                latch.wait();
                tx.send(()).expect("the test waits");
            })
        };
        assert!(rx.try_recv().is_err(), "held until opened");
        drop(OpenOnDrop(&latch));
        rx.recv().expect("let go once opened");
        waiter.join().expect("the waiter ends");
        // Open stays open.
        latch.wait();
    }
}

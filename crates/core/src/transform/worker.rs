//! One JS worker: a thread that owns a QuickJS runtime and context and runs jobs from the engine.
//!
//! Sealing without a fresh context per run (≈130 µs, more than the whole run budget): before the
//! first run every built-in the handler can reach is frozen, so no run can change what the next
//! one sees, whatever it does; that holds by construction, not by looking in chosen places. The
//! user's source is compiled once, wrapped in a function, so every run re-executes its top level
//! in a new function scope and gets a fresh `handler`. The global object stays open (implicit
//! globals are ordinary sloppy-mode code): its built-ins are pinned, a global a run added is
//! deleted after it, and a run that left one that cannot be deleted, a new prototype or a queued
//! job behind gets the context rebuilt before the next one.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rquickjs::context::EvalOptions;
use rquickjs::{
    CatchResultExt, CaughtError, Context, Ctx, Function, Object, Persistent, Runtime, Value, qjs,
};

use super::allocator::{GuardedAllocator, MemoryGuard};
use super::body;
use super::native::{HeldAtoms, Keys, OwnKeys, clear_exception};
use super::normalize::{normalize_reply, normalize_value};
use super::program::ProgramSource;
use super::reply::{KeyNames, PlainProtos, plain_json};
use super::seal::Sealed;
use super::{ErrorKind, Limits, LogLevel, LogLine, PathRead, RunInput, RunOutput, TransformError};

/// What the wrapper puts before the user's source, on the user's first line.
pub(crate) const WRAP_PREFIX: &str = "(function () {";
/// What follows the user's source: a new line first, so a trailing `//` comment stays closed.
const WRAP_SUFFIX: &str = "\n;return typeof handler === \"function\" ? handler : undefined;\n})";

/// How many compiled programs a worker keeps (the workbench compiles one per edit).
const PROGRAM_CACHE: usize = 8;
/// How many (program, event type) read records a worker keeps.
const RECORDED_PAIRS: usize = 256;

/// Installed once per context. Captures the built-ins it needs, so a handler that overwrites
/// `JSON` or `Array.isArray` cannot break the driver, and returns `[drive, settle, serialise, roots]`:
/// the last, what the worker seals.
const SETUP_JS: &str = r#"(function (sink) {
  "use strict";
  const parse = JSON.parse, stringify = JSON.stringify, isArray = Array.isArray;
  const ownKeys = Reflect.ownKeys, freeze = Object.freeze;
  const g = globalThis;
  function fmt(v) {
    switch (typeof v) {
      case "string": return v;
      case "undefined": return "undefined";
      case "function": return "[Function" + (v.name ? ": " + v.name : " (anonymous)") + "]";
      case "bigint": return String(v) + "n";
      case "symbol": return v.toString();
      case "object":
        if (v === null) return "null";
        if (v instanceof Error) return (v.stack ? v.name + ": " + v.message + "\n" + v.stack : v.name + ": " + v.message).trimEnd();
        try { const s = stringify(v); return s === undefined ? String(v) : s; }
        catch (e) { return "[object: " + (e && e.message) + "]"; }
      default: return String(v);
    }
  }
  const line = (level) => function () {
    let s = "";
    for (let i = 0; i < arguments.length; i++) { if (i) s += " "; s += fmt(arguments[i]); }
    sink(level, s);
  };
  const console = freeze({ log: line(0), info: line(1), warn: line(2), error: line(3), debug: line(4), trace: line(4) });
  Object.defineProperty(g, "console", { value: console, writable: false, enumerable: false, configurable: false });

  // Built-in globals are pinned (nothing real reassigns `JSON` or `Array`), so any global a run
  // writes is a new key and one count tells: the worker counts the global's keys after every run
  // (natively: listing them here would build an array of every name), and this tells the rest.
  const getProto = Object.getPrototypeOf, getDesc = Object.getOwnPropertyDescriptor;
  const define = Object.defineProperty;
  // Every data property read-only as well (the sealed objects stay reachable, so stay alive).
  for (const k of ownKeys(g)) {
    const d = getDesc(g, k);
    if (d && (d.configurable || d.writable)) define(g, k, "value" in d ? { writable: false, configurable: false } : { configurable: false });
  }

  // Sealing (see `seal.rs`) is done by the worker on what this hands back: the global object
  // and the intrinsics only syntax reaches.
  const E = Error;
  // The two knobs QuickJS keeps in the context rather than in a property: reset before every run.
  const stackLimit = E.stackTraceLimit, prepareStack = E.prepareStackTrace;
  function resetKnobs() {
    if (E.stackTraceLimit !== stackLimit) E.stackTraceLimit = stackLimit;
    if (E.prepareStackTrace !== prepareStack) E.prepareStackTrace = prepareStack;
  }
  // What no global names but syntax or a built-in's result reaches.
  const hidden = [];
  try { hidden.push(function* () {}, async function () {}, async function* () {}, () => {}); } catch (e) {}
  try { hidden.push(getProto([][Symbol.iterator]()), getProto(""[Symbol.iterator]())); } catch (e) {}
  try { hidden.push(getProto(new Map().entries()), getProto(new Set().values())); } catch (e) {}
  try { hidden.push(getProto(/a/g[Symbol.matchAll]("a"))); } catch (e) {}
  try { hidden.push(getProto((function* () {})()), getProto((async function* () {})())); } catch (e) {}
  try { hidden.push(getProto(Iterator.from([]).map((x) => x)), getProto(Iterator.from({ next() { return { done: true }; } }))); } catch (e) {}
  try { hidden.push((function () { return arguments; })(), (function () { "use strict"; return arguments; })()); } catch (e) {}
  try { hidden.push(getProto(Int8Array)); } catch (e) {}
  const roots = [g].concat(hidden);
  function describe(v) {
    if (v === null) return "null";
    if (isArray(v)) return "an array";
    return typeof v === "undefined" ? "undefined" : "a " + typeof v;
  }

  // Read recording. The handler's payload is a tree of proxies over the parsed body, made lazily
  // as it is walked; a proxy's `get` notes the path read (present or missing) and, on the first
  // read of each path, the caller's frame. Everything else forwards, so results are unchanged:
  // same values, same keys and order, same identity (one proxy per object), `Array.isArray` true.
  const P = Proxy;
  const rGet = Reflect.get, rSet = Reflect.set, rDefine = Reflect.defineProperty;
  const rDelete = Reflect.deleteProperty, rDesc = Reflect.getOwnPropertyDescriptor;
  const WM = WeakMap, WS = WeakSet, S = Set, M = Map;
  const hasStackLimit = typeof E.stackTraceLimit === "number";
  let proxies = new WM(), targets = new WM(), written = new WM(), pinned = new WS();
  let seen = new M(), reads = [], captures = 0;
  // While false (the reply is being serialised, or recording is off), `get` returns plain values.
  let active = false;
  // Caps: distinct paths kept per run, and stack captures per run (reads by built-ins cost one
  // each and are not kept).
  const maxReads = 256, maxCaptures = 1024;
  // Where each path was first read, per program: the same source reads a path at the same place,
  // so a warm run takes positions from here and captures a stack only for a path new to it.
  const framesByProgram = new M();
  let frames = new M();
  function framesOf(programId) {
    let found = framesByProgram.get(programId);
    if (found === undefined) {
      if (framesByProgram.size >= 8) framesByProgram.clear();
      found = new M();
      framesByProgram.set(programId, found);
    }
    return found;
  }
  function callerFrame() {
    // Frames: this function, `note`, the trap, then the code that read the property.
    let stack;
    try {
      let limit;
      if (hasStackLimit) { limit = E.stackTraceLimit; E.stackTraceLimit = 4; }
      stack = new E().stack;
      if (hasStackLimit) E.stackTraceLimit = limit;
    } catch (e) {
      return "";
    }
    if (typeof stack !== "string") return "";
    let start = 0;
    for (let i = 0; i < 3; i++) {
      start = stack.indexOf("\n", start) + 1;
      if (start === 0) return "";
    }
    const end = stack.indexOf("\n", start);
    return end < 0 ? stack.slice(start) : stack.slice(start, end);
  }
  function note(traps, seg, t, k, v) {
    const key = traps.key + "\u0000" + seg;
    if (seen.has(key) || reads.length >= maxReads) return;
    // Inherited members (`toString`, `hasOwnProperty`) are not paths of the body.
    if (v !== undefined && rDesc(t, k) === undefined) return;
    let frame = frames.get(key);
    if (frame === undefined) {
      if (captures >= maxCaptures) return;
      captures++;
      frame = callerFrame();
      // A read made by a built-in (JSON.stringify, console) is not the handler's own.
      if (frame.indexOf(":") < 0) return;
      frames.set(key, frame);
    }
    seen.set(key, true);
    const path = traps.path.slice();
    path.push(seg);
    reads.push([path, frame]);
  }
  function isIndex(k) { return (k >>> 0) + "" === k && k !== "4294967295"; }
  function wrap(target, traps) {
    const proxy = new P(target, traps);
    proxies.set(target, proxy);
    targets.set(proxy, target);
    return proxy;
  }
  function markWritten(t, k) {
    let keys = written.get(t);
    if (keys === undefined) { keys = new S(); written.set(t, keys); }
    keys.add(k);
  }
  const traps = {
    get(t, k, r) {
      const v = rGet(t, k, r);
      if (!active || typeof k !== "string") return v;
      const own = written.get(t);
      // What the handler stored itself comes back exactly as stored, unrecorded.
      if (own !== undefined && own.has(k)) return v;
      const array = isArray(t);
      let seg = k;
      if (array) {
        if (k === "length") return v;
        if (isIndex(k)) seg = "[]";
      }
      note(this, seg, t, k, v);
      if (v === null || typeof v !== "object") return v;
      // A frozen property must read as the very value the target holds.
      if (pinned.has(t)) {
        const d = rDesc(t, k);
        if (d !== undefined && !d.configurable && d.writable === false) return v;
      }
      const known = proxies.get(v);
      if (known !== undefined) return known;
      const path = this.path.slice();
      path.push(seg);
      return wrap(v, { __proto__: traps, path: path, key: this.key + "\u0000" + seg });
    },
    // A write the target refuses (frozen, sealed) is refused the same way; only a strict-mode
    // handler sees a difference, in the TypeError's wording.
    set(t, k, v, r) {
      if (r === proxies.get(t)) { markWritten(t, k); return rSet(t, k, v); }
      return rSet(t, k, v, r);
    },
    defineProperty(t, k, d) {
      if ("value" in d || "get" in d || "set" in d) markWritten(t, k);
      if (d.configurable === false) pinned.add(t);
      return rDefine(t, k, d);
    },
    deleteProperty(t, k) {
      markWritten(t, k);
      return rDelete(t, k);
    },
  };
  // Whether this run recorded reads: a plain run has nothing to hand back or reset.
  let recorded = false;
  function instrument(payload) {
    recorded = true;
    if (payload === null || typeof payload !== "object") return payload;
    return wrap(payload, { __proto__: traps, path: [], key: "" });
  }
  function takeReads() {
    if (!recorded) return "";
    recorded = false;
    const out = reads.length > 0 ? stringify(reads) : "";
    proxies = new WM(); targets = new WM(); written = new WM(); pinned = new WS();
    seen = new M(); reads = []; captures = 0;
    return out;
  }
  // After a run that recorded reads, however it ended: the reads as JSON ("" for none).
  function settle() {
    return takeReads();
  }
  // `built` is the body already made from the pipeline's own reading of it; else `body` is
  // parsed here (`built` is then undefined, which no JSON text reads as).
  // `recordAs` is the program's id when the run records its reads, else -1.
  function drive(factory, body, built, eventType, url, envJson, recordAs) {
    const record = recordAs >= 0, programId = recordAs;
    resetKnobs();
    const handler = factory();
    if (typeof handler !== "function") return stringify({ missing: true });
    if (record) frames = framesOf(programId);
    const parsed = built !== undefined ? built : parse(body);
    const webhook = { method: "POST", url: url, eventType: eventType, payload: record ? instrument(parsed) : parsed, env: envJson === "" ? {} : parse(envJson) };
    active = record;
    let out;
    try { out = handler(webhook); } finally { active = false; }
    if (out instanceof Promise) return stringify({ notObject: "a Promise (handlers must be synchronous)" });
    if (out === null || typeof out !== "object" || isArray(out)) return stringify({ notObject: describe(out) });
    // The reply as an object: the worker reads plain data straight from it and hands anything
    // else to `serialise`, while the run's deadline still holds.
    try {
      const payload = out.payload;
      const plain = (payload !== null && typeof payload === "object" && targets.get(payload)) || payload;
      return { ok: { method: out.method, url: out.url, headers: out.headers, cancel: out.cancel, payload: plain } };
    } catch (e) {
      return stringify({ notJson: String(e && e.message !== undefined ? e.message : e) });
    }
  }
  function serialise(reply) {
    try {
      return stringify(reply);
    } catch (e) {
      return stringify({ notJson: String(e && e.message !== undefined ? e.message : e) });
    }
  }
  return [drive, settle, serialise, roots];
})"#;

/// A job as the worker sees it.
pub(crate) struct WorkerJob {
    pub program: Arc<ProgramSource>,
    pub input: RunInput,
}

/// Captured console output of one run, capped.
#[derive(Default)]
struct LogBuffer {
    lines: Vec<LogLine>,
    bytes: usize,
    dropped: usize,
    max_lines: usize,
    max_bytes: usize,
}

impl LogBuffer {
    fn push(&mut self, level: u8, message: String) {
        if self.lines.len() >= self.max_lines || self.bytes + message.len() > self.max_bytes {
            self.dropped += 1;
            return;
        }
        self.bytes += message.len();
        let level = match level {
            1 => LogLevel::Info,
            2 => LogLevel::Warn,
            3 => LogLevel::Error,
            4 => LogLevel::Debug,
            _ => LogLevel::Log,
        };
        self.lines.push(LogLine { level, message });
    }

    fn take(&mut self) -> Vec<LogLine> {
        let mut lines = std::mem::take(&mut self.lines);
        if self.dropped > 0 {
            lines.push(LogLine {
                level: LogLevel::Warn,
                message: format!(
                    "… {} more console lines dropped (limit {} lines, {} bytes per run)",
                    self.dropped, self.max_lines, self.max_bytes
                ),
            });
        }
        self.bytes = 0;
        self.dropped = 0;
        lines
    }
}

/// The deadline the interrupt handler checks, as nanoseconds since `epoch` (u64::MAX = none).
struct Deadline {
    epoch: Instant,
    nanos: AtomicU64,
    fired: AtomicBool,
}

impl Deadline {
    fn arm(&self, budget: Duration) {
        let at = self.epoch.elapsed() + budget;
        self.fired.store(false, Ordering::Relaxed);
        self.nanos.store(
            u64::try_from(at.as_nanos()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    fn disarm(&self) {
        self.nanos.store(u64::MAX, Ordering::Relaxed);
    }

    fn expired(&self) -> bool {
        let limit = self.nanos.load(Ordering::Relaxed);
        if limit == u64::MAX {
            return false;
        }
        let now = u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX);
        if now >= limit {
            self.fired.store(true, Ordering::Relaxed);
            true
        } else {
            false
        }
    }
}

type CompiledProgram = Result<Persistent<Function<'static>>, TransformError>;

/// The JS side of a worker. Field order matters: persistent handles must drop before the
/// context and runtime they belong to.
struct JsState {
    programs: HashMap<u64, CompiledProgram>,
    program_order: VecDeque<u64>,
    drive: Persistent<Function<'static>>,
    /// Called after a run that recorded reads: the reads, as JSON.
    settle: Persistent<Function<'static>>,
    /// Turns a reply the worker cannot read as plain data into JSON text.
    serialise: Persistent<Function<'static>>,
    /// The realm's `Object.prototype` and `Array.prototype`, as they were set up.
    protos: (Persistent<Value<'static>>, Persistent<Value<'static>>),
    /// The global object's keys once set up (its built-ins are pinned, so all stay): any other
    /// key after a run is one the run added.
    global_baseline: HeldAtoms,
    /// The global object's prototype once set up (null for none).
    global_proto: Persistent<Value<'static>>,
    /// The roots sealing started from, held so that everything sealed stays alive with them.
    _sealed_roots: Persistent<rquickjs::Array<'static>>,
    sealed: Sealed,
    /// The text of the keys replies have named (its atoms are let go before the runtime goes).
    key_names: RefCell<KeyNames>,
    context: Context,
    // Owned so that it drops last, after every handle into it.
    runtime: Runtime,
    /// The runtime's allocator's state: whether this run was refused memory.
    memory: Rc<MemoryGuard>,
}

/// The reads of the first successful recorded run of each program on each event type, shared
/// by every later run of the pair; at most [`RECORDED_PAIRS`] pairs.
#[derive(Default)]
struct RecordedReads {
    by_program: HashMap<u64, HashMap<String, Arc<[PathRead]>>>,
    pairs: usize,
}

impl RecordedReads {
    fn get(&self, program: u64, event_type: &str) -> Option<Arc<[PathRead]>> {
        self.by_program.get(&program)?.get(event_type).cloned()
    }

    fn insert(&mut self, program: u64, event_type: &str, reads: Arc<[PathRead]>) {
        if self.pairs >= RECORDED_PAIRS {
            self.by_program.clear();
            self.pairs = 0;
        }
        let types = self.by_program.entry(program).or_default();
        if types.insert(event_type.to_string(), reads).is_none() {
            self.pairs += 1;
        }
    }
}

/// A worker's state between jobs. The JS state is built lazily and rebuilt after a timeout, an
/// out-of-memory or a leaked global.
pub(crate) struct Worker {
    limits: Limits,
    record_reads: bool,
    /// The reads of the first successful recorded run of a program on an event type. Recording
    /// costs several times a plain run, so later runs of the pair run plain and report these.
    recorded: RecordedReads,
    logs: Rc<RefCell<LogBuffer>>,
    deadline: Arc<Deadline>,
    /// Set by the engine when it abandons this worker: every allocation fails from then on, so a
    /// built-in the interrupt cannot reach unwinds at its next allocation.
    refuse_memory: Arc<AtomicBool>,
    js: Option<JsState>,
    /// How many times the JS state was built: once, unless runs left what only a rebuild undoes.
    builds: usize,
}

impl Worker {
    /// A worker; `record_reads` hands handlers an instrumented payload that notes the paths read;
    /// `refuse_memory`, once set, makes every allocation of its runtime fail.
    pub(crate) fn new(limits: Limits, record_reads: bool, refuse_memory: Arc<AtomicBool>) -> Self {
        Worker {
            limits,
            record_reads,
            recorded: RecordedReads::default(),
            logs: Rc::new(RefCell::new(LogBuffer {
                max_lines: limits.max_log_lines,
                max_bytes: limits.max_log_bytes,
                ..LogBuffer::default()
            })),
            deadline: Arc::new(Deadline {
                epoch: Instant::now(),
                nanos: AtomicU64::new(u64::MAX),
                fired: AtomicBool::new(false),
            }),
            refuse_memory,
            js: None,
            builds: 0,
        }
    }

    /// Sets up the JS runtime now rather than at the first run. A set-up that fails is left to
    /// the first run to try again and report.
    pub(crate) fn prepare(&mut self) {
        if self.js.is_none() {
            self.js = self.build().ok();
        }
    }

    /// Runs one job to completion on this thread.
    pub(crate) fn run(&mut self, job: &WorkerJob) -> RunOutput {
        let started = Instant::now();
        let mut reads = Arc::default();
        let result = self.run_inner(job, &mut reads);
        let logs = self.logs.borrow_mut().take();
        RunOutput {
            result,
            logs,
            reads,
            duration: started.elapsed(),
        }
    }

    fn run_inner(
        &mut self,
        job: &WorkerJob,
        reads: &mut Arc<[PathRead]>,
    ) -> Result<super::WebhookOut, TransformError> {
        if self.js.is_none() {
            self.js = Some(self.build().map_err(|e| {
                TransformError::new(
                    ErrorKind::Memory,
                    format!("could not start the JavaScript runtime: {e}"),
                )
            })?);
        }
        let Some(js) = self.js.as_mut() else {
            return Err(TransformError::new(
                ErrorKind::Exception,
                "no JavaScript runtime",
            ));
        };
        let program = &job.program;
        if !js.programs.contains_key(&program.id) {
            let compiled = compile(js, program, &self.deadline, self.limits.timeout);
            if js.program_order.len() >= PROGRAM_CACHE
                && let Some(old) = js.program_order.pop_front()
            {
                js.programs.remove(&old);
            }
            js.program_order.push_back(program.id);
            js.programs.insert(program.id, compiled);
        }
        let factory = match js.programs.get(&program.id) {
            Some(Ok(f)) => f.clone(),
            Some(Err(e)) => return Err(e.clone()),
            None => return Err(TransformError::new(ErrorKind::Exception, "program lost")),
        };
        // No env (the usual case) is handed over as "", which the driver makes a fresh `{}`.
        let env_json = if job.input.env.is_empty() {
            String::new()
        } else {
            serde_json::to_string(&job.input.env).unwrap_or_else(|_| "{}".into())
        };

        js.memory.take_refused();
        self.deadline.arm(self.limits.timeout);
        let known_reads = self.recorded.get(program.id, &job.input.event_type);
        let record = self.record_reads && known_reads.is_none();
        let (reply, leaked, read_text) = js.context.with(|ctx| {
            let reply = call_driver(&ctx, js, factory, &job.input, &env_json, record, program.id);
            self.deadline.disarm();
            // Taken even after a failure: what a failing handler read often explains the failure.
            // A settle that fails is taken for a leak: the context is rebuilt.
            let (settle_failed, read_text) = if record {
                let settled = js
                    .settle
                    .clone()
                    .restore(&ctx)
                    .and_then(|f| f.call::<_, String>(()));
                match settled {
                    Ok(text) => (false, text),
                    Err(_) => (true, String::new()),
                }
            } else {
                (false, String::new())
            };
            let leaked = settle_failed || !global_restored(&ctx, js);
            (reply, leaked, read_text)
        });
        let timed_out = self.deadline.fired.load(Ordering::Relaxed);
        let out_of_memory = js.memory.take_refused();
        *reads = match known_reads {
            Some(known) => known,
            None => parse_reads(&read_text, program).into(),
        };

        let result = match reply {
            Ok(Reply::Text(text)) => normalize_reply(&text),
            Ok(Reply::Json(value)) => normalize_value(value),
            Err(failure) => Err(classify(
                failure,
                timed_out,
                out_of_memory,
                &self.limits,
                program,
            )),
        };
        if record && result.is_ok() {
            self.recorded
                .insert(program.id, &job.input.event_type, Arc::clone(reads));
        }
        let fatal = matches!(
            &result,
            Err(e) if matches!(e.kind, ErrorKind::Timeout | ErrorKind::Memory)
        );
        // A job a run queued (a promise reaction, a finalizer) would run in a later run's time.
        let queued_jobs = self
            .js
            .as_ref()
            .is_some_and(|js| js.runtime.is_job_pending());
        if fatal || leaked || queued_jobs {
            // Drop the whole runtime: after an interrupt or an OOM QuickJS is usable again, but a
            // clean start is cheap next to the cost of a subtly broken one.
            self.js = None;
        }
        result
    }

    fn build(&mut self) -> rquickjs::Result<JsState> {
        self.builds += 1;
        let memory = MemoryGuard::new(self.limits.memory_bytes, Arc::clone(&self.refuse_memory));
        let runtime = Runtime::new_with_alloc(GuardedAllocator::new(Rc::clone(&memory)))?;
        runtime.set_max_stack_size(self.limits.stack_bytes);
        let deadline = Arc::clone(&self.deadline);
        runtime.set_interrupt_handler(Some(Box::new(move || deadline.expired())));
        // Setting up makes little garbage: no collection until it is done, then the threshold a
        // collection would have left (QuickJS sets half as much again as is in use).
        runtime.set_gc_threshold(usize::MAX);
        let context = Context::full(&runtime)?;
        let logs = Rc::clone(&self.logs);
        let (
            drive,
            settle,
            serialise,
            protos,
            (global_baseline, global_proto),
            sealed_roots,
            sealed,
            key_names,
        ) = context.with(|ctx| -> rquickjs::Result<_> {
            let sink = Function::new(ctx.clone(), move |level: u8, message: String| {
                logs.borrow_mut().push(level, message);
            })?;
            let setup: Function = ctx.eval(SETUP_JS)?;
            let driver: rquickjs::Array = setup.call((sink,))?;
            let drive: Function = driver.get(0)?;
            let settle: Function = driver.get(1)?;
            let serialise: Function = driver.get(2)?;
            let roots: rquickjs::Array = driver.get(3)?;
            let sealed = Sealed::realm(
                &ctx,
                &ctx.globals().into_value(),
                roots.iter::<Value>().collect::<rquickjs::Result<_>>()?,
            )?;
            // Taken before any run: what the plain reading of a reply compares prototypes with.
            let global_proto = ctx
                .globals()
                .get_prototype()
                .map_or_else(|| Value::new_null(ctx.clone()), Object::into_value);
            let object_proto: Value = ctx.eval("Object.prototype")?;
            let array_proto: Value = ctx.eval("Array.prototype")?;
            Ok((
                Persistent::save(&ctx, drive),
                Persistent::save(&ctx, settle),
                Persistent::save(&ctx, serialise),
                (
                    Persistent::save(&ctx, object_proto),
                    Persistent::save(&ctx, array_proto),
                ),
                (global_baseline(&ctx)?, Persistent::save(&ctx, global_proto)),
                Persistent::save(&ctx, roots),
                sealed,
                KeyNames::new(&ctx),
            ))
        })?;
        let in_use = memory.in_use();
        runtime.set_gc_threshold(in_use + in_use / 2);
        Ok(JsState {
            programs: HashMap::new(),
            program_order: VecDeque::new(),
            drive,
            settle,
            serialise,
            protos,
            global_baseline,
            global_proto,
            _sealed_roots: sealed_roots,
            sealed,
            key_names: RefCell::new(key_names),
            context,
            runtime,
            memory,
        })
    }
}

/// Whether the global object is as it was set up once what a run added to it is taken away.
/// A global the run wrote (an implicit one in sloppy code, `globalThis.x = …`) is deleted, so
/// the next run does not see it and the realm is kept: rebuilding it costs a hundred runs. A
/// prototype changed, extensibility taken, or a key that cannot be deleted leave it changed.
fn global_restored(ctx: &Ctx<'_>, js: &JsState) -> bool {
    let globals = ctx.globals();
    let Ok(expected) = js.global_proto.clone().restore(ctx) else {
        return false;
    };
    let proto = globals
        .get_prototype()
        .map_or_else(|| Value::new_null(ctx.clone()), Object::into_value);
    let raw = ctx.as_raw().as_ptr();
    // SAFETY: a live context and object; an ordinary object answers without running code.
    let extensible = unsafe { qjs::JS_IsExtensible(raw, globals.as_raw()) };
    if proto != expected || extensible != 1 {
        return false;
    }
    let Ok(keys) = OwnKeys::of(ctx, globals.as_value(), Keys::All) else {
        clear_exception(ctx);
        return false;
    };
    // The pinned built-ins are all still there: as many keys means no new one.
    if keys.len() == js.global_baseline.len() {
        return true;
    }
    for atom in keys
        .atoms()
        .filter(|atom| !js.global_baseline.contains(*atom))
    {
        // SAFETY: a live context, object and atom (the listing holds it); deleting from an
        // ordinary object runs no code, and a key that cannot be deleted answers 0.
        if unsafe { qjs::JS_DeleteProperty(raw, globals.as_raw(), atom, 0) } != 1 {
            clear_exception(ctx);
            return false;
        }
    }
    drop(keys);
    global_keys(ctx) == js.global_baseline.len()
}

/// The global object's keys as set up, each held.
fn global_baseline(ctx: &Ctx<'_>) -> rquickjs::Result<HeldAtoms> {
    let mut baseline = HeldAtoms::new(ctx);
    for atom in OwnKeys::of(ctx, ctx.globals().as_value(), Keys::All)?.atoms() {
        baseline.hold(atom);
    }
    Ok(baseline)
}

/// How many own keys the global object has: names and symbols, enumerable or not. A listing
/// that fails gives 0, which no set-up global object has, so it reads as a change.
fn global_keys(ctx: &Ctx<'_>) -> usize {
    match OwnKeys::of(ctx, ctx.globals().as_value(), Keys::All) {
        Ok(keys) => keys.len(),
        Err(_) => {
            clear_exception(ctx);
            0
        }
    }
}

/// Compiles the wrapped source into a factory function, or the syntax error.
fn compile(
    js: &JsState,
    program: &ProgramSource,
    deadline: &Deadline,
    budget: Duration,
) -> CompiledProgram {
    let mut wrapped = String::with_capacity(program.source.len() + 96);
    wrapped.push_str(WRAP_PREFIX);
    wrapped.push_str(&program.source);
    wrapped.push_str(WRAP_SUFFIX);
    deadline.arm(budget);
    let result = js.context.with(|ctx| {
        let mut options = EvalOptions::default();
        options.global = true;
        options.strict = false;
        options.backtrace_barrier = true;
        options.filename = Some(program.filename.clone());
        let evaluated: rquickjs::Result<Function> = ctx.eval_with_options(wrapped, options);
        // The factory is the user's top level: `arguments.callee` reaches it, so it is sealed too.
        let evaluated = evaluated.and_then(|f| {
            js.sealed.seal_more(&ctx, f.clone().into_value())?;
            Ok(f)
        });
        match evaluated.catch(&ctx) {
            Ok(f) => Ok(Persistent::save(&ctx, f)),
            Err(caught) => {
                let failure = Failure::from_caught(caught);
                let position = failure.position(program);
                let mut error = TransformError::new(ErrorKind::Syntax, failure.display());
                if let Some((line, column)) = position {
                    error.line = Some(line);
                    error.column = Some(column);
                }
                Err(error)
            }
        }
    });
    deadline.disarm();
    result
}

fn call_driver(
    ctx: &Ctx<'_>,
    js: &JsState,
    factory: Persistent<Function<'static>>,
    input: &RunInput,
    env_json: &str,
    record: bool,
    program_id: u64,
) -> Result<Reply, Failure> {
    let drive = js.drive.clone().restore(ctx).map_err(Failure::from_error)?;
    let factory = factory.restore(ctx).map_err(Failure::from_error)?;
    // Built inside the run's limits: a body too big for the heap fails the run as JSON.parse would.
    let built = match input
        .json
        .as_deref()
        .and_then(|json| body::build(ctx, json))
    {
        Some(made) => Some(made.catch(ctx).map_err(Failure::from_caught)?),
        None => None,
    };
    let body = if built.is_some() {
        ""
    } else {
        input.body.as_str()
    };
    let built = built.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
    let called: rquickjs::Result<Value> = drive.call((
        factory,
        body,
        built,
        input.event_type.as_str(),
        input.url.as_str(),
        env_json,
        // Exact in a JS number for the first 2^53 programs.
        if record { program_id as f64 } else { -1.0 },
    ));
    let reply = called.catch(ctx).map_err(Failure::from_caught)?;
    if let Some(text) = reply.as_string() {
        return text
            .to_string()
            .map(Reply::Text)
            .map_err(Failure::from_error);
    }
    let object_proto = js
        .protos
        .0
        .clone()
        .restore(ctx)
        .map_err(Failure::from_error)?;
    let array_proto = js
        .protos
        .1
        .clone()
        .restore(ctx)
        .map_err(Failure::from_error)?;
    let protos = PlainProtos {
        object: object_proto,
        array: array_proto,
    };
    let read = plain_json(ctx, &protos, &mut js.key_names.borrow_mut(), &reply);
    if let Some(value) = read {
        return Ok(Reply::Json(value));
    }
    let serialise = js
        .serialise
        .clone()
        .restore(ctx)
        .map_err(Failure::from_error)?;
    let text: rquickjs::Result<String> = serialise.call((reply,));
    text.catch(ctx)
        .map(Reply::Text)
        .map_err(Failure::from_caught)
}

/// What the driver answered: JSON text, or the reply read straight as JSON.
enum Reply {
    Text(String),
    Json(serde_json::Value),
}

/// A JS failure reduced to plain data, so it can leave the context.
#[derive(Debug)]
struct Failure {
    name: Option<String>,
    message: String,
    stack: Option<String>,
    /// The exception value was `null`: what QuickJS throws when interrupted and the error itself
    /// cannot be allocated (a handler's own `throw null` is told apart by the deadline).
    null_value: bool,
}

impl Failure {
    fn from_error(e: rquickjs::Error) -> Self {
        Failure {
            name: None,
            message: e.to_string(),
            stack: None,
            null_value: false,
        }
    }

    fn from_caught(caught: CaughtError<'_>) -> Self {
        match caught {
            CaughtError::Exception(ex) => {
                let name: Option<String> = ex.as_object().get("name").ok();
                let message = ex.message().unwrap_or_default();
                Failure {
                    name,
                    message,
                    stack: ex.stack(),
                    null_value: false,
                }
            }
            CaughtError::Value(value) => Failure {
                name: None,
                message: describe_thrown(&value),
                stack: None,
                null_value: value.is_null(),
            },
            CaughtError::Error(e) => Failure::from_error(e),
        }
    }

    /// The first stack frame in the user's file, mapped back to the user's own line and column.
    fn position(&self, program: &ProgramSource) -> Option<(u32, u32)> {
        let stack = self.stack.as_deref()?;
        stack
            .lines()
            .find_map(|frame| frame_position(frame, program))
    }

    fn display(&self) -> String {
        match &self.name {
            Some(name) if !name.is_empty() && !self.message.is_empty() => {
                format!("{name}: {}", self.message)
            }
            Some(name) if !name.is_empty() => name.clone(),
            _ => self.message.clone(),
        }
    }
}

/// The position one stack frame names in the user's file, mapped back to the user's own line and
/// column; `None` for a frame elsewhere.
fn frame_position(frame: &str, program: &ProgramSource) -> Option<(u32, u32)> {
    let needle = format!("{}:", program.filename);
    let at = frame.find(&needle)?;
    let rest = &frame[at + needle.len()..];
    let rest = rest.trim_end_matches(')');
    let mut parts = rest.split(':');
    let line: u32 = parts.next()?.trim().parse().ok()?;
    let column: u32 = parts.next()?.trim().parse().ok()?;
    Some(map_position(line, column, program))
}

/// Turns the driver's read log, `[[path, frame], …]` in first-read order, into path reads.
fn parse_reads(text: &str, program: &ProgramSource) -> Vec<PathRead> {
    if text.is_empty() {
        return Vec::new();
    }
    let Ok(entries) = serde_json::from_str::<Vec<(Vec<String>, String)>>(text) else {
        return Vec::new();
    };
    entries
        .into_iter()
        .map(|(path, frame)| {
            let position = frame_position(&frame, program);
            PathRead {
                path,
                line: position.map(|(line, _)| line),
                column: position.map(|(_, column)| column),
            }
        })
        .collect()
}

/// Maps a position in the wrapped source to one in the user's file: the wrapper adds columns on
/// line 1 only, and anything past the user's last line (the wrapper's tail) is their file's end.
pub(crate) fn map_position(line: u32, column: u32, program: &ProgramSource) -> (u32, u32) {
    let user_lines = program.lines;
    if line > user_lines {
        let last_len = program
            .source
            .rsplit('\n')
            .next()
            .map_or(0, |l| l.chars().count());
        return (user_lines, u32::try_from(last_len).unwrap_or(u32::MAX) + 1);
    }
    if line == 1 {
        let prefix = u32::try_from(WRAP_PREFIX.len()).unwrap_or(0);
        return (1, column.saturating_sub(prefix).max(1));
    }
    (line, column)
}

fn describe_thrown(value: &Value<'_>) -> String {
    let shown = if let Some(s) = value.as_string() {
        s.to_string().map(|s| format!("{s:?}")).unwrap_or_default()
    } else if value.is_null() {
        "null".into()
    } else if value.is_undefined() {
        "undefined".into()
    } else if let Some(n) = value.as_number() {
        n.to_string()
    } else if let Some(b) = value.as_bool() {
        b.to_string()
    } else {
        value
            .ctx()
            .json_stringify(value.clone())
            .ok()
            .flatten()
            .and_then(|s| s.to_string().ok())
            .unwrap_or_else(|| format!("a {}", value.type_name()))
    };
    format!("uncaught exception: {shown}")
}

/// Decides the error kind of a failed run.
fn classify(
    failure: Failure,
    timed_out: bool,
    out_of_memory: bool,
    limits: &Limits,
    program: &ProgramSource,
) -> TransformError {
    let position = failure.position(program);
    let lower = failure.message.to_ascii_lowercase();
    let (kind, message) = if timed_out && (lower.contains("interrupted") || failure.null_value) {
        (
            ErrorKind::Timeout,
            format!(
                "the handler ran past its {} ms budget and was stopped",
                limits.timeout.as_millis()
            ),
        )
    } else if out_of_memory || lower.contains("out of memory") {
        (
            ErrorKind::Memory,
            format!(
                "the handler ran out of memory (limit {} MiB)",
                limits.memory_bytes / (1024 * 1024)
            ),
        )
    } else if lower.contains("maximum call stack size exceeded") || lower.contains("stack overflow")
    {
        (
            ErrorKind::Memory,
            format!(
                "the handler overflowed its stack (limit {} KiB): unbounded recursion?",
                limits.stack_bytes / 1024
            ),
        )
    } else {
        (ErrorKind::Exception, failure.display())
    };
    let mut error = TransformError::new(kind, message);
    // QuickJS positions an interrupt or an allocation failure at the function's start, not at the
    // loop or allocation: a line there would mislead, so only exceptions carry one.
    if kind == ErrorKind::Exception
        && let Some((line, column)) = position
    {
        error.line = Some(line);
        error.column = Some(column);
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(program: &Arc<ProgramSource>, body: &str) -> WorkerJob {
        WorkerJob {
            program: Arc::clone(program),
            input: RunInput::from_body(body, "t"),
        }
    }

    fn program(id: u64, source: &str) -> Arc<ProgramSource> {
        Arc::new(ProgramSource {
            id,
            filename: "t.js".into(),
            source: source.into(),
            lines: u32::try_from(source.lines().count()).unwrap_or(1),
        })
    }

    #[test]
    fn globals_a_run_adds_are_deleted_and_the_realm_is_kept() {
        let mut worker = Worker::new(Limits::default(), false, Arc::new(AtomicBool::new(false)));
        let sloppy = program(
            1,
            "function handler(webhook) {\n  const before = [typeof total, typeof globalThis.viaThis, typeof globalThis[Symbol.for('s')], typeof hidden];\n  total = 1;\n  globalThis.viaThis = 2;\n  globalThis[Symbol.for('s')] = 3;\n  Object.defineProperty(globalThis, 'hidden', { value: 4, configurable: true });\n  webhook.payload = { before };\n  return webhook;\n}",
        );
        for _ in 0..3 {
            let out = worker.run(&job(&sloppy, "{}"));
            let payload = out.result.expect("runs").payload;
            assert_eq!(
                payload,
                serde_json::json!({ "before": ["undefined", "undefined", "undefined", "undefined"] })
            );
        }
        assert_eq!(
            worker.builds, 1,
            "deleting what a run added keeps the realm"
        );

        // A global that cannot be deleted is undone by a new realm.
        let pinned = program(
            2,
            "function handler(webhook) {\n  const before = typeof stuck;\n  Object.defineProperty(globalThis, 'stuck', { value: 1 });\n  webhook.payload = { before };\n  return webhook;\n}",
        );
        for _ in 0..2 {
            let out = worker.run(&job(&pinned, "{}"));
            assert_eq!(
                out.result.expect("runs").payload,
                serde_json::json!({ "before": "undefined" })
            );
        }
        // Each such run drops the realm; the next run builds a new one.
        assert_eq!(worker.builds, 2);
        assert!(
            worker.js.is_none(),
            "the realm a pinned global was left in is dropped"
        );
    }
}

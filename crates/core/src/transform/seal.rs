//! Sealing the realm, natively: every object reachable from the given roots is frozen, so no run
//! can change a built-in for the next. Freezing alone would break ordinary code through the
//! "override mistake" (`this.name = …` in an Error subclass, `obj.toString = …`: an inherited
//! read-only property refuses the assignment), so on every object something can inherit from, a
//! writable data property becomes an accessor: reading gives the built-in, assigning on an
//! inheriting object defines that object's own property as it would in an open realm, and
//! assigning on the built-in itself throws a TypeError that says why.
//!
//! Done through QuickJS's C API rather than in JavaScript: the walk reads descriptors without
//! making descriptor objects, and the accessors are native functions holding their value, so
//! sealing a realm costs a fraction of what running it as a script did (it was most of a
//! one-event run).

use std::collections::HashSet;
use std::ffi::{CString, c_int};

use rquickjs::{Ctx, Value, qjs};

use super::native::{Atom, Keys, OwnKeys, Property, take_c_string};

const UNDEFINED: qjs::JSValue = qjs::JS_MKVAL(qjs::JS_TAG_UNDEFINED, 0);
/// What a native function returns to say an exception is pending.
const EXCEPTION: qjs::JSValue = qjs::JS_MKVAL(qjs::JS_TAG_EXCEPTION, 0);

/// What a sealed built-in's setter says when assigned on the built-in itself.
const SEALED_REASON: &str = "built-ins are sealed, so every run starts from the same ones";

/// The objects sealed with the realm, by address. They stay alive as long as the context: each
/// is reachable from the global object's pinned properties or from the roots the worker holds,
/// through frozen properties and prototypes, so an address names one object for that long.
pub(crate) struct Sealed {
    objects: HashSet<usize>,
}

impl Sealed {
    /// Seals everything reachable from `roots` (the global object first, whose own properties
    /// are pinned by the caller and which itself stays open) and remembers it.
    pub(crate) fn realm<'js>(
        ctx: &Ctx<'js>,
        global: &Value<'js>,
        roots: Vec<Value<'js>>,
    ) -> rquickjs::Result<Sealed> {
        let none = HashSet::new();
        let walk = Walk::new(ctx, &none)?.run(roots)?;
        let made = walk.seal(Some(global))?;
        let mut objects = walk.seen;
        // The accessors made here belong to the built-ins they stand for: as sealed as those.
        objects.extend(made);
        Ok(Sealed { objects })
    }

    /// Seals what `root` reaches beyond the realm's sealed built-ins (a compiled program's
    /// factory: itself and its prototype object). Not remembered: it lives only as long as the
    /// program stays compiled.
    pub(crate) fn seal_more<'js>(&self, ctx: &Ctx<'js>, root: Value<'js>) -> rquickjs::Result<()> {
        Walk::new(ctx, &self.objects)?.run(vec![root])?.seal(None)?;
        Ok(())
    }
}

/// The address that names an object.
fn address(value: &Value<'_>) -> usize {
    // SAFETY: reads the pointer of a value the caller knows is an object.
    unsafe { qjs::JS_VALUE_GET_PTR(value.as_raw()) as usize }
}

fn is_object(value: &Value<'_>) -> bool {
    // SAFETY: reads the tag of a live value.
    unsafe { qjs::JS_IsObject(value.as_raw()) }
}

/// One sealing: what was found reachable and which of it is inherited from.
struct Walk<'a, 'js> {
    ctx: &'a Ctx<'js>,
    /// Sealed before: the walk stops there.
    known: &'a HashSet<usize>,
    seen: HashSet<usize>,
    found: Vec<Value<'js>>,
    /// A prototype, or a constructor whose statics a subclass inherits.
    inherited: HashSet<usize>,
    prototype_atom: Atom<'a, 'js>,
}

impl<'a, 'js> Walk<'a, 'js> {
    fn new(ctx: &'a Ctx<'js>, known: &'a HashSet<usize>) -> rquickjs::Result<Self> {
        Ok(Walk {
            ctx,
            known,
            seen: HashSet::new(),
            found: Vec::new(),
            inherited: HashSet::new(),
            prototype_atom: Atom::named(ctx, c"prototype")?,
        })
    }

    fn raw(&self) -> *mut qjs::JSContext {
        self.ctx.as_raw().as_ptr()
    }

    /// An owned value from the C API, or the pending exception.
    fn owned(&self, raw: qjs::JSValue) -> rquickjs::Result<Value<'js>> {
        // SAFETY: `raw` is a new reference this context handed over.
        unsafe {
            if qjs::JS_IsException(raw) {
                return Err(rquickjs::Error::Exception);
            }
            Ok(Value::from_raw(self.ctx.clone(), raw))
        }
    }

    /// Pass 1: everything reachable from `roots` that is not sealed yet.
    fn run(mut self, roots: Vec<Value<'js>>) -> rquickjs::Result<Self> {
        let mut queue = roots;
        while let Some(value) = queue.pop() {
            if !is_object(&value) {
                continue;
            }
            let here = address(&value);
            if self.known.contains(&here) || !self.seen.insert(here) {
                continue;
            }
            // SAFETY: a live object of this context; the prototype comes back owned.
            let proto = self.owned(unsafe { qjs::JS_GetPrototype(self.raw(), value.as_raw()) })?;
            if is_object(&proto) {
                self.inherited.insert(address(&proto));
                queue.push(proto);
            }
            // SAFETY: a live object of this context.
            let is_function = unsafe { qjs::JS_IsFunction(self.raw(), value.as_raw()) };
            for key in OwnKeys::of(self.ctx, &value, Keys::All)?.atoms() {
                let Some(property) = Property::of(self.ctx, &value, key)? else {
                    continue;
                };
                if let Some((getter, setter)) = property.accessor {
                    queue.push(getter);
                    queue.push(setter);
                } else {
                    if key == self.prototype_atom.atom && is_function && is_object(&property.value)
                    {
                        self.inherited.insert(here);
                        self.inherited.insert(address(&property.value));
                    }
                    queue.push(property.value);
                }
            }
            self.found.push(value);
        }
        Ok(self)
    }

    /// Pass 2: tames what is inherited from, then freezes all but `open` (the global object).
    /// Gives the addresses of the accessors it made.
    fn seal(&self, open: Option<&Value<'js>>) -> rquickjs::Result<Vec<usize>> {
        let open = open.map(address);
        let mut made = Vec::new();
        for object in &self.found {
            let here = address(object);
            if Some(here) == open {
                continue;
            }
            if self.inherited.contains(&here) {
                let label = self.owned_string(&label_of(self.ctx, object)?)?;
                for key in OwnKeys::of(self.ctx, object, Keys::All)?.atoms() {
                    let Some(property) = Property::of(self.ctx, object, key)? else {
                        continue;
                    };
                    if property.accessor.is_none()
                        && property.has(qjs::JS_PROP_CONFIGURABLE)
                        && property.has(qjs::JS_PROP_WRITABLE)
                    {
                        made.extend(self.tame(object, key, &property, &label)?);
                    }
                }
            }
            // SAFETY: a live object of this context.
            if unsafe { qjs::JS_FreezeObject(self.raw(), object.as_raw()) } < 0 {
                return Err(rquickjs::Error::Exception);
            }
        }
        Ok(made)
    }

    fn owned_string(&self, text: &str) -> rquickjs::Result<Value<'js>> {
        // SAFETY: a live context and a UTF-8 buffer of the given length.
        self.owned(unsafe {
            qjs::JS_NewStringLen(self.raw(), text.as_ptr().cast(), text.len() as _)
        })
    }

    /// A native function holding `data` (duplicated: the function keeps it alive).
    fn native_function(
        &self,
        function: unsafe extern "C" fn(
            *mut qjs::JSContext,
            qjs::JSValue,
            c_int,
            *mut qjs::JSValue,
            c_int,
            *mut qjs::JSValue,
        ) -> qjs::JSValue,
        name: &std::ffi::CStr,
        length: c_int,
        data: &[qjs::JSValue],
    ) -> rquickjs::Result<Value<'js>> {
        let mut data = data.to_vec();
        // SAFETY: a live context; the data are live values the new function duplicates.
        self.owned(unsafe {
            qjs::JS_NewCFunctionData2(
                self.raw(),
                Some(function),
                name.as_ptr(),
                length,
                0,
                data.len() as c_int,
                data.as_mut_ptr(),
            )
        })
    }

    /// Turns `object[key]` (a writable data property) into the sealed accessor pair.
    fn tame(
        &self,
        object: &Value<'js>,
        key: qjs::JSAtom,
        property: &Property<'js>,
        label: &Value<'js>,
    ) -> rquickjs::Result<[usize; 2]> {
        let raw = self.raw();
        // SAFETY: a live context and atom; the key comes back owned.
        let key_value = self.owned(unsafe { qjs::JS_AtomToValue(raw, key) })?;
        let getter = self.native_function(sealed_get, c"get", 0, &[property.value.as_raw()])?;
        let setter = self.native_function(
            sealed_set,
            c"set",
            1,
            &[object.as_raw(), key_value.as_raw(), label.as_raw()],
        )?;
        let mut flags = qjs::JS_PROP_HAS_GET
            | qjs::JS_PROP_HAS_SET
            | qjs::JS_PROP_HAS_CONFIGURABLE
            | qjs::JS_PROP_HAS_ENUMERABLE
            | qjs::JS_PROP_THROW;
        if property.has(qjs::JS_PROP_ENUMERABLE) {
            flags |= qjs::JS_PROP_ENUMERABLE;
        }
        // SAFETY: live values of this context; the property definition borrows them.
        let defined = unsafe {
            qjs::JS_DefineProperty(
                raw,
                object.as_raw(),
                key,
                UNDEFINED,
                getter.as_raw(),
                setter.as_raw(),
                flags as c_int,
            )
        };
        // Reachable through the descriptor, so as sealed as what they stand for.
        // SAFETY: live function objects of this context.
        let frozen = unsafe {
            qjs::JS_FreezeObject(raw, getter.as_raw()) >= 0
                && qjs::JS_FreezeObject(raw, setter.as_raw()) >= 0
        };
        if defined < 0 || !frozen {
            return Err(rquickjs::Error::Exception);
        }
        Ok([address(&getter), address(&setter)])
    }
}

/// What an assignment's refusal calls a built-in: `Array.prototype`, `Math`, or a fallback.
fn label_of<'js>(ctx: &Ctx<'js>, object: &Value<'js>) -> rquickjs::Result<String> {
    let constructor = Atom::named(ctx, c"constructor")?;
    if let Some(property) = Property::of(ctx, object, constructor.atom)?
        && property.accessor.is_none()
        && let Some(ctor) = property.value.as_function()
    {
        let prototype: Value = ctor.get("prototype")?;
        if is_object(&prototype)
            && address(&prototype) == address(object)
            && let Some(name) = name_of(ctor)?
        {
            return Ok(format!("{name}.prototype"));
        }
    }
    if let Some(function) = object.as_function()
        && let Some(name) = name_of(function)?
    {
        return Ok(name);
    }
    Ok("a built-in".to_string())
}

/// A function's `name`, when it is a string that is not empty.
fn name_of(function: &rquickjs::Function<'_>) -> rquickjs::Result<Option<String>> {
    let name: Value = function.get("name")?;
    Ok(name
        .as_string()
        .map(|s| s.to_string())
        .transpose()?
        .filter(|name| !name.is_empty()))
}

/// A sealed built-in's getter: the value it stood for.
unsafe extern "C" fn sealed_get(
    ctx: *mut qjs::JSContext,
    _this: qjs::JSValue,
    _argc: c_int,
    _argv: *mut qjs::JSValue,
    _magic: c_int,
    data: *mut qjs::JSValue,
) -> qjs::JSValue {
    // SAFETY: made with one data value, which the function keeps alive.
    unsafe { qjs::JS_DupValue(ctx, *data) }
}

/// A sealed built-in's setter: refused on the built-in itself, an own property of any object
/// that inherits it (what the assignment would have made in an open realm).
unsafe extern "C" fn sealed_set(
    ctx: *mut qjs::JSContext,
    this: qjs::JSValue,
    argc: c_int,
    argv: *mut qjs::JSValue,
    _magic: c_int,
    data: *mut qjs::JSValue,
) -> qjs::JSValue {
    // SAFETY: made with three data values (the built-in, the key, the label), kept alive by the
    // function; `argv` holds `argc` values.
    unsafe {
        let (target, key, label) = (*data, *data.add(1), *data.add(2));
        if !qjs::JS_IsObject(this) {
            return UNDEFINED;
        }
        if qjs::JS_VALUE_GET_PTR(this) == qjs::JS_VALUE_GET_PTR(target) {
            let message = format!(
                "cannot assign to {}{}: {SEALED_REASON}",
                text_of(ctx, label),
                describe_key(ctx, key)
            );
            let message = CString::new(message.replace('\0', "")).unwrap_or_default();
            return qjs::JS_ThrowTypeError(ctx, c"%s".as_ptr(), message.as_ptr());
        }
        let value = if argc > 0 { *argv } else { UNDEFINED };
        let atom = qjs::JS_ValueToAtom(ctx, key);
        if atom == qjs::JS_ATOM_NULL {
            return EXCEPTION;
        }
        let defined = qjs::JS_DefinePropertyValue(
            ctx,
            this,
            atom,
            qjs::JS_DupValue(ctx, value),
            qjs::JS_PROP_C_W_E as c_int,
        );
        qjs::JS_FreeAtom(ctx, atom);
        if defined < 0 {
            return EXCEPTION;
        }
        UNDEFINED
    }
}

/// A string value's text, or "" (the label and key are always strings).
///
/// # Safety
/// `value` is a live value of `ctx`.
unsafe fn text_of(ctx: *mut qjs::JSContext, value: qjs::JSValue) -> String {
    let mut len: usize = 0;
    // SAFETY: per the contract; the C string is taken and freed at once.
    unsafe {
        let text = qjs::JS_ToCStringLen(ctx, &mut len, value);
        take_c_string(ctx, text, len).unwrap_or_default()
    }
}

/// How a refusal names a key: `.map`, or `[Symbol(Symbol.iterator)]` as `String(symbol)` writes it.
///
/// # Safety
/// `key` is a live string or symbol value of `ctx`.
unsafe fn describe_key(ctx: *mut qjs::JSContext, key: qjs::JSValue) -> String {
    // SAFETY: per the contract.
    unsafe {
        if !qjs::JS_IsSymbol(key) {
            return format!(".{}", text_of(ctx, key));
        }
        let atom = qjs::JS_ValueToAtom(ctx, key);
        if atom == qjs::JS_ATOM_NULL {
            qjs::JS_FreeValue(ctx, qjs::JS_GetException(ctx));
            return "[Symbol()]".to_string();
        }
        let description = qjs::JS_AtomToString(ctx, atom);
        qjs::JS_FreeAtom(ctx, atom);
        if qjs::JS_IsException(description) {
            qjs::JS_FreeValue(ctx, qjs::JS_GetException(ctx));
            return "[Symbol()]".to_string();
        }
        let text = text_of(ctx, description);
        qjs::JS_FreeValue(ctx, description);
        format!("[Symbol({text})]")
    }
}

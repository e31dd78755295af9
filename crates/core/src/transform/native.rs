//! Owned handles over the parts of QuickJS's C API that reading a reply and sealing the realm
//! share: atoms, own-key listings and own-property descriptors, each freed when dropped. None of
//! them runs JavaScript on an ordinary object.

use std::ffi::{CStr, c_int};

use rquickjs::{Ctx, Value, qjs};

/// An atom made here, freed when dropped.
pub(crate) struct Atom<'a, 'js> {
    pub atom: qjs::JSAtom,
    ctx: &'a Ctx<'js>,
}

impl<'a, 'js> Atom<'a, 'js> {
    /// The atom of a property name.
    pub(crate) fn named(ctx: &'a Ctx<'js>, name: &CStr) -> rquickjs::Result<Self> {
        // SAFETY: a live context and a NUL-terminated name.
        let atom = unsafe { qjs::JS_NewAtom(ctx.as_raw().as_ptr(), name.as_ptr()) };
        Self::made(ctx, atom)
    }

    /// The atom of an array index.
    pub(crate) fn index(ctx: &'a Ctx<'js>, index: u32) -> rquickjs::Result<Self> {
        // SAFETY: a live context.
        let atom = unsafe { qjs::JS_NewAtomUInt32(ctx.as_raw().as_ptr(), index) };
        Self::made(ctx, atom)
    }

    fn made(ctx: &'a Ctx<'js>, atom: qjs::JSAtom) -> rquickjs::Result<Self> {
        if atom == qjs::JS_ATOM_NULL {
            return Err(rquickjs::Error::Exception);
        }
        Ok(Atom { atom, ctx })
    }
}

impl Drop for Atom<'_, '_> {
    fn drop(&mut self) {
        // SAFETY: the atom was made in this context.
        unsafe { qjs::JS_FreeAtom(self.ctx.as_raw().as_ptr(), self.atom) }
    }
}

/// A set of atoms, each held by one reference of its own (so its number is not reused for
/// another name while it is here), all let go on drop, which must come before the runtime's.
pub(crate) struct HeldAtoms {
    runtime: *mut qjs::JSRuntime,
    atoms: rustc_hash::FxHashSet<qjs::JSAtom>,
}

impl HeldAtoms {
    pub(crate) fn new(ctx: &Ctx<'_>) -> Self {
        HeldAtoms {
            // SAFETY: the runtime of a live context.
            runtime: unsafe { qjs::JS_GetRuntime(ctx.as_raw().as_ptr()) },
            atoms: rustc_hash::FxHashSet::default(),
        }
    }

    /// Holds `atom`, a live atom of this runtime, unless it is held already.
    pub(crate) fn hold(&mut self, atom: qjs::JSAtom) {
        if self.atoms.insert(atom) {
            // SAFETY: a live atom of this runtime, held once more while it is in the set.
            unsafe { qjs::JS_DupAtomRT(self.runtime, atom) };
        }
    }

    pub(crate) fn contains(&self, atom: qjs::JSAtom) -> bool {
        self.atoms.contains(&atom)
    }

    pub(crate) fn len(&self) -> usize {
        self.atoms.len()
    }
}

impl Drop for HeldAtoms {
    fn drop(&mut self) {
        for atom in &self.atoms {
            // SAFETY: each atom was held once when added, in this runtime, which is still alive.
            unsafe { qjs::JS_FreeAtomRT(self.runtime, *atom) }
        }
    }
}

/// Which own keys a listing gives.
#[derive(Clone, Copy)]
pub(crate) enum Keys {
    /// Enumerable string keys: what `JSON.stringify` takes.
    EnumerableNames,
    /// Names and symbols, enumerable or not: what `Reflect.ownKeys` gives.
    All,
}

/// An object's own keys, in property order; freed when dropped.
pub(crate) struct OwnKeys<'a, 'js> {
    ctx: &'a Ctx<'js>,
    table: *mut qjs::JSPropertyEnum,
    len: u32,
}

impl<'a, 'js> OwnKeys<'a, 'js> {
    /// Lists `object`'s keys; on failure the exception is left pending.
    pub(crate) fn of(ctx: &'a Ctx<'js>, object: &Value<'js>, keys: Keys) -> rquickjs::Result<Self> {
        let raw = ctx.as_raw().as_ptr();
        let mut table = std::ptr::null_mut();
        let mut len = 0;
        let flags = match keys {
            Keys::EnumerableNames => qjs::JS_GPN_STRING_MASK | qjs::JS_GPN_ENUM_ONLY,
            Keys::All => qjs::JS_GPN_STRING_MASK | qjs::JS_GPN_SYMBOL_MASK,
        } as c_int;
        // SAFETY: a live context and object.
        let listed = unsafe {
            qjs::JS_GetOwnPropertyNames(raw, &mut table, &mut len, object.as_raw(), flags)
        };
        if listed < 0 {
            return Err(rquickjs::Error::Exception);
        }
        Ok(OwnKeys { ctx, table, len })
    }

    /// How many keys there are.
    pub(crate) fn len(&self) -> usize {
        self.len as usize
    }

    /// The keys' atoms, valid while the listing lives.
    pub(crate) fn atoms(&self) -> impl Iterator<Item = qjs::JSAtom> + '_ {
        (0..self.len as usize)
            // SAFETY: the table holds `len` entries.
            .map(|i| unsafe { (*self.table.add(i)).atom })
    }
}

impl Drop for OwnKeys<'_, '_> {
    fn drop(&mut self) {
        // SAFETY: the table and its atoms came from JS_GetOwnPropertyNames in this context.
        unsafe { qjs::JS_FreePropertyEnum(self.ctx.as_raw().as_ptr(), self.table, self.len) }
    }
}

/// An own property's descriptor, its values owned.
pub(crate) struct Property<'js> {
    pub flags: c_int,
    /// The value of a data property (`undefined` for an accessor).
    pub value: Value<'js>,
    /// The getter and setter of an accessor.
    pub accessor: Option<(Value<'js>, Value<'js>)>,
}

impl<'js> Property<'js> {
    /// `object`'s own property `key`, if it has one; on failure the exception is left pending.
    pub(crate) fn of(
        ctx: &Ctx<'js>,
        object: &Value<'js>,
        key: qjs::JSAtom,
    ) -> rquickjs::Result<Option<Self>> {
        let raw = ctx.as_raw().as_ptr();
        let mut descriptor = std::mem::MaybeUninit::<qjs::JSPropertyDescriptor>::uninit();
        // SAFETY: a live context, object and atom; on 1 the descriptor's three values are owned
        // here and wrapped.
        unsafe {
            let found = qjs::JS_GetOwnProperty(raw, descriptor.as_mut_ptr(), object.as_raw(), key);
            if found < 0 {
                return Err(rquickjs::Error::Exception);
            }
            if found == 0 {
                return Ok(None);
            }
            let descriptor = descriptor.assume_init();
            let accessor = if descriptor.flags & qjs::JS_PROP_GETSET as c_int != 0 {
                Some((
                    Value::from_raw(ctx.clone(), descriptor.getter),
                    Value::from_raw(ctx.clone(), descriptor.setter),
                ))
            } else {
                // Both undefined for a data property: nothing to free.
                None
            };
            Ok(Some(Property {
                flags: descriptor.flags,
                value: Value::from_raw(ctx.clone(), descriptor.value),
                accessor,
            }))
        }
    }

    pub(crate) fn has(&self, flag: u32) -> bool {
        self.flags & flag as c_int != 0
    }
}

/// Drops the exception a failed call left pending, for a caller that gives up quietly.
pub(crate) fn clear_exception(ctx: &Ctx<'_>) {
    let raw = ctx.as_raw().as_ptr();
    // SAFETY: takes and frees the pending exception (undefined when there is none).
    unsafe { qjs::JS_FreeValue(raw, qjs::JS_GetException(raw)) }
}

/// The text of a C string QuickJS made (`JS_ToCStringLen`, `JS_AtomToCStringLen`), freed here;
/// `None` when there is none (its exception cleared) or it is not UTF-8 (a lone surrogate).
///
/// # Safety
/// `text` is null or a C string of `len` bytes made in `ctx` and not yet freed.
pub(crate) unsafe fn take_c_string(
    ctx: *mut qjs::JSContext,
    text: *const std::ffi::c_char,
    len: usize,
) -> Option<String> {
    // SAFETY: per the contract.
    unsafe {
        if text.is_null() {
            qjs::JS_FreeValue(ctx, qjs::JS_GetException(ctx));
            return None;
        }
        let bytes = std::slice::from_raw_parts(text.cast::<u8>(), len);
        let owned = std::str::from_utf8(bytes).ok().map(str::to_string);
        qjs::JS_FreeCString(ctx, text);
        owned
    }
}

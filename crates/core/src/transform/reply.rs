//! The handler's returned webhook read straight into JSON values: what `JSON.stringify` and a
//! parse of its text would give, for the plain data nearly every handler returns (objects and
//! arrays of the realm's own kinds, strings, numbers, booleans, null), without the text between.
//! Anything else (a getter, a `toJSON`, a class instance, a Date, a Proxy, a BigInt, a cycle, a
//! lone surrogate, deep nesting) makes it give up, before it has run any code of the handler's,
//! and the reply is stringified as before: the answer is the same, only the way to it is shorter.

use rquickjs::{Ctx, Object, Value, qjs};

use super::native::{Atom, HeldAtoms, Keys, OwnKeys, Property, clear_exception, take_c_string};
use serde_json::{Map, Number};

/// QuickJS's class ids of the two kinds of object read here (first in its class list).
const CLASS_OBJECT: u32 = 1;
const CLASS_ARRAY: u32 = 2;
/// Nesting past this is left to `JSON.stringify` (which also finds cycles).
const MAX_DEPTH: usize = 64;

/// What an object must inherit from to be read here: the realm's sealed `Object.prototype` and
/// `Array.prototype`, which have no `toJSON` and can get none.
pub(crate) struct PlainProtos<'js> {
    pub object: Value<'js>,
    pub array: Value<'js>,
}

/// How many key names a worker keeps (replies reuse a few hundred at most).
const KEPT_NAMES: usize = 4096;

/// The text of the object keys read so far, by atom: replies name the same keys run after run,
/// and an atom's text costs a conversion each time. Every atom kept is held, so its number
/// cannot be reused for another name while it is here.
pub(crate) struct KeyNames {
    held: HeldAtoms,
    names: rustc_hash::FxHashMap<qjs::JSAtom, String>,
}

impl KeyNames {
    pub(crate) fn new(ctx: &Ctx<'_>) -> Self {
        KeyNames {
            held: HeldAtoms::new(ctx),
            names: rustc_hash::FxHashMap::default(),
        }
    }

    /// The text of `atom`; `None` when it has none in UTF-8 (a lone surrogate).
    fn name(&mut self, ctx: &Ctx<'_>, atom: qjs::JSAtom) -> Option<String> {
        if let Some(name) = self.names.get(&atom) {
            return Some(name.clone());
        }
        let raw = ctx.as_raw().as_ptr();
        let mut len: qjs::size_t = 0;
        // SAFETY: a live context and atom; the C string is taken and freed at once.
        let name = unsafe {
            let text = qjs::JS_AtomToCStringLen(raw, &mut len, atom);
            take_c_string(raw, text, len as usize)?
        };
        if self.names.len() < KEPT_NAMES {
            self.held.hold(atom);
            self.names.insert(atom, name.clone());
        }
        Some(name)
    }
}

/// `value` as JSON, or `None` when it is not plain data read the same way without running code.
pub(crate) fn plain_json<'js>(
    ctx: &Ctx<'js>,
    protos: &PlainProtos<'js>,
    names: &mut KeyNames,
    value: &Value<'js>,
) -> Option<serde_json::Value> {
    let mut reader = Reader {
        ctx,
        protos,
        names,
        path: Vec::new(),
    };
    reader.value(value)?.or(Some(serde_json::Value::Null))
}

struct Reader<'a, 'js> {
    ctx: &'a Ctx<'js>,
    protos: &'a PlainProtos<'js>,
    names: &'a mut KeyNames,
    /// The objects being read, outermost first: meeting one again is a cycle.
    path: Vec<*mut std::ffi::c_void>,
}

/// What a property's value comes to in JSON: a value, or nothing (`undefined`, a function, a
/// symbol: left out of an object, `null` in an array).
type Read = Option<serde_json::Value>;

impl<'js> Reader<'_, 'js> {
    /// `None` gives up; `Some(None)` is a value JSON leaves out.
    fn value(&mut self, value: &Value<'js>) -> Option<Read> {
        if let Some(n) = value.as_int() {
            return Some(Some(serde_json::Value::Number(Number::from(n))));
        }
        if let Some(x) = value.as_float() {
            return Some(Some(number(x)));
        }
        if let Some(b) = value.as_bool() {
            return Some(Some(serde_json::Value::Bool(b)));
        }
        if value.is_null() {
            return Some(Some(serde_json::Value::Null));
        }
        if value.is_undefined() || value.is_symbol() || value.is_function() {
            return Some(None);
        }
        if let Some(text) = value.as_string() {
            // A lone surrogate is not UTF-8: given up, so the reply's text says where it is.
            return text
                .to_string()
                .ok()
                .map(|s| Some(serde_json::Value::String(s)));
        }
        let object = value.as_object()?;
        // SAFETY: reading the class id of a live object value.
        let class = unsafe { qjs::JS_GetClassID(value.as_raw()) };
        let expected = match class {
            CLASS_OBJECT => &self.protos.object,
            CLASS_ARRAY => &self.protos.array,
            _ => return None,
        };
        match object.get_prototype() {
            Some(proto) if proto.as_value() == expected => {}
            None if class == CLASS_OBJECT => {}
            _ => return None,
        }
        // SAFETY: the pointer of a live object, used only to compare identities.
        let identity = unsafe { qjs::JS_VALUE_GET_PTR(value.as_raw()) };
        if self.path.len() >= MAX_DEPTH || self.path.contains(&identity) {
            return None;
        }
        self.path.push(identity);
        let read = if class == CLASS_ARRAY {
            self.array(object)
        } else {
            self.object(object)
        };
        self.path.pop();
        read.map(Some)
    }

    fn object(&mut self, object: &Object<'js>) -> Option<serde_json::Value> {
        let keys = OwnKeys::of(self.ctx, object.as_value(), Keys::EnumerableNames)
            .map_err(|_| clear_exception(self.ctx))
            .ok()?;
        let mut map = Map::with_capacity(keys.len());
        // Own enumerable string keys, in the order `JSON.stringify` takes them.
        for atom in keys.atoms() {
            let name = self.atom_name(atom)?;
            if name == "toJSON" {
                return None;
            }
            let Some(value) = self.own_data(object, atom)? else {
                continue;
            };
            match self.value(&value)? {
                Some(read) => {
                    map.insert(name, read);
                }
                None => continue,
            }
        }
        Some(serde_json::Value::Object(map))
    }

    fn array(&mut self, array: &Object<'js>) -> Option<serde_json::Value> {
        let to_json = self.atom(Atom::named(self.ctx, c"toJSON"))?;
        if self.own_data(array, to_json.atom)?.is_some() {
            return None;
        }
        let length: u32 = array.get("length").ok()?;
        let mut items = Vec::with_capacity(length as usize);
        for index in 0..length {
            let atom = self.atom(Atom::index(self.ctx, index))?;
            // A hole reads through the sealed prototypes, which have no indexes: `null`.
            let item = match self.own_data(array, atom.atom)? {
                Some(value) => self.value(&value)?,
                None => None,
            };
            items.push(item.unwrap_or(serde_json::Value::Null));
        }
        Some(serde_json::Value::Array(items))
    }

    fn atom_name(&mut self, atom: qjs::JSAtom) -> Option<String> {
        self.names.name(self.ctx, atom)
    }

    /// An atom, or `None` (the exception cleared) when it could not be made.
    fn atom<'a>(&self, made: rquickjs::Result<Atom<'a, 'js>>) -> Option<Atom<'a, 'js>> {
        made.map_err(|_| clear_exception(self.ctx)).ok()
    }

    /// The value of an own data property (`Some(None)` when there is no such property); `None`
    /// gives up on an accessor, whose getter only `JSON.stringify` may call.
    fn own_data(&self, object: &Object<'js>, key: qjs::JSAtom) -> Option<Option<Value<'js>>> {
        // An ordinary object's own property lookup runs no JS; a failure is not the handler's:
        // it is cleared, and stringify speaks.
        match Property::of(self.ctx, object.as_value(), key) {
            Err(_) => {
                clear_exception(self.ctx);
                None
            }
            Ok(None) => Some(None),
            Ok(Some(property)) if property.accessor.is_some() => None,
            Ok(Some(property)) => Some(Some(property.value)),
        }
    }
}

/// A JS number as parsing `JSON.stringify`'s text of it gives. Integral values below 1e21 are
/// written as digits: exactly up to 2^53, past it as the shortest digits that round-trip padded
/// with zeros (2^63 is written 9223372036854776000), and those digits parse as an integer when
/// they fit. NaN and the infinities are written `null`.
fn number(x: f64) -> serde_json::Value {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if !x.is_finite() {
        return serde_json::Value::Null;
    }
    if x == x.trunc() && x.abs() <= EXACT {
        // Exact in both: -0 is written 0.
        return serde_json::Value::Number(if x >= 0.0 {
            Number::from(x as u64)
        } else {
            Number::from(x as i64)
        });
    }
    if x == x.trunc() && x.abs() < 1e21 {
        // Rust's exponent form holds the same shortest round-trip digits JavaScript writes.
        let scientific = format!("{:e}", x.abs());
        if let Some((mantissa, exponent)) = scientific.split_once('e')
            && let Ok(exponent) = exponent.parse::<usize>()
        {
            let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
            let mut text = String::from(if x < 0.0 { "-" } else { "" });
            text.push_str(&digits);
            text.extend(std::iter::repeat_n(
                '0',
                (exponent + 1).saturating_sub(digits.len()),
            ));
            if let Ok(parsed) = serde_json::from_str(&text) {
                return parsed;
            }
        }
    }
    Number::from_f64(x).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rquickjs::{Context, Runtime};

    /// Runs `f` in a fresh realm with its plain prototypes.
    fn in_realm<R>(f: impl for<'js> FnOnce(&Ctx<'js>, &PlainProtos<'js>) -> R) -> R {
        let runtime = Runtime::new().expect("runtime");
        let context = Context::full(&runtime).expect("context");
        context.with(|ctx| {
            let protos = PlainProtos {
                object: ctx.eval("Object.prototype").expect("Object.prototype"),
                array: ctx.eval("Array.prototype").expect("Array.prototype"),
            };
            f(&ctx, &protos)
        })
    }

    /// Each expression's plain reading compared with `JSON.parse(JSON.stringify(..))`'s text
    /// parsed by serde, or `None` when it must give up.
    fn read_both(expression: &str) -> (Option<serde_json::Value>, Option<serde_json::Value>) {
        in_realm(|ctx, protos| {
            let value: Value = ctx
                .eval(format!("({expression})"))
                .expect("the expression evaluates");
            let mut names = KeyNames::new(ctx);
            let plain = plain_json(ctx, protos, &mut names, &value);
            let text: Option<String> = ctx
                .json_stringify(value)
                .ok()
                .flatten()
                .and_then(|s| s.to_string().ok());
            let parsed = text.and_then(|t| serde_json::from_str(&t).ok());
            (plain, parsed)
        })
    }

    #[test]
    fn plain_data_reads_as_stringify_and_a_parse_give_it() {
        for expression in [
            r#"{ "b": 1, "a": [true, null, "x"], "10": 2, "2": 3, "nested": { "deep": { "k": "v" } } }"#,
            r#"{ "n": -5, "f": 4.5, "whole": 4.0, "neg0": -0, "big": 1e20, "huge": 1e21, "tiny": 1e-7 }"#,
            r#"{ "max": 18446744073709551615, "two63": 9223372036854775808, "min": -9223372036854775808 }"#,
            r#"{ "safe": 9007199254740993, "past": 123456789012345680000, "negpast": -12345678901234567890 }"#,
            "[2 ** 53, -(2 ** 53), 2 ** 60 + 2 ** 8, 1e19, 1.5e20, 999999999999999900000]",
            r#"{ "third": 1 / 3, "nan": NaN, "inf": -Infinity, "sum": 0.1 + 0.2 }"#,
            r#"{ "u": undefined, "f": function () {}, "s": Symbol("x"), "kept": 1 }"#,
            r#"[undefined, function () {}, Symbol("x"), 1, , 3]"#,
            r#"{ "text": "é ✓ 😀 \u0007 \"q\" \\ \n", "empty": "", "key with space": 1 }"#,
            r#"Object.assign(Object.create(null), { "a": 1 })"#,
            r#"(() => { const o = { a: 1 }; Object.defineProperty(o, "hidden", { value: 2 }); return o; })()"#,
            r#"(() => { const shared = { x: 1 }; return { a: shared, b: shared }; })()"#,
            r#""just a string""#,
            "42",
            "null",
        ] {
            let (plain, parsed) = read_both(expression);
            assert!(plain.is_some(), "{expression} should be read");
            assert_eq!(plain, parsed, "{expression}");
        }
    }

    #[test]
    fn key_names_kept_across_replies_stay_right_as_atoms_come_and_go() {
        in_realm(|ctx, protos| {
            let mut names = KeyNames::new(ctx);
            // Rounds of fresh keys, more than are kept: atoms let go between rounds may be made
            // again for other names, and every reply must still read its own.
            for round in 0..3 {
                let expression = format!(
                    "(() => {{ const o = {{}}; for (let i = 0; i < {n}; i++) o['k{round}_' + i] = i; o.shared = {round}; return o; }})()",
                    n = KEPT_NAMES + 500
                );
                let value: Value = ctx.eval(expression).expect("evaluates");
                let plain = plain_json(ctx, protos, &mut names, &value).expect("plain");
                let object = plain.as_object().expect("an object");
                assert_eq!(object.len(), KEPT_NAMES + 501);
                for (i, (key, item)) in object.iter().take(KEPT_NAMES + 500).enumerate() {
                    assert_eq!(key, &format!("k{round}_{i}"));
                    assert_eq!(item, &serde_json::json!(i));
                }
                assert_eq!(object["shared"], serde_json::json!(round));
                drop(value);
                ctx.run_gc();
            }
            assert!(names.names.len() <= KEPT_NAMES);
        });
    }

    #[test]
    fn anything_but_plain_data_is_left_to_stringify() {
        for expression in [
            r#"{ "d": new Date(0) }"#,
            r#"{ "toJSON": function () { return 1; } }"#,
            r#"(() => { const a = [1]; a.toJSON = function () { return 2; }; return a; })()"#,
            r#"{ get g() { return 1; } }"#,
            r#"(() => { const a = [1]; Object.defineProperty(a, 0, { get() { return 5; } }); return a; })()"#,
            r#"{ "p": new Proxy({}, {}) }"#,
            r#"{ "c": new (class K {})() }"#,
            r#"{ "m": new Map() }"#,
            r#"{ "w": new String("x") }"#,
            r#"{ "b": 1n }"#,
            r#"{ "lone": "\ud800" }"#,
            r#"(() => { const o = {}; o.self = o; return o; })()"#,
            r#"(() => { let o = {}; for (let i = 0; i < 100; i++) o = { o }; return o; })()"#,
        ] {
            let (plain, _) = read_both(expression);
            assert_eq!(plain, None, "{expression} must be left to JSON.stringify");
        }
    }
}

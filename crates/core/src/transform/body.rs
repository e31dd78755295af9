//! The webhook body handed to the handler, built as JS values straight from the JSON the pipeline
//! already parsed, rather than by `JSON.parse` over the text a second time. It gives what
//! `JSON.parse` gives for that text: the same values (serde reads numbers with correct rounding,
//! `-0` as `-0`), keys in their order with a repeated key's last value at its first place, own
//! data properties defined rather than set (a `"__proto__"` key is a key), arrays dense.

use std::ffi::c_int;

use rquickjs::{Ctx, Value, qjs};
use serde_json::Number;

/// Nesting past this is left to `JSON.parse` over the text (serde itself stops at 128).
const MAX_DEPTH: usize = 128;

/// `json` as a fresh JS value; `None` when it nests too deep to build here. An allocation the
/// runtime refuses gives `Some(Err)`, its exception pending.
pub(crate) fn build<'js>(
    ctx: &Ctx<'js>,
    json: &serde_json::Value,
) -> Option<rquickjs::Result<Value<'js>>> {
    let raw = ctx.as_raw().as_ptr();
    // SAFETY: a live context; the value made is owned and handed to the wrapper.
    match unsafe { value(raw, json, 0) } {
        Ok(made) => Some(Ok(unsafe { Value::from_raw(ctx.clone(), made) })),
        Err(Stop::TooDeep) => None,
        Err(Stop::Exception) => Some(Err(rquickjs::Error::Exception)),
    }
}

/// Why a build stopped: everything made so far is freed either way.
enum Stop {
    TooDeep,
    /// An exception is pending.
    Exception,
}

/// An owned JS value for `json`, or the exception left pending (nothing made is leaked).
///
/// # Safety
/// `ctx` is a live context.
unsafe fn value(
    ctx: *mut qjs::JSContext,
    json: &serde_json::Value,
    depth: usize,
) -> Result<qjs::JSValue, Stop> {
    // SAFETY: per the contract; every value made is either returned or freed.
    unsafe {
        let made = match json {
            serde_json::Value::Null => qjs::JS_NULL,
            serde_json::Value::Bool(b) => qjs::JS_MKVAL(qjs::JS_TAG_BOOL, c_int::from(*b)),
            serde_json::Value::Number(n) => number(n),
            serde_json::Value::String(s) => {
                qjs::JS_NewStringLen(ctx, s.as_ptr().cast(), s.len() as _)
            }
            serde_json::Value::Array(_) | serde_json::Value::Object(_) if depth >= MAX_DEPTH => {
                return Err(Stop::TooDeep);
            }
            serde_json::Value::Array(items) => {
                let mut made = Vec::with_capacity(items.len());
                for item in items {
                    match value(ctx, item, depth + 1) {
                        Ok(v) => made.push(v),
                        Err(stop) => {
                            for v in made {
                                qjs::JS_FreeValue(ctx, v);
                            }
                            return Err(stop);
                        }
                    }
                }
                let Ok(count) = c_int::try_from(made.len()) else {
                    for v in made {
                        qjs::JS_FreeValue(ctx, v);
                    }
                    qjs::JS_ThrowRangeError(ctx, c"array too long".as_ptr());
                    return Err(Stop::Exception);
                };
                // Takes the items, also on failure.
                qjs::JS_NewArrayFrom(ctx, count, made.as_ptr())
            }
            serde_json::Value::Object(map) => {
                let object = qjs::JS_NewObject(ctx);
                if qjs::JS_IsException(object) {
                    return Err(Stop::Exception);
                }
                for (key, item) in map {
                    let atom = key_atom(ctx, key);
                    if atom == qjs::JS_ATOM_NULL {
                        qjs::JS_FreeValue(ctx, object);
                        return Err(Stop::Exception);
                    }
                    let item = match value(ctx, item, depth + 1) {
                        Ok(v) => v,
                        Err(stop) => {
                            qjs::JS_FreeAtom(ctx, atom);
                            qjs::JS_FreeValue(ctx, object);
                            return Err(stop);
                        }
                    };
                    // Takes the item, also on failure.
                    let defined = qjs::JS_DefinePropertyValue(
                        ctx,
                        object,
                        atom,
                        item,
                        qjs::JS_PROP_C_W_E as c_int,
                    );
                    qjs::JS_FreeAtom(ctx, atom);
                    if defined < 0 {
                        qjs::JS_FreeValue(ctx, object);
                        return Err(Stop::Exception);
                    }
                }
                object
            }
        };
        if qjs::JS_IsException(made) {
            return Err(Stop::Exception);
        }
        Ok(made)
    }
}

/// The number `JSON.parse` makes of a number's text: a double (small integers as QuickJS's
/// integers, which no script can tell apart). Integers past 2^53 round as the text would.
fn number(n: &Number) -> qjs::JSValue {
    if let Some(i) = n.as_i64() {
        return match i32::try_from(i) {
            Ok(small) => qjs::JS_MKVAL(qjs::JS_TAG_INT, small),
            Err(_) => qjs::JS_NewFloat64(i as f64),
        };
    }
    if let Some(u) = n.as_u64() {
        return qjs::JS_NewFloat64(u as f64);
    }
    qjs::JS_NewFloat64(n.as_f64().unwrap_or(f64::NAN))
}

/// The atom of an object key. QuickJS's lookup by UTF-8 bytes compares them with Latin-1 text,
/// so a key with any non-ASCII character goes through a JS string first.
///
/// # Safety
/// `ctx` is a live context.
unsafe fn key_atom(ctx: *mut qjs::JSContext, key: &str) -> qjs::JSAtom {
    // SAFETY: per the contract; the string made is freed once its atom is taken.
    unsafe {
        if key.is_ascii() {
            return qjs::JS_NewAtomLen(ctx, key.as_ptr().cast(), key.len() as _);
        }
        let text = qjs::JS_NewStringLen(ctx, key.as_ptr().cast(), key.len() as _);
        if qjs::JS_IsException(text) {
            return qjs::JS_ATOM_NULL;
        }
        let atom = qjs::JS_ValueToAtom(ctx, text);
        qjs::JS_FreeValue(ctx, text);
        atom
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rquickjs::{Context, Function, Runtime};

    /// Builds `text`'s serde reading here and `JSON.parse(text)` in QuickJS, and compares what a
    /// script can see of them: their `JSON.stringify`, every value's type and sign of zero, every
    /// key order, and whether arrays are arrays.
    fn same_as_json_parse(text: &str) {
        let json: serde_json::Value = serde_json::from_str(text).expect("serde reads it");
        let runtime = Runtime::new().expect("runtime");
        let context = Context::full(&runtime).expect("context");
        context.with(|ctx| {
            let built = build(&ctx, &json).expect("shallow enough").expect("builds");
            let describe: Function = ctx
                .eval(
                    r#"(function describe(v) {
                      if (v === null || typeof v !== "object") {
                        return typeof v + ":" + (Object.is(v, -0) ? "-0" : String(v));
                      }
                      const own = Reflect.ownKeys(v).map((k) => {
                        const d = Object.getOwnPropertyDescriptor(v, k);
                        return String(k) + (d.writable && d.enumerable && d.configurable ? "" : "!") + "=" + describe(d.value);
                      });
                      return (Array.isArray(v) ? "[" : "{") + (Object.getPrototypeOf(v) === (Array.isArray(v) ? Array.prototype : Object.prototype)) + " " + own.join(",") + ")";
                    })"#,
                )
                .expect("describe");
            let parse: Function = ctx.eval("JSON.parse").expect("parse");
            let parsed: Value = parse.call((text,)).expect("JSON.parse reads it");
            let a: String = describe.call((built,)).expect("describes");
            let b: String = describe.call((parsed,)).expect("describes");
            assert_eq!(a, b, "{text}");
        });
    }

    #[test]
    fn a_built_body_is_what_json_parse_makes_of_its_text() {
        for text in [
            r#"{"type":"payment.succeeded","data":{"total_amount":1999,"tax":null,"paid":true,"items":[1,2.5,"x",[],{}]}}"#,
            r#"{"z":1,"a":2,"10":3,"2":4,"-1":5,"01":6,"4294967295":7,"4294967294":8}"#,
            r#"{"a":1,"b":2,"a":3}"#,
            r#"{"__proto__":{"polluted":true},"constructor":1,"toString":2}"#,
            r#"{"neg0":-0,"negf":-0.0,"e":1e400,"tiny":5e-324,"big":123456789012345678901234567890,"odd":9007199254740993}"#,
            r#"{"i32max":2147483647,"past":2147483648,"min":-2147483648,"below":-2147483649,"u64":18446744073709551615}"#,
            r#"{"f":0.1,"g":1.7976931348623157e308,"h":2.2250738585072014e-308,"whole":4.0,"exp":1E2}"#,
            r#"{"é":1,"Ã©":2,"😀":"😀","\u0000k":"\u0000","ÿ":"ÿ","\u2028":"\ud83d\ude00"}"#,
            r#"[null,true,false,"",[[[]]],{"":""}]"#,
            r#""just a string""#,
            "-0",
            "null",
        ] {
            if text.contains("1e400") {
                // serde refuses a number past f64; the text path is taken for it.
                assert!(serde_json::from_str::<serde_json::Value>(text).is_err());
                continue;
            }
            same_as_json_parse(text);
        }
    }

    #[test]
    fn nesting_past_the_limit_is_left_to_json_parse() {
        let mut deep = serde_json::json!(1);
        for _ in 0..MAX_DEPTH + 1 {
            deep = serde_json::json!([deep]);
        }
        let runtime = Runtime::new().expect("runtime");
        let context = Context::full(&runtime).expect("context");
        context.with(|ctx| {
            assert!(build(&ctx, &deep).is_none());
            let mut shallow = serde_json::json!(1);
            for _ in 0..MAX_DEPTH {
                shallow = serde_json::json!({ "k": shallow });
            }
            assert!(build(&ctx, &shallow).is_some());
        });
    }
}

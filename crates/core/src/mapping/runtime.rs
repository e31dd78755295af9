//! The small JavaScript functions a compiled mapping calls. Each is written once here and emitted
//! once at the end of a compiled handler, only when the handler (or another function it emits)
//! uses it, always in the order of [`Helper::ALL`], so the same mapping gives the same text.
//!
//! The code is plain ES2015 at most (`const`, `let`, `function`), and uses only the globals every
//! JavaScript engine has: `Object`, `Array`, `JSON`, `Math`, `Number`, `String`, `Date`,
//! `isFinite`, `isNaN`.

use crate::segment::currency;

/// One function of the runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Helper {
    Cancel,
    Put,
    LeftOut,
    SetOwn,
    Read,
    First,
    Template,
    Each,
    Minus,
    ToNumber,
    ToText,
    ToBoolean,
    Money,
    ToTime,
    ToLower,
    ToUpper,
    ToCurrency,
    Lookup,
    MessageId,
    Hash64,
    /// The table of currencies whose minor unit is not 1/100 (`DECIMALS`).
    Decimals,
}

impl Helper {
    /// Every helper, in the order they are emitted.
    #[cfg(test)]
    pub(crate) const ALL: [Helper; 21] = [
        Helper::Cancel,
        Helper::Put,
        Helper::LeftOut,
        Helper::SetOwn,
        Helper::Read,
        Helper::First,
        Helper::Template,
        Helper::Each,
        Helper::Minus,
        Helper::ToNumber,
        Helper::ToText,
        Helper::ToBoolean,
        Helper::Money,
        Helper::ToTime,
        Helper::ToLower,
        Helper::ToUpper,
        Helper::ToCurrency,
        Helper::Lookup,
        Helper::MessageId,
        Helper::Hash64,
        Helper::Decimals,
    ];

    /// The name the JavaScript calls it by.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Helper::Cancel => "cancel",
            Helper::Put => "put",
            Helper::LeftOut => "leftOut",
            Helper::SetOwn => "setOwn",
            Helper::Read => "read",
            Helper::First => "first",
            Helper::Template => "template",
            Helper::Each => "each",
            Helper::Minus => "minus",
            Helper::ToNumber => "toNumber",
            Helper::ToText => "toText",
            Helper::ToBoolean => "toBoolean",
            Helper::Money => "money",
            Helper::ToTime => "toTime",
            Helper::ToLower => "toLower",
            Helper::ToUpper => "toUpper",
            Helper::ToCurrency => "toCurrency",
            Helper::Lookup => "lookup",
            Helper::MessageId => "messageId",
            Helper::Hash64 => "hash64",
            Helper::Decimals => "DECIMALS",
        }
    }

    /// The helpers this one calls.
    pub(crate) fn needs(self) -> &'static [Helper] {
        match self {
            Helper::Put => &[Helper::LeftOut, Helper::SetOwn],
            Helper::First => &[Helper::Read],
            Helper::Template => &[Helper::Read, Helper::ToText],
            Helper::Minus => &[Helper::ToNumber],
            Helper::Money => &[Helper::ToNumber, Helper::ToCurrency, Helper::Decimals],
            Helper::MessageId => &[Helper::Read, Helper::Hash64],
            _ => &[],
        }
    }

    /// The helper's JavaScript, comment included, ending with a newline.
    pub(crate) fn code(self) -> String {
        match self {
            Helper::Decimals => decimals_table(),
            other => other.fixed_code().to_string(),
        }
    }

    fn fixed_code(self) -> &'static str {
        match self {
            Helper::Cancel => CANCEL,
            Helper::Put => PUT,
            Helper::LeftOut => LEFT_OUT,
            Helper::SetOwn => SET_OWN,
            Helper::Read => READ,
            Helper::First => FIRST,
            Helper::Template => TEMPLATE,
            Helper::Each => EACH,
            Helper::Minus => MINUS,
            Helper::ToNumber => TO_NUMBER,
            Helper::ToText => TO_TEXT,
            Helper::ToBoolean => TO_BOOLEAN,
            Helper::Money => MONEY,
            Helper::ToTime => TO_TIME,
            Helper::ToLower => TO_LOWER,
            Helper::ToUpper => TO_UPPER,
            Helper::ToCurrency => TO_CURRENCY,
            Helper::Lookup => LOOKUP,
            Helper::MessageId => MESSAGE_ID,
            Helper::Hash64 => HASH64,
            Helper::Decimals => "",
        }
    }
}

/// `used` and everything it needs, in emission order.
pub(crate) fn closure(used: &std::collections::BTreeSet<Helper>) -> Vec<Helper> {
    let mut all = used.clone();
    let mut queue: Vec<Helper> = used.iter().copied().collect();
    while let Some(h) = queue.pop() {
        for needed in h.needs() {
            if all.insert(*needed) {
                queue.push(*needed);
            }
        }
    }
    all.into_iter().collect()
}

/// `const DECIMALS = { … }` from the ISO 4217 table: the codes whose exponent is not 2, sorted.
fn decimals_table() -> String {
    let entries: Vec<String> = currency::exponents()
        .filter(|(_, e)| *e != 2)
        .map(|(code, e)| format!("{code}: {e},"))
        .collect();
    let mut text = String::from(
        "// ISO 4217 currencies whose minor unit is not 1/100. Every other code has 2 decimals.\n\
         const DECIMALS = {\n",
    );
    let mut line = String::new();
    for entry in entries {
        if !line.is_empty() && line.len() + 1 + entry.len() > 98 {
            text.push_str("  ");
            text.push_str(&line);
            text.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&entry);
    }
    if !line.is_empty() {
        text.push_str("  ");
        text.push_str(&line);
        text.push('\n');
    }
    text.push_str("};\n");
    text
}

const CANCEL: &str = r#"// Nothing is sent for this event: the webhook is cancelled, and nothing else of it changes.
function cancel(webhook) {
  webhook.cancel = true;
  return webhook;
}
"#;

const PUT: &str = r#"// Sets `value` at `path` inside `target`, making the objects on the way, unless `omit` leaves it
// out: "null" (the default) leaves out undefined and null, "empty" also "", [] and {}, "never"
// only undefined. True when the value was set.
function put(target, path, value, omit) {
  // The common cases first, without a call: a handler runs this for every field of every event.
  if (value === undefined || (value === null && omit !== "never")) return false;
  if (omit === "empty" && leftOut(value, omit)) return false;
  let object = target;
  const last = path.length - 1;
  for (let i = 0; i < last; i++) {
    const key = path[i];
    // What `object` inherits is made of functions, but for `__proto__`: only an own object is
    // gone into, else a new one is made.
    const next =
      key !== "__proto__" || Object.prototype.hasOwnProperty.call(object, key)
        ? object[key]
        : undefined;
    if (next === null || typeof next !== "object") setOwn(object, key, {});
    object = object[key];
  }
  if (path[last] === "__proto__") setOwn(object, path[last], value);
  else object[path[last]] = value;
  return true;
}
"#;

const LEFT_OUT: &str = r#"// True when `omit` ("null", "empty" or "never") leaves `value` out of the call.
function leftOut(value, omit) {
  if (value === undefined) return true;
  if (omit === "never") return false;
  if (value === null) return true;
  if (omit !== "empty") return false;
  if (value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === "object" && Object.keys(value).length === 0;
}
"#;

const SET_OWN: &str = r#"// Sets an ordinary own property, so that even a key like "__proto__" is just a key (assigning
// it would set the object's prototype instead).
function setOwn(object, key, value) {
  if (key !== "__proto__") {
    object[key] = value;
    return;
  }
  Object.defineProperty(object, key, {
    value: value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}
"#;

const READ: &str = r#"// The value at `path` (keys and array indexes) inside `value`; undefined as soon as a step is
// missing or not an object. Only the body's own keys count, never inherited ones: a body is
// JSON, which holds no functions, so a function found is inherited (toString, constructor), and
// `__proto__` is the body's only when it is its own key.
function read(value, path) {
  let current = value;
  for (let i = 0; i < path.length; i++) {
    if (current === null || typeof current !== "object") return undefined;
    const key = path[i];
    if (key === "__proto__" && !Object.prototype.hasOwnProperty.call(current, key)) {
      return undefined;
    }
    current = current[key];
    if (typeof current === "function") return undefined;
  }
  return current;
}
"#;

const FIRST: &str = r#"// The first value at one of `paths` that is not undefined, null or "".
function first(value, paths) {
  for (let i = 0; i < paths.length; i++) {
    const found = read(value, paths[i]);
    if (found !== undefined && found !== null && found !== "") return found;
  }
  return undefined;
}
"#;

const TEMPLATE: &str = r#"// Text made of `parts`: a string stands for itself, an array is a path whose value is put in as
// text (nothing when it is undefined or null).
function template(value, parts) {
  let text = "";
  for (let i = 0; i < parts.length; i++) {
    if (typeof parts[i] === "string") {
      text += parts[i];
    } else {
      const found = toText(read(value, parts[i]));
      text += found === undefined || found === null ? "" : found;
    }
  }
  return text;
}
"#;

const EACH: &str = r#"// Every item of `items` made into an object by `map`; undefined when `items` is not an array.
function each(items, map) {
  if (!Array.isArray(items)) return undefined;
  const out = [];
  for (let i = 0; i < items.length; i++) out.push(map(items[i]));
  return out;
}
"#;

const MINUS: &str = r#"// `value` less `amount` when `amount` is a number and `value` reads as one; else `value`.
function minus(value, amount) {
  if (typeof amount !== "number") return value;
  const n = toNumber(value);
  return n === undefined ? value : n - amount;
}
"#;

const TO_NUMBER: &str = r#"// A finite number from a number or a numeric string; undefined for anything else, "" included.
function toNumber(value) {
  if (value === undefined || value === null || value === "") return undefined;
  const n = Number(value);
  return isFinite(n) ? n : undefined;
}
"#;

const TO_TEXT: &str = r#"// Text: objects and arrays as JSON, anything else through String(); undefined and null stay.
function toText(value) {
  if (value === undefined || value === null) return value;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
"#;

const TO_BOOLEAN: &str = r#"// A boolean from a boolean, "true" or "false" (any case, spaces around) or a number (0 is
// false); undefined for anything else.
function toBoolean(value) {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "string") {
    const word = value.trim().toLowerCase();
    if (word === "true") return true;
    if (word === "false") return false;
  }
  return undefined;
}
"#;

const MONEY: &str = r#"// Minor units (cents, yen, fils) to an amount of the currency, divided by 10 to the power of its
// decimals. Undefined without a number or without a currency: the scale would be a guess.
function money(value, currency) {
  const n = toNumber(value);
  const code = toCurrency(currency);
  if (n === undefined || code === undefined) return undefined;
  // What the table inherits is functions, never numbers.
  const listed = DECIMALS[code];
  const decimals = typeof listed === "number" ? listed : 2;
  return n / Math.pow(10, decimals);
}
"#;

const TO_TIME: &str = r#"// An ISO-8601 time: a string as it is; a number as epoch seconds (below 1e11) or milliseconds.
function toTime(value) {
  if (typeof value === "string") return value;
  if (typeof value !== "number" || !isFinite(value)) return undefined;
  const date = new Date(value < 1e11 ? value * 1000 : value);
  return isNaN(date.getTime()) ? undefined : date.toISOString();
}
"#;

const TO_LOWER: &str = r#"// Lower-case text; undefined and null stay.
function toLower(value) {
  if (value === undefined || value === null) return value;
  return String(value).toLowerCase();
}
"#;

const TO_UPPER: &str = r#"// Upper-case text; undefined and null stay.
function toUpper(value) {
  if (value === undefined || value === null) return value;
  return String(value).toUpperCase();
}
"#;

const TO_CURRENCY: &str = r#"// An ISO 4217 code: a non-empty string, trimmed and upper-cased; undefined otherwise.
function toCurrency(value) {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  return value.trim().toUpperCase();
}
"#;

const LOOKUP: &str = r#"// The value `table` (pairs of key and value) gives for String(value); `value` itself when the
// table has no such key.
function lookup(value, table) {
  if (value === undefined) return undefined;
  const key = String(value);
  for (let i = 0; i < table.length; i++) {
    if (table[i][0] === key) return table[i][1];
  }
  return value;
}
"#;

const MESSAGE_ID: &str = r#"// "dodo:<type>:<16 hex digits>" from the event type, the object's id and the body's timestamp:
// a retry or a replay of the same event gets the same id, and Segment drops the duplicate.
function messageId(type, objectId, body) {
  const id = objectId === undefined || objectId === null ? "" : String(objectId);
  const timestamp = read(body, ["timestamp"]);
  const when = typeof timestamp === "string" ? timestamp : "";
  return "dodo:" + type + ":" + hash64(type + "|" + id + "|" + when);
}
"#;

const HASH64: &str = r#"// A 64-bit string hash (cyrb53's mixing, both halves kept) as 16 hex digits: the same in every
// JavaScript engine.
function hash64(text) {
  // Looked up once, not twice per character: an interpreter pays for every lookup.
  const imul = Math.imul;
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0, n = text.length; i < n; i++) {
    const c = text.charCodeAt(i);
    h1 = imul(h1 ^ c, 2654435761);
    h2 = imul(h2 ^ c, 1597334677);
  }
  h1 = imul(h1 ^ (h1 >>> 16), 2246822507) ^ imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = imul(h2 ^ (h2 >>> 16), 2246822507) ^ imul(h1 ^ (h1 >>> 13), 3266489909);
  const hex = function (n) {
    return ("0000000" + (n >>> 0).toString(16)).slice(-8);
  };
  return hex(h2) + hex(h1);
}
"#;

//! Finds uses of what QuickJS lacks but Dodo's runtime (very likely V8) may have, so the user is
//! warned that the transformation may behave differently there. A light lexer: comments, strings
//! and template text are skipped so that prose does not trigger warnings.

use serde::{Deserialize, Serialize};

/// One API the source uses that this sandbox lacks, at its first use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompatWarning {
    pub api: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

fn message_for(api: &str) -> Option<String> {
    let text = match api {
        "Intl" => {
            "QuickJS has no `Intl`: it is undefined here, while Dodo's runtime (likely V8) has it"
                .to_string()
        }
        "toLocaleString" | "toLocaleDateString" | "toLocaleTimeString" => format!(
            "`{api}` ignores locales here (QuickJS has no Intl): the text differs from Dodo's runtime"
        ),
        "setTimeout" | "setInterval" | "setImmediate" | "clearTimeout" | "clearInterval"
        | "queueMicrotask" => format!(
            "`{api}` is undefined here: a transformation has no timers and must be synchronous"
        ),
        "fetch" | "XMLHttpRequest" | "WebSocket" => {
            format!("`{api}` is undefined here: a transformation has no network access")
        }
        "require" | "import" => {
            format!("`{api}` cannot load anything here: a transformation must be self-contained")
        }
        "structuredClone" | "TextEncoder" | "TextDecoder" | "URL" | "URLSearchParams"
        | "crypto" | "Buffer" | "process" => format!(
            "`{api}` is undefined here; it may exist in Dodo's runtime, so results can differ"
        ),
        _ => return None,
    };
    Some(text)
}

struct Cursor {
    chars: Vec<char>,
    i: usize,
    line: u32,
    col: u32,
}

impl Cursor {
    fn peek(&self, ahead: usize) -> char {
        self.chars.get(self.i + ahead).copied().unwrap_or('\0')
    }

    fn done(&self) -> bool {
        self.i >= self.chars.len()
    }

    fn bump(&mut self) -> char {
        let c = self.peek(0);
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        c
    }

    fn next_significant(&self) -> char {
        self.chars[self.i.min(self.chars.len())..]
            .iter()
            .copied()
            .find(|c| !c.is_whitespace())
            .unwrap_or('\0')
    }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// Scans `source` and returns one warning per unsupported API, at its first use, in source order.
pub fn scan_compat(source: &str) -> Vec<CompatWarning> {
    let mut cur = Cursor {
        chars: source.chars().collect(),
        i: 0,
        line: 1,
        col: 1,
    };
    let mut warnings: Vec<CompatWarning> = Vec::new();
    let mut prev_significant = ' ';
    while !cur.done() {
        let (c, next) = (cur.peek(0), cur.peek(1));
        if c == '/' && next == '/' {
            while !cur.done() && cur.peek(0) != '\n' {
                cur.bump();
            }
        } else if c == '/' && next == '*' {
            cur.bump();
            cur.bump();
            while !(cur.done() || cur.peek(0) == '*' && cur.peek(1) == '/') {
                cur.bump();
            }
            cur.bump();
            cur.bump();
        } else if c == '"' || c == '\'' || c == '`' {
            cur.bump();
            while !cur.done() && cur.peek(0) != c {
                if cur.peek(0) == '\\' {
                    cur.bump();
                } else if c != '`' && cur.peek(0) == '\n' {
                    break;
                }
                cur.bump();
            }
            cur.bump();
            prev_significant = c;
        } else if is_ident(c) && !c.is_ascii_digit() {
            let (line, column) = (cur.line, cur.col);
            let mut word = String::new();
            while !cur.done() && is_ident(cur.peek(0)) {
                word.push(cur.bump());
            }
            let after = cur.next_significant();
            let member = prev_significant == '.';
            let hit = match word.as_str() {
                "toLocaleString" | "toLocaleDateString" | "toLocaleTimeString" => member,
                "require" => !member && after == '(',
                "import" => {
                    !member
                        && (matches!(after, '(' | '{' | '*' | '"' | '\'') || after.is_alphabetic())
                }
                "process" => !member && after == '.',
                w => !member && message_for(w).is_some(),
            };
            if hit
                && !warnings.iter().any(|w| w.api == word)
                && let Some(message) = message_for(&word)
            {
                warnings.push(CompatWarning {
                    api: word,
                    line,
                    column,
                    message,
                });
            }
            prev_significant = 'a';
        } else {
            if !c.is_whitespace() {
                prev_significant = c;
            }
            cur.bump();
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apis(source: &str) -> Vec<String> {
        scan_compat(source).into_iter().map(|w| w.api).collect()
    }

    #[test]
    fn finds_each_unsupported_api_once_with_its_position() {
        let src = "function handler(w) {\n  const f = new Intl.NumberFormat('de');\n  setTimeout(() => {}, 1);\n  Intl.x;\n  return w;\n}";
        let found = scan_compat(src);
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].api.as_str(), found[0].line, found[0].column),
            ("Intl", 2, 17)
        );
        assert_eq!(
            (found[1].api.as_str(), found[1].line, found[1].column),
            ("setTimeout", 3, 3)
        );
    }

    #[test]
    fn ignores_comments_strings_and_member_names() {
        let src = "// fetch and Intl in a comment\n/* require('x') */\nconst s = \"setTimeout\"; const t = `Intl`;\nobj.fetch(); a.process.x;";
        assert!(apis(src).is_empty(), "{:?}", apis(src));
    }

    #[test]
    fn flags_locale_methods_modules_and_web_apis() {
        let src = "const a = n.toLocaleString('en-US');\nconst m = require('x');\nimport('y');\nfetch(u);\nnew URL(u);\nprocess.env.X;";
        assert_eq!(
            apis(src),
            [
                "toLocaleString",
                "require",
                "import",
                "fetch",
                "URL",
                "process"
            ]
        );
    }

    #[test]
    fn plain_handlers_are_clean() {
        let src = "function handler(webhook) {\n  const required = 1; const importance = 2;\n  webhook.payload = { event: 'Order Completed' };\n  return webhook;\n}";
        assert!(apis(src).is_empty());
    }
}

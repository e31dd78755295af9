//! A rule in words, as `hookbench mapping show` prints it and the workbench's mapping table
//! lists it: `data.total_amount − data.tax` · `money (currency data.currency)` · `required`.

use super::model::{Conversion, Omit, Rule, Source, SourcePath, TemplatePart};

/// Where the rule's value comes from: a path, `"constant"`, `first of a, b`, `env NAME`,
/// `template "{a}-{b}"`, `each data.product_cart {product_id, quantity}`; with `− path` when
/// a number is subtracted.
pub fn source(rule: &Rule) -> String {
    let base = match &rule.source {
        Source::Path(path) => path.text.clone(),
        Source::Value(value) => value.to_string(),
        Source::Template(parts) => format!("template {:?}", template_text(parts)),
        Source::First(paths) => format!("first of {}", joined(paths)),
        Source::Env(name) => format!("env {name}"),
        Source::Each { path, fields } => {
            let names: Vec<String> = fields.iter().map(|f| f.dotted()).collect();
            format!("each {} {{{}}}", path.text, names.join(", "))
        }
    };
    match &rule.minus {
        Some(minus) => format!("{base} − {}", minus.text),
        None => base,
    }
}

/// The conversion and the modifiers that change what is sent: `money (currency data.currency)`,
/// `lookup (Month → "monthly", …)`, `as-is`; then `· omit empty`, `· keep null`, `· required`.
pub fn conversion(rule: &Rule) -> String {
    let mut text = convert(&rule.convert);
    match rule.omit {
        Omit::Null => {}
        Omit::Empty => text.push_str(" · omit empty"),
        Omit::Never => text.push_str(" · keep null"),
    }
    if rule.required {
        text.push_str(" · required");
    }
    text
}

/// The conversion alone: `money (currency data.currency)`, `lookup (Month → "monthly", …)`,
/// `number`.
pub fn convert(conversion: &Conversion) -> String {
    match conversion {
        Conversion::Money { currency } => format!("money (currency {})", currency.text),
        Conversion::Lookup(table) => {
            let pairs: Vec<String> = table
                .iter()
                .take(3)
                .map(|(from, to)| format!("{from} → {to}"))
                .collect();
            let more = if table.len() > 3 { ", …" } else { "" };
            format!("lookup ({}{more})", pairs.join(", "))
        }
        other => other.name().to_string(),
    }
}

/// A template written back with its placeholders.
pub fn template_text(parts: &[TemplatePart]) -> String {
    parts
        .iter()
        .map(|part| match part {
            TemplatePart::Text(text) => text.replace('{', "{{").replace('}', "}}"),
            TemplatePart::Path(path) => format!("{{{}}}", path.text),
        })
        .collect()
}

fn joined(paths: &[SourcePath]) -> String {
    paths
        .iter()
        .map(|p| p.text.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::model::PathSegment;

    fn path(text: &str) -> SourcePath {
        SourcePath {
            text: text.to_string(),
            segments: text
                .split('.')
                .map(|k| PathSegment::Key(k.to_string()))
                .collect(),
        }
    }

    #[test]
    fn a_money_rule_reads_as_its_source_and_conversion() {
        let mut rule = Rule::path(path("data.total_amount"), 0..0);
        rule.minus = Some(path("data.tax"));
        rule.convert = Conversion::Money {
            currency: path("data.currency"),
        };
        rule.required = true;
        assert_eq!(source(&rule), "data.total_amount − data.tax");
        assert_eq!(
            conversion(&rule),
            "money (currency data.currency) · required"
        );
    }

    #[test]
    fn constants_first_of_and_templates_read_plainly() {
        let constant = Rule::constant("Order Completed".into(), 0..0);
        assert_eq!(source(&constant), "\"Order Completed\"");
        assert_eq!(conversion(&constant), "as-is");
        let mut first = constant.clone();
        first.source = Source::First(vec![
            path("data.customer.customer_id"),
            path("data.customer_id"),
        ]);
        assert_eq!(
            source(&first),
            "first of data.customer.customer_id, data.customer_id"
        );
        let mut template = constant;
        template.source = Source::Template(vec![
            TemplatePart::Path(path("data.a")),
            TemplatePart::Text("/{x}".into()),
        ]);
        template.omit = Omit::Empty;
        assert_eq!(source(&template), "template \"{data.a}/{{x}}\"");
        assert_eq!(conversion(&template), "as-is · omit empty");
    }
}

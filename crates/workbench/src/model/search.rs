//! Searching a text pane: the query, where it matches, and which match is current. Matching is
//! smart-case, as in less and vim: a query without capitals ignores case.

use crate::layout::Pane;

/// One match: a line and a range of characters in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    /// 0-based line.
    pub line: usize,
    /// First character of the match, counted in characters.
    pub start: usize,
    /// Length in characters.
    pub len: usize,
}

/// A search in one pane (`/` opens it there).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    pub pane: Option<Pane>,
    pub query: String,
    /// The query is being typed: keys go to the prompt.
    pub typing: bool,
    /// Every match of the query in the pane's text, in reading order.
    pub matches: Vec<Match>,
    /// The match shown last (`n`/`N` move from it).
    pub current: Option<usize>,
}

impl Search {
    /// A search open in `pane`, empty, being typed.
    pub fn start(pane: Pane) -> Search {
        Search {
            pane: Some(pane),
            typing: true,
            ..Search::default()
        }
    }

    /// Whether a search is shown in `pane`.
    pub fn is_in(&self, pane: Pane) -> bool {
        self.pane == Some(pane)
    }

    /// "3/12", "0/0" when nothing matches.
    pub fn position_text(&self) -> String {
        match self.current {
            Some(i) => format!("{}/{}", i + 1, self.matches.len()),
            None => format!("0/{}", self.matches.len()),
        }
    }
}

/// Whether the query is compared ignoring case: it has no capital letter.
fn ignores_case(query: &str) -> bool {
    !query.chars().any(char::is_uppercase)
}

fn fold(c: char, ignore_case: bool) -> char {
    if ignore_case {
        c.to_lowercase().next().unwrap_or(c)
    } else {
        c
    }
}

/// The matches of `query` in one line, as (first character, length in characters), left to
/// right and not overlapping.
pub fn matches_in_line(line: &str, query: &str) -> Vec<(usize, usize)> {
    if query.is_empty() {
        return Vec::new();
    }
    let ignore_case = ignores_case(query);
    let needle: Vec<char> = query.chars().map(|c| fold(c, ignore_case)).collect();
    let hay: Vec<char> = line.chars().map(|c| fold(c, ignore_case)).collect();
    let mut found = Vec::new();
    let mut at = 0;
    while at + needle.len() <= hay.len() {
        if hay[at..at + needle.len()] == needle[..] {
            found.push((at, needle.len()));
            at += needle.len();
        } else {
            at += 1;
        }
    }
    found
}

/// Every match of `query` in `lines`.
pub fn find<'a>(lines: impl IntoIterator<Item = &'a str>, query: &str) -> Vec<Match> {
    lines
        .into_iter()
        .enumerate()
        .flat_map(|(line, text)| {
            matches_in_line(text, query)
                .into_iter()
                .map(move |(start, len)| Match { line, start, len })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smart_case_and_every_match() {
        assert_eq!(
            matches_in_line("Order order ORDER", "order"),
            vec![(0, 5), (6, 5), (12, 5)]
        );
        assert_eq!(matches_in_line("Order order ORDER", "Order"), vec![(0, 5)]);
        assert_eq!(matches_in_line("aaaa", "aa"), vec![(0, 2), (2, 2)]);
        assert_eq!(matches_in_line("€ pay €", "€"), vec![(0, 1), (6, 1)]);
        let found = find(["a", "ba", "c"], "a");
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[1],
            Match {
                line: 1,
                start: 1,
                len: 1
            }
        );
    }
}

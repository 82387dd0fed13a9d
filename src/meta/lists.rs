//! Keyword lists as catalogues write them: items separated by `|`, `;` or `,` (one separator a
//! column), a comma inside parentheses part of its item (`Commercial Appeal (Memphis, TN)`), an
//! Oxford "and" before the last item dropped (`A, B, and C` is three names), digit groups never
//! split (`1,234`). The items a value gives as keywords, whatever its type, are [`items_of`].

use super::MetaValue;

/// A list item has at most this many words (names, genres, countries do; clauses of a sentence
/// do not).
pub const KEYWORD_MAX_WORDS: usize = 6;
/// ... and at most this many bytes.
pub const KEYWORD_MAX_BYTES: usize = 60;
/// A whole text value longer than this is not kept as a keyword (prose is found by its words).
pub const WHOLE_VALUE_MAX_BYTES: usize = 100;

/// What separates the items of a list column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Separator {
    /// `a, b`.
    #[default]
    Comma,
    /// `a|b`.
    Pipe,
    /// `a; b`.
    Semicolon,
    /// No separator: each value is one item (a code: `PG-13`).
    Whole,
}

impl Separator {
    /// The separators a list column may use, in the order they are preferred when a column's
    /// values have several (a pipe list may hold commas inside names, not the other way round).
    pub const LISTS: [Separator; 3] = [Separator::Pipe, Separator::Semicolon, Separator::Comma];

    fn char(self) -> Option<char> {
        match self {
            Separator::Comma => Some(','),
            Separator::Pipe => Some('|'),
            Separator::Semicolon => Some(';'),
            Separator::Whole => None,
        }
    }
}

/// The items of `s` split by `sep`: trimmed, empty ones dropped, a separator inside
/// parentheses or brackets not splitting, a leading `and ` (or `& `) of an item after the
/// first dropped. A comma list whose items are all digits (`1,234`) is one item.
pub fn split(s: &str, sep: Separator) -> Vec<String> {
    let Some(c) = sep.char() else {
        let t = s.trim();
        return if t.is_empty() {
            Vec::new()
        } else {
            vec![t.to_string()]
        };
    };
    let mut items: Vec<&str> = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, ch) in s.char_indices() {
        match ch {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = (depth - 1).max(0),
            _ if ch == c && depth == 0 => {
                items.push(&s[start..i]);
                start = i + ch.len_utf8();
            }
            _ => {}
        }
    }
    items.push(&s[start..]);
    let trimmed: Vec<&str> = items.iter().map(|i| i.trim()).collect();
    // `1,234` (thousands) and `8,2` (a decimal comma) are one number, not digit groups.
    if sep == Separator::Comma
        && trimmed.len() > 1
        && !s.trim().contains(char::is_whitespace)
        && trimmed
            .iter()
            .all(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()))
    {
        return vec![s.trim().to_string()];
    }
    let several = trimmed.iter().filter(|i| !i.is_empty()).count() > 1;
    trimmed
        .into_iter()
        .enumerate()
        .map(|(n, i)| {
            if n > 0 && several {
                i.strip_prefix("and ")
                    .or_else(|| i.strip_prefix("& "))
                    .unwrap_or(i)
                    .trim()
            } else {
                i
            }
        })
        .filter(|i| !i.is_empty())
        .map(str::to_string)
        .collect()
}

/// True for an item short enough to be a keyword (a name, a genre, a country, a code).
pub fn is_keyword(item: &str) -> bool {
    item.len() <= KEYWORD_MAX_BYTES && item.split_whitespace().count() <= KEYWORD_MAX_WORDS
}

/// The separator a text reads as a list with, if any: the first of [`Separator::LISTS`] that
/// splits it into two or more keyword items.
pub fn list_separator(s: &str) -> Option<Separator> {
    if !s.contains([',', '|', ';']) {
        return None;
    }
    Separator::LISTS.into_iter().find(|&sep| {
        let items = split(s, sep);
        items.len() > 1 && items.iter().all(|i| is_keyword(i))
    })
}

/// The keywords a value gives, lower-cased by the caller as it needs: a list's items; a
/// number's or a date's text; a text's items when it reads as a list, else the whole text when
/// it is short. What `=` on a keyword field and its facets see, whatever type each file gave
/// the field.
pub fn items_of(value: &MetaValue) -> Vec<String> {
    match value {
        MetaValue::List(items) => items.clone(),
        MetaValue::Text(t) => match list_separator(t) {
            Some(sep) => split(t, sep),
            None if t.len() <= WHOLE_VALUE_MAX_BYTES => vec![t.trim().to_string()],
            None => Vec::new(),
        },
        other => vec![other.to_text()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_by_separator() {
        assert_eq!(
            split("Action|Comedy|Drama", Separator::Pipe),
            ["Action", "Comedy", "Drama"]
        );
        assert_eq!(split("a; b ;c", Separator::Semicolon), ["a", "b", "c"]);
        assert_eq!(
            split("Ama Qamata, Khosi Ngema", Separator::Comma),
            ["Ama Qamata", "Khosi Ngema"]
        );
        assert_eq!(split("PG-13", Separator::Whole), ["PG-13"]);
        assert_eq!(split("  ", Separator::Whole), Vec::<String>::new());
    }

    #[test]
    fn commas_inside_names_and_oxford_ands() {
        assert_eq!(
            split("Commercial Appeal (Memphis, TN)", Separator::Comma),
            ["Commercial Appeal (Memphis, TN)"]
        );
        assert_eq!(
            split(
                "David Maysles, Albert Maysles, and Charlotte Zwerin",
                Separator::Comma
            ),
            ["David Maysles", "Albert Maysles", "Charlotte Zwerin"]
        );
        assert_eq!(split("1,234", Separator::Comma), ["1,234"]);
        assert_eq!(split("1994, 1995", Separator::Comma), ["1994", "1995"]);
        assert_eq!(split("a,,b", Separator::Comma), ["a", "b"]);
        // An item that is only "and ..." alone keeps its words.
        assert_eq!(split("and then", Separator::Comma), ["and then"]);
    }

    #[test]
    fn what_a_value_gives_as_keywords() {
        assert_eq!(
            items_of(&MetaValue::Text("sierra, mountains".into())),
            ["sierra", "mountains"]
        );
        assert_eq!(items_of(&MetaValue::Text("sierra".into())), ["sierra"]);
        assert_eq!(items_of(&MetaValue::Int(1994)), ["1994"]);
        let prose = "a long sentence of prose ".repeat(10);
        assert!(items_of(&MetaValue::Text(prose)).is_empty());
        assert_eq!(list_separator("Drama|Romance"), Some(Separator::Pipe));
        assert_eq!(list_separator("one name"), None);
    }
}

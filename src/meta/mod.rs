//! The metadata vocabulary every part of reel speaks: the kinds of value a field holds
//! ([`MetaType`]), typed values ([`MetaValue`]), a document's [`Metadata`], [`dates`], and the
//! [`vocabulary`] that maps catalogue columns onto reel's field names.
//!
//! A leaf: it imports nothing of reel, so the readers, the schema, the searcher and the printers
//! can all use it without an arrow pointing back up the data flow.

pub mod dates;
pub mod lists;
pub mod numbers;
pub mod vocabulary;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The kind of value a metadata field holds, recorded in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetaType {
    /// Whole numbers.
    Integer,
    /// Decimal numbers (integers seen in the same field widen to this).
    Float,
    /// Free text.
    Text,
    /// Keyword lists.
    Keywords,
    /// Dates.
    Date,
}

impl MetaType {
    /// True for types kept as fast fields (ranges, sorting).
    pub fn is_numeric(self) -> bool {
        matches!(self, MetaType::Integer | MetaType::Float | MetaType::Date)
    }

    /// What the type holds, for messages (`year` holds integers).
    pub fn describe(self) -> &'static str {
        match self {
            MetaType::Integer => "integers",
            MetaType::Float => "decimal numbers",
            MetaType::Text => "text",
            MetaType::Keywords => "keywords",
            MetaType::Date => "dates",
        }
    }

    /// The type two observations of one field agree on.
    pub fn merge(self, other: MetaType) -> MetaType {
        use MetaType::*;
        match (self, other) {
            (a, b) if a == b => a,
            (Integer, Float) | (Float, Integer) => Float,
            (Keywords, _) | (_, Keywords) => Keywords,
            _ => Text,
        }
    }
}

/// One metadata value, typed by what it is. Serialized untagged, so numbers are JSON numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MetaValue {
    /// A whole number (a year, a count).
    Int(i64),
    /// A decimal number (a rating).
    Float(f64),
    /// Free text (a name).
    Text(String),
    /// A short list of keywords (genres, countries, cast).
    List(Vec<String>),
    /// A date (serialized as ISO 8601).
    Date(dates::Date),
}

impl MetaValue {
    /// The kind of value this is.
    pub fn meta_type(&self) -> MetaType {
        match self {
            MetaValue::Int(_) => MetaType::Integer,
            MetaValue::Float(_) => MetaType::Float,
            MetaValue::Text(_) => MetaType::Text,
            MetaValue::List(_) => MetaType::Keywords,
            MetaValue::Date(_) => MetaType::Date,
        }
    }

    /// The value as a number, for ranges and sorting: numbers as they are, dates in seconds
    /// since 1970; `None` for text.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            MetaValue::Int(n) => Some(*n as f64),
            MetaValue::Float(x) => Some(*x),
            MetaValue::Date(d) => Some(d.secs as f64),
            MetaValue::Text(_) | MetaValue::List(_) => None,
        }
    }

    /// The value as plain text, for display and for the searchable metadata text.
    pub fn to_text(&self) -> String {
        match self {
            MetaValue::Int(n) => n.to_string(),
            MetaValue::Float(x) => x.to_string(),
            MetaValue::Text(s) => s.clone(),
            MetaValue::List(items) => items.join(", "),
            MetaValue::Date(d) => d.to_iso(),
        }
    }
}

/// A document's metadata, by field name (sorted, so output is stable).
pub type Metadata = BTreeMap<String, MetaValue>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_types_widen() {
        assert_eq!(MetaType::Integer.merge(MetaType::Float), MetaType::Float);
        assert_eq!(MetaType::Integer.merge(MetaType::Text), MetaType::Text);
        assert_eq!(MetaType::Text.merge(MetaType::Text), MetaType::Text);
    }

    #[test]
    fn values_as_numbers_and_text() {
        let d = dates::parse("2021-09-25").unwrap();
        assert_eq!(MetaValue::Date(d).as_number(), Some(d.secs as f64));
        assert_eq!(MetaValue::Int(3).as_number(), Some(3.0));
        assert_eq!(MetaValue::Text("x".into()).as_number(), None);
        assert_eq!(
            MetaValue::List(vec!["a".into(), "b".into()]).to_text(),
            "a, b"
        );
        assert_eq!(MetaValue::Float(8.2).meta_type(), MetaType::Float);
    }
}

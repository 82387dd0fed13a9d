//! Structured records (a CSV row, a JSON object) turned into documents.
//!
//! Field roles come from the column names (or the user's `--id-field`, `--title-field`,
//! `--text-field`); every other column is metadata, typed per column from a sample of the first
//! records: integers and decimals become numbers, dates become dates, short comma-separated lists
//! (`cast`, `country`, `listed_in`) become keyword lists, anything else stays text.

use std::collections::HashMap;

use super::{dates, Document, MetaValue, Metadata};
use crate::schema::MetaType;

/// Column names that hold the document id, in order of preference.
pub const ID_NAMES: [&str; 5] = ["id", "_id", "doc_id", "docid", "show_id"];
/// Column names that hold the title, in order of preference.
pub const TITLE_NAMES: [&str; 2] = ["title", "name"];
/// Column names that hold the text; every one present is used, in this order.
pub const TEXT_NAMES: [&str; 8] = [
    "text",
    "body",
    "content",
    "contents",
    "description",
    "review",
    "plot",
    "abstract",
];

/// Records read before the column types are decided. Enough to see the shape of a column, small
/// enough to hold in memory whatever the record size.
pub const SAMPLE_RECORDS: usize = 1000;

/// A keyword list item has at most this many words (names, genres, countries do; clauses of a
/// sentence do not).
const KEYWORD_MAX_WORDS: usize = 6;
/// ... and at most this many bytes.
const KEYWORD_MAX_BYTES: usize = 60;
/// A keyword column may have one value in this many that breaks the rules above.
const KEYWORD_TOLERANCE_DIVISOR: usize = 50;

/// A field value as read, before typing.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    /// Text (every CSV value; JSON strings and booleans).
    Str(String),
    /// A JSON integer.
    Int(i64),
    /// A JSON decimal.
    Float(f64),
    /// A JSON array of scalars.
    List(Vec<String>),
}

/// One record: its 1-based line (or row, or object) number and its fields in order.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRecord {
    /// Its 1-based number in its file: the row after the header (CSV), the line (JSON Lines),
    /// the object (JSON array).
    pub number: u64,
    /// Field names and values.
    pub fields: Vec<(String, RawValue)>,
}

/// Field roles given on the command line (each overrides the automatic choice).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles {
    /// The id column.
    pub id: Option<String>,
    /// The title column.
    pub title: Option<String>,
    /// The text columns (joined as paragraphs, in this order).
    pub text: Vec<String>,
}

/// How one file's records become documents: roles and metadata column types.
#[derive(Debug, Clone)]
pub struct Plan {
    file_id: String,
    source: String,
    id: Option<String>,
    title: Option<String>,
    text: Vec<String>,
    types: HashMap<String, MetaType>,
}

impl Plan {
    /// Decides roles and column types from the first records of a file.
    pub fn infer(sample: &[RawRecord], roles: &Roles, file_id: &str, source: &str) -> Plan {
        let mut names: Vec<&str> = Vec::new();
        for rec in sample {
            for (k, _) in &rec.fields {
                if !names.contains(&k.as_str()) {
                    names.push(k);
                }
            }
        }
        let find = |wanted: &[&str]| -> Option<String> {
            wanted.iter().find_map(|w| {
                names
                    .iter()
                    .find(|n| n.eq_ignore_ascii_case(w))
                    .map(|n| n.to_string())
            })
        };
        let id = roles.id.clone().or_else(|| find(&ID_NAMES));
        let title = roles.title.clone().or_else(|| find(&TITLE_NAMES));
        let text = if roles.text.is_empty() {
            TEXT_NAMES
                .iter()
                .filter_map(|t| find(&[t]))
                .filter(|t| Some(t) != id.as_ref() && Some(t) != title.as_ref())
                .collect()
        } else {
            roles.text.clone()
        };
        let mut types = HashMap::new();
        for name in &names {
            let is_role = Some(name.to_string()) == id
                || Some(name.to_string()) == title
                || text.iter().any(|t| t == name);
            if is_role {
                continue;
            }
            let values: Vec<&RawValue> = sample
                .iter()
                .flat_map(|r| r.fields.iter())
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v)
                .collect();
            if let Some(t) = column_type(&values) {
                types.insert(name.to_string(), t);
            }
        }
        Plan {
            file_id: file_id.to_string(),
            source: source.to_string(),
            id,
            title,
            text,
            types,
        }
    }

    /// What the user should know about how this file's records are read, once per file: a
    /// first row that looks like data rather than column names (`header_row` files only), and
    /// no column taken as text (with the flag that names one).
    pub fn notices(&self, sample: &[RawRecord], header_row: bool) -> Vec<String> {
        let mut names: Vec<&str> = Vec::new();
        for rec in sample {
            for (k, _) in &rec.fields {
                if !names.contains(&k.as_str()) {
                    names.push(k);
                }
            }
        }
        let mut out = Vec::new();
        if header_row {
            let data_like: Vec<&str> = names
                .iter()
                .copied()
                .filter(|n| {
                    parse_float(n).is_some()
                        || dates::parse(n).is_some()
                        || n.starts_with("column_")
                })
                .collect();
            if !data_like.is_empty() {
                out.push(format!(
                    "the first row looks like data, not column names ({}); it is read as the \
                     header, so add a header row (columns seen: {})",
                    data_like
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    names.join(", ")
                ));
            }
        }
        if !out.is_empty() {
            // A file without a header row: its roles say nothing more.
        } else if self.text.is_empty() && !names.is_empty() {
            // Suggest the column with the longest values that plays no other role.
            let longest = names
                .iter()
                .filter(|n| Some(n.to_string()) != self.id && Some(n.to_string()) != self.title)
                .max_by_key(|n| {
                    sample
                        .iter()
                        .flat_map(|r| r.fields.iter())
                        .filter(|(k, _)| k == *n)
                        .map(|(_, v)| match v {
                            RawValue::Str(s) => s.len(),
                            _ => 0,
                        })
                        .sum::<usize>()
                });
            let hint = match longest {
                Some(n) => format!("--text-field {n}"),
                None => "--text-field NAME".into(),
            };
            out.push(format!(
                "no column is read as text (columns seen: {}); documents are found by title \
                 and metadata only; name the text column with {hint}",
                names.join(", ")
            ));
        } else if let Some(missing) = self.text.iter().find(|t| !names.contains(&t.as_str())) {
            out.push(format!(
                "no column `{missing}` (columns seen: {})",
                names.join(", ")
            ));
        }
        out
    }

    /// The metadata columns and their types (keys as they appear in the index).
    pub fn metadata_types(&self) -> impl Iterator<Item = (String, MetaType)> + '_ {
        self.types.iter().map(|(k, t)| (metadata_key(k), *t))
    }

    /// Turns one record into a document.
    pub fn document(&self, record: RawRecord) -> Document {
        let mut id = None;
        let mut title = None;
        let mut texts: Vec<(usize, String)> = Vec::new();
        let mut metadata = Metadata::new();
        for (name, value) in record.fields {
            if Some(&name) == self.id.as_ref() {
                id = Some(raw_text(value));
            } else if Some(&name) == self.title.as_ref() {
                title = Some(raw_text(value));
            } else if let Some(i) = self.text.iter().position(|t| *t == name) {
                texts.push((i, raw_text(value)));
            } else {
                let ty = self.types.get(&name).copied().unwrap_or(MetaType::Text);
                if let Some(v) = typed(value, ty) {
                    metadata.insert(metadata_key(&name), v);
                }
            }
        }
        texts.sort_by_key(|(i, _)| *i);
        let text = texts
            .into_iter()
            .map(|(_, t)| clean_text(&t))
            .filter(|t| !t.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n\n");
        let id = id
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("{}:{}", self.file_id, record.number));
        let title = title
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| id.clone());
        Document {
            id,
            title,
            source: self.source.clone(),
            text,
            body_start: 0,
            metadata,
        }
    }
}

/// A metadata key as it is stored and queried: lower-case, with anything but letters, digits
/// and `_` replaced by `_` (so `Release Year` is `release_year:[2015 TO 2019]`).
pub fn metadata_key(name: &str) -> String {
    let key: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if key.is_empty() {
        "field".to_string()
    } else {
        key
    }
}

/// Types one standalone value (front matter): number, date, else text. `None` if empty.
pub fn type_value(raw: &str) -> Option<MetaValue> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    Some(if let Some(n) = parse_int(s) {
        MetaValue::Int(n)
    } else if let Some(x) = parse_float(s) {
        MetaValue::Float(x)
    } else if let Some(d) = dates::parse(s) {
        MetaValue::Date(d)
    } else {
        MetaValue::Text(s.to_string())
    })
}

/// The type of a column from its sampled values; `None` if every value is empty.
fn column_type(values: &[&RawValue]) -> Option<MetaType> {
    let mut all_int = true;
    let mut all_float = true;
    let mut all_date = true;
    let mut any_list = false;
    let mut all_keywordish = true;
    let mut not_keywordish = 0usize;
    let mut seen = 0;
    for v in values {
        match v {
            RawValue::Int(_) => {
                all_date = false;
                all_keywordish = false;
            }
            RawValue::Float(_) => {
                all_int = false;
                all_date = false;
                all_keywordish = false;
            }
            RawValue::List(_) => {
                any_list = true;
                all_int = false;
                all_float = false;
                all_date = false;
            }
            RawValue::Str(s) => {
                let s = s.trim();
                if s.is_empty() {
                    continue;
                }
                all_int &= parse_int(s).is_some();
                all_float &= parse_float(s).is_some();
                all_date &= dates::parse(s).is_some();
                let items: Vec<&str> = s
                    .split(',')
                    .map(str::trim)
                    .filter(|i| !i.is_empty())
                    .collect();
                any_list |= items.len() > 1;
                if !items.iter().all(|i| is_keyword(i)) {
                    not_keywordish += 1;
                }
            }
        }
        seen += 1;
    }
    if seen == 0 {
        return None;
    }
    // A few odd values (a cast credit with a long band name) do not make a list column prose.
    all_keywordish &= not_keywordish * KEYWORD_TOLERANCE_DIVISOR <= seen;
    Some(if all_int {
        MetaType::Integer
    } else if all_float {
        MetaType::Float
    } else if all_date {
        MetaType::Date
    } else if any_list && all_keywordish {
        MetaType::Keywords
    } else {
        MetaType::Text
    })
}

fn is_keyword(item: &str) -> bool {
    item.len() <= KEYWORD_MAX_BYTES && item.split_whitespace().count() <= KEYWORD_MAX_WORDS
}

/// Converts a value to its column's type; a value that does not fit keeps its text.
fn typed(value: RawValue, ty: MetaType) -> Option<MetaValue> {
    let s = match value {
        RawValue::Int(n) => {
            return Some(if ty == MetaType::Float {
                MetaValue::Float(n as f64)
            } else {
                MetaValue::Int(n)
            })
        }
        RawValue::Float(x) => return Some(MetaValue::Float(x)),
        RawValue::List(items) => {
            let items: Vec<String> = items.into_iter().filter(|i| !i.is_empty()).collect();
            return (!items.is_empty()).then_some(MetaValue::List(items));
        }
        RawValue::Str(s) => s,
    };
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    let fitted = match ty {
        MetaType::Integer => parse_int(t).map(MetaValue::Int),
        MetaType::Float => parse_float(t).map(MetaValue::Float),
        MetaType::Date => dates::parse(t).map(MetaValue::Date),
        MetaType::Keywords => Some(MetaValue::List(
            t.split(',')
                .map(str::trim)
                .filter(|i| !i.is_empty())
                .map(str::to_string)
                .collect(),
        )),
        MetaType::Text => None,
    };
    Some(fitted.unwrap_or_else(|| MetaValue::Text(t.to_string())))
}

fn parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    // "007" is a code, not a number.
    if digits.len() > 1 && digits.starts_with('0') {
        return None;
    }
    s.parse().ok()
}

fn parse_float(s: &str) -> Option<f64> {
    if !s.contains('.') || s.starts_with('.') || s.ends_with('.') {
        return parse_int(s).map(|n| n as f64);
    }
    s.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn raw_text(v: RawValue) -> String {
    match v {
        RawValue::Str(s) => s,
        RawValue::Int(n) => n.to_string(),
        RawValue::Float(x) => x.to_string(),
        RawValue::List(items) => items.join(", "),
    }
}

/// HTML line breaks (`<br />`, common in scraped reviews) become newlines, so paragraphs split.
fn clean_text(t: &str) -> String {
    if !t.contains("<br") && !t.contains("<BR") {
        return t.to_string();
    }
    let mut out = String::with_capacity(t.len());
    let mut rest = t;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let lower: String = tail
            .chars()
            .take(6)
            .collect::<String>()
            .to_ascii_lowercase();
        if lower.starts_with("<br") {
            if let Some(end) = tail.find('>').filter(|&e| e <= 6) {
                out.push('\n');
                rest = &tail[end + 1..];
                continue;
            }
        }
        out.push('<');
        rest = &tail[1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(n: u64, fields: &[(&str, &str)]) -> RawRecord {
        RawRecord {
            number: n,
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), RawValue::Str(v.to_string())))
                .collect(),
        }
    }

    #[test]
    fn roles_and_types_from_a_catalogue() {
        let sample = vec![
            rec(
                2,
                &[
                    ("show_id", "s1"),
                    ("title", "Dick Johnson Is Dead"),
                    ("cast", ""),
                    ("country", "United States"),
                    ("date_added", "September 25, 2021"),
                    ("release_year", "2020"),
                    ("duration", "90 min"),
                    ("listed_in", "Documentaries"),
                    ("description", "As her father nears the end of his life, filmmaker Kirsten Johnson stages his death."),
                ],
            ),
            rec(
                3,
                &[
                    ("show_id", "s2"),
                    ("title", "Blood & Water"),
                    ("cast", "Ama Qamata, Khosi Ngema"),
                    ("country", "South Africa"),
                    ("date_added", " September 24, 2021"),
                    ("release_year", "2021"),
                    ("duration", "2 Seasons"),
                    ("listed_in", "International TV Shows, TV Dramas"),
                    ("description", "After crossing paths at a party, a teen sets out."),
                ],
            ),
        ];
        let plan = Plan::infer(&sample, &Roles::default(), "netflix", "netflix.csv");
        let types: HashMap<String, MetaType> = plan.metadata_types().collect();
        assert_eq!(types["release_year"], MetaType::Integer);
        assert_eq!(types["date_added"], MetaType::Date);
        assert_eq!(types["cast"], MetaType::Keywords);
        assert_eq!(types["listed_in"], MetaType::Keywords);
        assert_eq!(types["duration"], MetaType::Text);
        assert!(
            !types.contains_key("description"),
            "description is the text"
        );
        assert_eq!(
            types["country"],
            MetaType::Text,
            "no list seen in the sample: text"
        );

        let doc = plan.document(sample[1].clone());
        assert_eq!(doc.id, "s2");
        assert_eq!(doc.title, "Blood & Water");
        assert!(doc.text.starts_with("After crossing"));
        assert_eq!(doc.metadata["release_year"], MetaValue::Int(2021));
        assert_eq!(doc.metadata["date_added"].to_text(), "2021-09-24");
        assert_eq!(
            doc.metadata["cast"],
            MetaValue::List(vec!["Ama Qamata".into(), "Khosi Ngema".into()])
        );
        let doc = plan.document(sample[0].clone());
        assert!(
            !doc.metadata.contains_key("cast"),
            "empty values are absent"
        );
        assert_eq!(
            doc.metadata["listed_in"],
            MetaValue::List(vec!["Documentaries".into()])
        );
    }

    #[test]
    fn explicit_roles_and_missing_id() {
        let sample = vec![rec(
            7,
            &[("headline", "A"), ("summary", "Words."), ("notes", "x")],
        )];
        let roles = Roles {
            id: None,
            title: Some("headline".into()),
            text: vec!["summary".into(), "notes".into()],
        };
        let plan = Plan::infer(&sample, &roles, "dir/file", "dir/file.csv");
        let doc = plan.document(sample[0].clone());
        assert_eq!(doc.id, "dir/file:7");
        assert_eq!(doc.title, "A");
        assert_eq!(doc.text, "Words.\n\nx");
        assert!(doc.metadata.is_empty());
    }

    #[test]
    fn values_that_do_not_fit_keep_their_text() {
        assert_eq!(
            typed(RawValue::Str("74 min".into()), MetaType::Integer),
            Some(MetaValue::Text("74 min".into()))
        );
        assert_eq!(typed(RawValue::Str(" ".into()), MetaType::Text), None);
        assert_eq!(
            typed(RawValue::Int(3), MetaType::Float),
            Some(MetaValue::Float(3.0))
        );
    }

    #[test]
    fn numbers_and_keys() {
        assert_eq!(parse_int("2017"), Some(2017));
        assert_eq!(parse_int("007"), None);
        assert_eq!(parse_float("8.2"), Some(8.2));
        assert_eq!(parse_float("1."), None);
        assert_eq!(metadata_key("Release Year"), "release_year");
        assert_eq!(metadata_key(""), "field");
    }

    #[test]
    fn html_breaks_become_newlines() {
        assert_eq!(clean_text("a<br /><br />b <b>c</b>"), "a\n\nb <b>c</b>");
        assert_eq!(clean_text("x <BR>y"), "x \ny");
    }
}

//! Structured records (a CSV row, a JSON object) turned into documents.
//!
//! Field names are normalized as metadata keys (lower case, anything but letters, digits and `_`
//! as `_`), and a name that repeats within a record (`Release Year` and `release_year`, two
//! `genre` columns, JSON `a.b` and `{"a": {"b"}}`) keeps every value: the later ones are
//! suffixed (`genre_2`). Roles come from the names, per record (so a JSON Lines record spelling
//! `ID` or having only `name` is read as it means), or from `--id-field`, `--title-field`,
//! `--text-field`, matched as normalized names. Every other field is metadata.
//!
//! Typing: a column is typed from its values in the first records read ([`SAMPLE_RECORDS`]):
//! integers and decimals become numbers, dates become dates, short comma-separated lists (`cast`,
//! `country`, `listed_in`) become keyword lists, anything else stays text. A column with no value
//! there is typed from all its values as they come. An integer column widens to decimal when a
//! later value needs it; a later value that fits no number or date of its column is kept as text,
//! counted and reported (filters and sorting do not see it). Empty values and null markers
//! ([`NULL_MARKERS`]) are absent.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

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

/// Values that mean "no value" in exported spreadsheets and databases (compared without regard
/// to case): they are absent, like empty values.
pub const NULL_MARKERS: [&str; 5] = ["null", "n/a", "#n/a", "nan", "\\n"];

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
    /// Text (every CSV value; JSON strings and booleans; JSON integers too large for 64 bits,
    /// as their exact digits).
    Str(String),
    /// A JSON integer.
    Int(i64),
    /// A JSON decimal.
    Float(f64),
    /// A JSON array of scalars.
    List(Vec<String>),
}

/// One record: its number in its file, the line it starts on, and its fields in order, named
/// by unique normalized keys.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawRecord {
    /// Its 1-based number in its file: the row after the header (CSV), the line (JSON Lines),
    /// the object (JSON array).
    pub number: u64,
    /// The 1-based line it starts on (0 when unknown).
    pub line: u64,
    /// Field keys and values.
    pub fields: Vec<(String, RawValue)>,
    /// Names that collided with an earlier one and were renamed: `(name as read, key given)`.
    pub renamed: Vec<(String, String)>,
}

impl RawRecord {
    /// A record from fields named as read: names are normalized and made unique.
    pub fn new(number: u64, line: u64, named: Vec<(String, RawValue)>) -> RawRecord {
        let mut fields: Vec<(String, RawValue)> = Vec::with_capacity(named.len());
        let mut renamed = Vec::new();
        for (name, value) in named {
            let key = metadata_key(&name);
            let key = if fields.iter().any(|(k, _)| *k == key) {
                let unique = (2..)
                    .map(|i| format!("{key}_{i}"))
                    .find(|k| !fields.iter().any(|(f, _)| f == k))
                    .expect("some suffix is free");
                renamed.push((name, unique.clone()));
                unique
            } else {
                key
            };
            fields.push((key, value));
        }
        RawRecord {
            number,
            line,
            fields,
            renamed,
        }
    }

    fn get(&self, key: &str) -> Option<&RawValue> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
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

impl Roles {
    /// The roles with their names normalized as keys, as record fields are.
    fn normalized(&self) -> Roles {
        Roles {
            id: self.id.as_deref().map(metadata_key),
            title: self.title.as_deref().map(metadata_key),
            text: self.text.iter().map(|t| metadata_key(t)).collect(),
        }
    }
}

/// What the values of one metadata column were seen to be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ColumnStats {
    ints: bool,
    floats: bool,
    dates: bool,
    lists: bool,
    texts: bool,
    /// Values kept as text in a number or date column (filters and sorting do not see them).
    pub misfits: u64,
    /// The record number of the first of them.
    pub first_misfit: u64,
}

impl ColumnStats {
    fn observe(&mut self, v: &MetaValue) {
        match v {
            MetaValue::Int(_) => self.ints = true,
            MetaValue::Float(_) => self.floats = true,
            MetaValue::Date(_) => self.dates = true,
            MetaValue::List(_) => self.lists = true,
            MetaValue::Text(_) => self.texts = true,
        }
    }

    fn misfit(&mut self, record: u64) {
        if self.misfits == 0 || record < self.first_misfit {
            self.first_misfit = record;
        }
        self.misfits += 1;
    }

    fn merge(&mut self, o: &ColumnStats) {
        self.ints |= o.ints;
        self.floats |= o.floats;
        self.dates |= o.dates;
        self.lists |= o.lists;
        self.texts |= o.texts;
        if o.misfits > 0 && (self.misfits == 0 || o.first_misfit < self.first_misfit) {
            self.first_misfit = o.first_misfit;
        }
        self.misfits += o.misfits;
    }

    /// The type of a column typed by its values alone.
    fn by_values(&self) -> Option<MetaType> {
        Some(if self.lists {
            MetaType::Keywords
        } else if self.texts || (self.dates && (self.ints || self.floats)) {
            MetaType::Text
        } else if self.dates {
            MetaType::Date
        } else if self.floats {
            MetaType::Float
        } else if self.ints {
            MetaType::Integer
        } else {
            return None;
        })
    }
}

/// What documents of one file were seen to hold, column by column (gathered per batch, merged
/// per file).
pub type Observations = HashMap<String, ColumnStats>;

/// How one file's records become documents: roles and metadata column types.
#[derive(Debug)]
pub struct Plan {
    file_id: String,
    source: String,
    roles: Roles,
    types: HashMap<String, MetaType>,
    /// Every column of the file (as keys), in the order first seen in the sample.
    columns: Vec<String>,
    /// What the documents made so far held.
    seen: Mutex<Observations>,
    /// Whether colliding names were reported for this file yet.
    renamed_reported: AtomicBool,
}

impl Plan {
    /// Decides roles and column types from the first records of a file.
    pub fn infer(sample: &[RawRecord], roles: &Roles, file_id: &str, source: &str) -> Plan {
        let roles = roles.normalized();
        let mut columns: Vec<String> = Vec::new();
        for rec in sample {
            for (k, _) in &rec.fields {
                if !columns.contains(k) {
                    columns.push(k.clone());
                }
            }
        }
        let mut types = HashMap::new();
        let mut values: HashMap<&str, Vec<&RawValue>> = HashMap::new();
        for rec in sample {
            let (id, title, text) = role_keys(&roles, rec);
            for (k, v) in &rec.fields {
                let is_role = Some(k.as_str()) == id
                    || Some(k.as_str()) == title
                    || text.contains(&k.as_str());
                if !is_role {
                    values.entry(k.as_str()).or_default().push(v);
                }
            }
        }
        for (name, vals) in values {
            if let Some(t) = column_type(&vals) {
                types.insert(name.to_string(), t);
            }
        }
        Plan {
            file_id: file_id.to_string(),
            source: source.to_string(),
            roles,
            types,
            columns,
            seen: Mutex::new(Observations::new()),
            renamed_reported: AtomicBool::new(false),
        }
    }

    /// The first time a record of the file has names that collided once normalized, a message
    /// naming them (once per file).
    pub fn note_renamed(&self, record: &RawRecord) -> Option<String> {
        if record.renamed.is_empty() || self.renamed_reported.swap(true, Ordering::Relaxed) {
            return None;
        }
        let pairs: Vec<String> = record
            .renamed
            .iter()
            .map(|(name, key)| format!("`{name}` as `{key}`"))
            .collect();
        Some(format!(
            "names that are one key once normalized (lower case, `_` for other characters); \
             every value is kept, the later ones under a suffixed key: {}",
            pairs.join(", ")
        ))
    }

    /// A role named on the command line that matches no column of the file, with the columns
    /// there are: reading the file would silently leave that role empty.
    pub fn unknown_role(&self) -> Option<String> {
        let named = self
            .roles
            .id
            .iter()
            .map(|n| ("--id-field", n))
            .chain(self.roles.title.iter().map(|n| ("--title-field", n)))
            .chain(self.roles.text.iter().map(|n| ("--text-field", n)));
        for (flag, name) in named {
            if !self.columns.contains(name) {
                return Some(format!(
                    "{flag} {name}: no such column (columns: {})",
                    self.columns.join(", ")
                ));
            }
        }
        None
    }

    /// What the user should know about how this file's records are read, once per file: a
    /// first row that looks like data rather than column names (`header_row` files only), and
    /// no column taken as text (with the flag that names one).
    pub fn notices(&self, sample: &[RawRecord], header_row: bool) -> Vec<String> {
        let names = &self.columns;
        let mut out = Vec::new();
        if header_row {
            let data_like: Vec<&String> = names
                .iter()
                .filter(|n| {
                    parse_number(n).is_some()
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
                return out;
            }
        }
        let any_text = sample
            .iter()
            .any(|r| !role_keys(&self.roles, r).2.is_empty());
        if !any_text && !names.is_empty() && self.roles.text.is_empty() {
            // Suggest the column with the longest values that plays no other role.
            let longest = names
                .iter()
                .filter(|n| {
                    !ID_NAMES.contains(&n.as_str())
                        && !TITLE_NAMES.contains(&n.as_str())
                        && Some(*n) != self.roles.id.as_ref()
                        && Some(*n) != self.roles.title.as_ref()
                })
                .max_by_key(|n| {
                    sample
                        .iter()
                        .filter_map(|r| match r.get(n) {
                            Some(RawValue::Str(s)) => Some(s.len()),
                            _ => None,
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
        }
        out
    }

    /// Turns one record into a document, noting what its metadata held in `seen`.
    pub fn document(&self, record: RawRecord, seen: &mut Observations) -> Document {
        let (id_key, title_key, text_keys) = {
            let (i, t, x) = role_keys(&self.roles, &record);
            (
                i.map(str::to_string),
                t.map(str::to_string),
                x.into_iter().map(str::to_string).collect::<Vec<_>>(),
            )
        };
        let number = record.number;
        let mut id = None;
        let mut title = None;
        let mut texts: Vec<(usize, String)> = Vec::new();
        let mut metadata = Metadata::new();
        for (name, value) in record.fields {
            if Some(&name) == id_key.as_ref() {
                id = present(raw_text(value));
            } else if Some(&name) == title_key.as_ref() {
                title = present(raw_text(value));
            } else if let Some(i) = text_keys.iter().position(|t| *t == name) {
                if let Some(t) = present(raw_text(value)) {
                    texts.push((i, t));
                }
            } else {
                let declared = self.types.get(&name).copied();
                let stats = seen.entry(name.clone()).or_default();
                if let Some((v, fits)) = typed(value, declared) {
                    if !fits {
                        stats.misfit(number);
                    }
                    stats.observe(&v);
                    metadata.insert(name, v);
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
            .unwrap_or_else(|| format!("{}:{}", self.file_id, number));
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

    /// Adds what a batch of documents held to the file's observations.
    pub fn observe(&self, seen: Observations) {
        let mut all = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        for (k, s) in seen {
            all.entry(k).or_default().merge(&s);
        }
    }

    /// The metadata columns and their types, once every document of the file was made: a
    /// column typed from the first records keeps its type (an integer column that met a decimal
    /// is decimal); any other is typed by all its values.
    pub fn metadata_types(&self) -> BTreeMap<String, MetaType> {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = BTreeMap::new();
        for (key, stats) in seen.iter() {
            let ty = match self.types.get(key) {
                Some(MetaType::Integer) if stats.floats => MetaType::Float,
                Some(t) => *t,
                None => match stats.by_values() {
                    Some(t) => t,
                    None => continue,
                },
            };
            out.insert(key.clone(), ty);
        }
        out
    }

    /// Columns whose values were not all numbers or dates as their type says, with how many were
    /// kept as text and the record of the first: `(key, type, count, record)`.
    pub fn misfits(&self) -> Vec<(String, MetaType, u64, u64)> {
        let types = self.metadata_types();
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<(String, MetaType, u64, u64)> = seen
            .iter()
            .filter(|(_, s)| s.misfits > 0)
            .filter_map(|(k, s)| {
                let ty = *types.get(k)?;
                ty.is_numeric()
                    .then(|| (k.clone(), ty, s.misfits, s.first_misfit))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

/// The keys of a record's id, title and text fields: the names given on the command line, else
/// the first id and title names present in this record, and every text name present.
fn role_keys<'r>(
    roles: &'r Roles,
    record: &'r RawRecord,
) -> (Option<&'r str>, Option<&'r str>, Vec<&'r str>) {
    let has = |k: &str| record.fields.iter().any(|(f, _)| f == k);
    let id: Option<&str> = match &roles.id {
        Some(n) => Some(n.as_str()),
        None => ID_NAMES.iter().copied().find(|n| has(n)),
    };
    let title: Option<&str> = match &roles.title {
        Some(n) => Some(n.as_str()),
        None => TITLE_NAMES
            .iter()
            .copied()
            .find(|n| has(n) && Some(*n) != id),
    };
    let text: Vec<&str> = if roles.text.is_empty() {
        TEXT_NAMES
            .iter()
            .copied()
            .filter(|n| has(n) && Some(*n) != id && Some(*n) != title)
            .collect()
    } else {
        roles.text.iter().map(String::as_str).collect()
    };
    (id, title, text)
}

/// A metadata key as it is stored and queried: lower-case (fully, `RÉALISATEUR` is
/// `réalisateur`), with anything but letters, digits and `_` replaced by `_` (so `Release
/// Year` is `release_year:[2015 TO 2019]`).
pub fn metadata_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    for c in name.trim().chars() {
        if c.is_alphanumeric() || c == '_' {
            key.extend(c.to_lowercase());
        } else {
            key.push('_');
        }
    }
    if key.is_empty() {
        "field".to_string()
    } else {
        key
    }
}

/// True for a value that means "no value" ([`NULL_MARKERS`], or only whitespace).
pub fn is_null(value: &str) -> bool {
    let v = value.trim();
    v.is_empty() || NULL_MARKERS.iter().any(|m| v.eq_ignore_ascii_case(m))
}

/// Types one standalone value (front matter): number, date, else text. `None` if empty or a
/// null marker.
pub fn type_value(raw: &str) -> Option<MetaValue> {
    let s = raw.trim();
    if is_null(s) {
        return None;
    }
    Some(if let Some(n) = parse_int(s) {
        MetaValue::Int(n)
    } else if let Some(x) = parse_number(s) {
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
    let mut not_keywordish = 0usize;
    let mut seen = 0;
    for v in values {
        match v {
            RawValue::Int(_) => {
                all_date = false;
            }
            RawValue::Float(_) => {
                all_int = false;
                all_date = false;
            }
            RawValue::List(items) => {
                if items.is_empty() {
                    continue;
                }
                any_list = true;
                all_int = false;
                all_float = false;
                all_date = false;
            }
            RawValue::Str(s) => {
                let s = s.trim();
                if is_null(s) {
                    continue;
                }
                all_int &= parse_int(s).is_some();
                all_float &= parse_number(s).is_some();
                all_date &= dates::parse(s).is_some();
                let items = list_items(s);
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
    let keywordish = not_keywordish * KEYWORD_TOLERANCE_DIVISOR <= seen;
    Some(if all_int {
        MetaType::Integer
    } else if all_float {
        MetaType::Float
    } else if all_date {
        MetaType::Date
    } else if any_list && keywordish {
        MetaType::Keywords
    } else {
        MetaType::Text
    })
}

/// The items of a comma-separated list; a number written with thousands separators (`1,234`)
/// or decimal commas (`8,2`) is one item, never a list of digit groups.
fn list_items(s: &str) -> Vec<&str> {
    let items: Vec<&str> = s
        .split(',')
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .collect();
    if items.len() > 1 && items.iter().all(|i| i.bytes().all(|b| b.is_ascii_digit())) {
        return vec![s];
    }
    items
}

fn is_keyword(item: &str) -> bool {
    item.len() <= KEYWORD_MAX_BYTES && item.split_whitespace().count() <= KEYWORD_MAX_WORDS
}

/// Converts a value to its column's type, or types it by itself when the column has none yet.
/// Returns the value and whether it fits the column (`false`: kept as text in a number or date
/// column). `None` for an empty value or a null marker.
fn typed(value: RawValue, ty: Option<MetaType>) -> Option<(MetaValue, bool)> {
    let s = match value {
        RawValue::Int(n) => {
            let v = match ty {
                Some(MetaType::Float) => MetaValue::Float(n as f64),
                Some(MetaType::Text) => MetaValue::Text(n.to_string()),
                Some(MetaType::Keywords) => MetaValue::List(vec![n.to_string()]),
                _ => MetaValue::Int(n),
            };
            let fits = !matches!(ty, Some(MetaType::Date));
            return Some((v, fits));
        }
        RawValue::Float(x) => {
            let v = match ty {
                Some(MetaType::Text) => MetaValue::Text(x.to_string()),
                _ => MetaValue::Float(x),
            };
            let fits = !matches!(ty, Some(MetaType::Date));
            return Some((v, fits));
        }
        RawValue::List(items) => {
            let items: Vec<String> = items.into_iter().filter(|i| !is_null(i)).collect();
            return (!items.is_empty()).then_some((MetaValue::List(items), true));
        }
        RawValue::Str(s) => s,
    };
    let t = s.trim();
    if is_null(t) {
        return None;
    }
    let text = || MetaValue::Text(t.to_string());
    Some(match ty {
        None => (type_value(t)?, true),
        Some(MetaType::Integer) => match (parse_int(t), parse_number(t)) {
            (Some(n), _) => (MetaValue::Int(n), true),
            // A decimal in an integer column widens the column.
            (None, Some(x)) => (MetaValue::Float(x), true),
            _ => (text(), false),
        },
        Some(MetaType::Float) => match parse_number(t) {
            Some(x) => (MetaValue::Float(x), true),
            None => (text(), false),
        },
        Some(MetaType::Date) => match dates::parse(t) {
            Some(d) => (MetaValue::Date(d), true),
            None => (text(), false),
        },
        Some(MetaType::Keywords) => (
            MetaValue::List(list_items(t).into_iter().map(str::to_string).collect()),
            true,
        ),
        Some(MetaType::Text) => (text(), true),
    })
}

/// A whole number: plain digits (not `007`, a code), or grouped by thousands (`1,234`).
fn parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if is_thousands(digits) {
        return s.replace(',', "").parse().ok();
    }
    // "007" is a code, not a number.
    if digits.len() > 1 && digits.starts_with('0') {
        return None;
    }
    s.parse().ok()
}

/// `1,234` or `12,345,678`: groups of three digits after the first.
fn is_thousands(s: &str) -> bool {
    let mut groups = s.split(',');
    let first = groups.next().unwrap_or("");
    let rest: Vec<&str> = groups.collect();
    !rest.is_empty()
        && (1..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_digit())
        && rest
            .iter()
            .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
}

/// A number: a whole number, or a decimal with a point (`8.2`, not `1.` or `.5`).
fn parse_number(s: &str) -> Option<f64> {
    if let Some(n) = parse_int(s) {
        return Some(n as f64);
    }
    if !s.contains('.') || s.starts_with('.') || s.ends_with('.') || s.contains(',') {
        return None;
    }
    s.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn present(s: String) -> Option<String> {
    (!is_null(&s)).then_some(s)
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
        RawRecord::new(
            n,
            n + 1,
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), RawValue::Str(v.to_string())))
                .collect(),
        )
    }

    fn doc(plan: &Plan, r: RawRecord) -> Document {
        let mut seen = Observations::new();
        let d = plan.document(r, &mut seen);
        plan.observe(seen);
        d
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
        for r in &sample {
            doc(&plan, r.clone());
        }
        let types = plan.metadata_types();
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

        let d = doc(&plan, sample[1].clone());
        assert_eq!(d.id, "s2");
        assert_eq!(d.title, "Blood & Water");
        assert!(d.text.starts_with("After crossing"));
        assert_eq!(d.metadata["release_year"], MetaValue::Int(2021));
        assert_eq!(d.metadata["date_added"].to_text(), "2021-09-24");
        assert_eq!(
            d.metadata["cast"],
            MetaValue::List(vec!["Ama Qamata".into(), "Khosi Ngema".into()])
        );
        let d = doc(&plan, sample[0].clone());
        assert!(!d.metadata.contains_key("cast"), "empty values are absent");
        assert_eq!(
            d.metadata["listed_in"],
            MetaValue::List(vec!["Documentaries".into()])
        );
    }

    #[test]
    fn explicit_roles_and_missing_id() {
        let sample = vec![rec(
            7,
            &[("Headline", "A"), ("summary", "Words."), ("notes", "x")],
        )];
        let roles = Roles {
            id: None,
            title: Some("headline".into()),
            text: vec!["Summary".into(), "notes".into()],
        };
        let plan = Plan::infer(&sample, &roles, "dir/file", "dir/file.csv");
        assert_eq!(plan.unknown_role(), None);
        let d = doc(&plan, sample[0].clone());
        assert_eq!(d.id, "dir/file:7");
        assert_eq!(d.title, "A");
        assert_eq!(d.text, "Words.\n\nx");
        assert!(d.metadata.is_empty());
        let roles = Roles {
            text: vec!["plotz".into()],
            ..Roles::default()
        };
        let plan = Plan::infer(&sample, &roles, "f", "f.csv");
        assert_eq!(
            plan.unknown_role().as_deref(),
            Some("--text-field plotz: no such column (columns: headline, summary, notes)")
        );
    }

    #[test]
    fn roles_per_record_whatever_the_case() {
        let a = RawRecord::new(
            1,
            1,
            vec![
                ("id".into(), RawValue::Str("a".into())),
                ("title".into(), RawValue::Str("First".into())),
            ],
        );
        let b = RawRecord::new(
            2,
            2,
            vec![
                ("ID".into(), RawValue::Str("b".into())),
                ("Title".into(), RawValue::Str("Second".into())),
            ],
        );
        let c = RawRecord::new(3, 3, vec![("name".into(), RawValue::Str("Third".into()))]);
        let plan = Plan::infer(std::slice::from_ref(&a), &Roles::default(), "f", "f.jsonl");
        assert_eq!(doc(&plan, b).id, "b");
        let third = doc(&plan, c);
        assert_eq!(third.title, "Third");
        assert!(third.metadata.is_empty());
    }

    #[test]
    fn colliding_names_keep_every_value() {
        let r = RawRecord::new(
            1,
            2,
            vec![
                ("Release Year".into(), RawValue::Int(2001)),
                ("release_year".into(), RawValue::Int(2002)),
                ("genre".into(), RawValue::Str("a".into())),
                ("genre".into(), RawValue::Str("b".into())),
            ],
        );
        let keys: Vec<&str> = r.fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["release_year", "release_year_2", "genre", "genre_2"]);
        assert_eq!(r.renamed.len(), 2);
    }

    #[test]
    fn typing_widens_counts_misfits_and_types_late_columns() {
        let sample: Vec<RawRecord> = (1..=3)
            .map(|i| rec(i, &[("id", &i.to_string()), ("rating", "8"), ("later", "")]))
            .collect();
        let plan = Plan::infer(&sample, &Roles::default(), "f", "f.csv");
        for r in sample {
            doc(&plan, r);
        }
        let d = doc(
            &plan,
            rec(4, &[("id", "4"), ("rating", "9.5"), ("later", "7")]),
        );
        assert_eq!(d.metadata["rating"], MetaValue::Float(9.5));
        doc(
            &plan,
            rec(5, &[("id", "5"), ("rating", "unknown"), ("later", "7.5")]),
        );
        doc(
            &plan,
            rec(6, &[("id", "6"), ("rating", "NULL"), ("later", "N/A")]),
        );
        let types = plan.metadata_types();
        assert_eq!(types["rating"], MetaType::Float, "widened");
        assert_eq!(types["later"], MetaType::Float, "typed by its values");
        assert_eq!(
            plan.misfits(),
            [("rating".to_string(), MetaType::Float, 1, 5)]
        );
    }

    #[test]
    fn null_markers_and_numbers_with_commas() {
        for v in ["null", "NULL", "N/A", "n/a", "#N/A", "NaN", "\\N", "  "] {
            assert!(is_null(v), "{v}");
            assert_eq!(type_value(v), None, "{v}");
        }
        assert!(!is_null("NA"), "a country code");
        assert_eq!(parse_int("1,234"), Some(1234));
        assert_eq!(parse_int("12,345,678"), Some(12_345_678));
        assert_eq!(parse_int("1,23"), None);
        assert_eq!(list_items("1,234"), ["1,234"]);
        assert_eq!(list_items("8,2"), ["8,2"]);
        assert_eq!(list_items("a, b"), ["a", "b"]);
        let vals = [RawValue::Str("1,234".into()), RawValue::Str("8,2".into())];
        let refs: Vec<&RawValue> = vals.iter().collect();
        assert_eq!(column_type(&refs), Some(MetaType::Text), "never a list");
    }

    #[test]
    fn values_that_do_not_fit_keep_their_text() {
        assert_eq!(
            typed(RawValue::Str("74 min".into()), Some(MetaType::Integer)),
            Some((MetaValue::Text("74 min".into()), false))
        );
        assert_eq!(typed(RawValue::Str(" ".into()), Some(MetaType::Text)), None);
        assert_eq!(
            typed(RawValue::Int(3), Some(MetaType::Float)),
            Some((MetaValue::Float(3.0), true))
        );
    }

    #[test]
    fn numbers_and_keys() {
        assert_eq!(parse_int("2017"), Some(2017));
        assert_eq!(parse_int("007"), None);
        assert_eq!(parse_number("8.2"), Some(8.2));
        assert_eq!(parse_number("1."), None);
        assert_eq!(metadata_key("Release Year"), "release_year");
        assert_eq!(metadata_key("RÉALISATEUR"), "réalisateur");
        assert_eq!(metadata_key("a.b"), "a_b");
        assert_eq!(metadata_key(""), "field");
    }

    #[test]
    fn html_breaks_become_newlines() {
        assert_eq!(clean_text("a<br /><br />b <b>c</b>"), "a\n\nb <b>c</b>");
        assert_eq!(clean_text("x <BR>y"), "x \ny");
    }
}

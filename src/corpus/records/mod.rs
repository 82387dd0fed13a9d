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

mod plan;
mod values;

pub use crate::meta::vocabulary::metadata_key;
pub use plan::{ColumnStats, Observations, Plan};
pub use values::{is_null, type_value};

/// Column names that hold the document id, in order of preference (as keys: `movieId` is
/// `movieid`, IMDb's `tconst` its title id).
pub const ID_NAMES: [&str; 9] = [
    "id", "_id", "doc_id", "docid", "show_id", "movieid", "movie_id", "tconst", "imdb_id",
];
/// Column names that hold the title, in order of preference (`Series_Title` of the IMDb top
/// 1000, `primaryTitle` and `originalTitle` of IMDb's title datasets).
pub const TITLE_NAMES: [&str; 9] = [
    "title",
    "name",
    "primarytitle",
    "primary_title",
    "series_title",
    "movie_title",
    "film",
    "originaltitle",
    "original_title",
];
/// Column names that hold the text; every one present is used, in this order.
pub const TEXT_NAMES: [&str; 11] = [
    "text",
    "body",
    "content",
    "contents",
    "description",
    "overview",
    "synopsis",
    "summary",
    "review",
    "plot",
    "abstract",
];

/// The `--id-field` that says a file has no id column: its rows are keyed by their number.
pub const NO_ID: &str = "-";

/// Values that mean "no value" in exported spreadsheets and databases (compared without regard
/// to case): they are absent, like empty values.
pub const NULL_MARKERS: [&str; 5] = ["null", "n/a", "#n/a", "nan", "\\n"];

/// Records read before the column types are decided. Enough to see the shape of a column, small
/// enough to hold in memory whatever the record size.
pub const SAMPLE_RECORDS: usize = 1000;

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
            // HTML in a value (`<p>`, `<br />`, `&#8217;`, as CMS exports and scrapes hold) is
            // the text it stands for, before anything types or reads it.
            let value = match value {
                RawValue::Str(s) if crate::corpus::markup::has_markup(&s) => {
                    RawValue::Str(crate::corpus::markup::fragment_text(&s))
                }
                other => other,
            };
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
            id: self.id.as_deref().map(|n| {
                if n == NO_ID {
                    n.to_string()
                } else {
                    metadata_key(n)
                }
            }),
            title: self.title.as_deref().map(metadata_key),
            text: self.text.iter().map(|t| metadata_key(t)).collect(),
        }
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
        Some(n) if n == NO_ID => None,
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn keys_are_normalized() {
        assert_eq!(metadata_key("Release Year"), "release_year");
        assert_eq!(metadata_key("RÉALISATEUR"), "réalisateur");
        assert_eq!(metadata_key("a.b"), "a_b");
        assert_eq!(metadata_key(""), "field");
        assert_eq!(metadata_key("Runtime (mins)"), "runtime_mins");
        assert_eq!(metadata_key("_id"), "_id");
        assert_eq!(metadata_key("Box-Office"), "box_office");
        assert_eq!(metadata_key("(a)"), "a");
    }
}

//! How one file's records become documents: roles, per record, and metadata column types,
//! decided from the first records and completed by what every document held.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::values::{column_type, present, raw_text, typed, Column};
use super::{role_keys, RawRecord, RawValue, Roles, ID_NAMES, TITLE_NAMES};
use crate::corpus::Document;
use crate::meta::numbers::parse_number;
use crate::meta::{dates, MetaType, MetaValue, Metadata};

/// What the values of one metadata column were seen to be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ColumnStats {
    ints: bool,
    floats: bool,
    dates: bool,
    lists: bool,
    texts: bool,
    /// Texts that read as whole numbers, as decimals, or as dates.
    text_ints: bool,
    text_floats: bool,
    text_dates: bool,
    /// Values kept as text in a number or date column (ranges and sorting do not see them).
    pub misfits: u64,
    /// The line the first of them is on.
    pub first_misfit: u64,
}

impl ColumnStats {
    fn observe(&mut self, v: &MetaValue) {
        match v {
            MetaValue::Int(_) => self.ints = true,
            MetaValue::Float(_) => self.floats = true,
            MetaValue::Date(_) => self.dates = true,
            MetaValue::List(_) => self.lists = true,
            MetaValue::Text(t) => {
                self.texts = true;
                if !t.bytes().any(|b| b.is_ascii_digit()) {
                    return;
                }
                if crate::meta::numbers::parse_int(t).is_some() {
                    self.text_ints = true;
                } else if parse_number(t).is_some() {
                    self.text_floats = true;
                } else if dates::parse(t).is_some() {
                    self.text_dates = true;
                }
            }
        }
    }

    /// What the values that read as numbers or dates read as, if any do.
    fn numeric(&self) -> Option<MetaType> {
        let numbers = self.ints || self.floats || self.text_ints || self.text_floats;
        if (self.dates || self.text_dates) && !numbers {
            Some(MetaType::Date)
        } else if self.floats || self.text_floats || (numbers && self.dates) {
            Some(MetaType::Float)
        } else if numbers {
            Some(MetaType::Integer)
        } else {
            None
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
        self.text_ints |= o.text_ints;
        self.text_floats |= o.text_floats;
        self.text_dates |= o.text_dates;
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
    types: HashMap<String, Column>,
    /// Every column of the file (as keys), in the order first seen in the sample.
    columns: Vec<String>,
    /// What the documents made so far held.
    seen: Mutex<Observations>,
    /// Whether colliding names were reported for this file yet.
    renamed_reported: AtomicBool,
    /// The id column the sample showed is no key: its name, how many sampled rows repeat an
    /// earlier row's value, and of how many.
    repeated_id: Option<(String, usize, usize)>,
}

/// Sampled rows whose id repeats an earlier row's may be at most one in this many for the
/// column to be the documents' id (an export with a duplicated row still has a key).
const ID_REPEATS_PER: usize = 100;

/// The id column chosen by name (no `--id-field`), when the sample shows it is no key: a review
/// file whose `id` is the film's. `(column, repeats, rows)`.
fn repeated_id(sample: &[RawRecord], roles: &Roles) -> Option<(String, usize, usize)> {
    if roles.id.is_some() {
        return None;
    }
    let mut seen: HashMap<String, ()> = HashMap::new();
    let mut column: Option<String> = None;
    let mut rows = 0usize;
    let mut repeats = 0usize;
    for rec in sample {
        let (id, _, _) = role_keys(roles, rec);
        let Some(key) = id else { continue };
        let Some(value) = rec.get(key).map(|v| raw_text(v.clone())) else {
            continue;
        };
        if super::values::is_null(&value) {
            continue;
        }
        column.get_or_insert_with(|| key.to_string());
        rows += 1;
        if seen.insert(value.trim().to_string(), ()).is_some() {
            repeats += 1;
        }
    }
    (repeats >= 2 && repeats * ID_REPEATS_PER > rows)
        .then(|| (column.unwrap_or_default(), repeats, rows))
}

impl Plan {
    /// Decides roles and column types from the first records of a file.
    pub fn infer(sample: &[RawRecord], roles: &Roles, file_id: &str, source: &str) -> Plan {
        let mut roles = roles.normalized();
        let repeated_id = repeated_id(sample, &roles);
        if repeated_id.is_some() {
            // Not a key: the rows are keyed by their number, the column is metadata.
            roles.id = Some(super::NO_ID.to_string());
        }
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
            repeated_id,
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
            .filter(|n| *n != super::NO_ID)
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
        if let Some((column, repeats, rows)) = &self.repeated_id {
            out.push(format!(
                "`{column}` is not used as the documents' id: {repeats} of the first {rows} \
                 rows repeat an earlier row's value, so it names something else (a film, a \
                 user); rows are keyed by their number and `{column}` is metadata \
                 (`--id-field {column}` keys them by it anyway)"
            ));
        }
        let any_text = sample
            .iter()
            .any(|r| !role_keys(&self.roles, r).2.is_empty());
        if !any_text && !names.is_empty() && self.roles.text.is_empty() {
            let hint = match self.prose_column(sample) {
                Some(n) => format!("--text-field {n}"),
                None => "--text-field NAME".into(),
            };
            // The flag first: a long list of columns is cut in a warning, the flag must stay.
            out.push(format!(
                "no column is read as text, so documents are found by title and metadata only; \
                 name the text column with {hint} (columns seen: {})",
                names.join(", ")
            ));
        }
        out
    }

    /// The column that reads most like prose, to suggest as the text: the longest average value
    /// of sentences (several words), never a URL, a JSON or keyword list, a number or a date, nor
    /// one playing another role.
    fn prose_column(&self, sample: &[RawRecord]) -> Option<&String> {
        let mut best: Option<(&String, usize)> = None;
        for n in &self.columns {
            let role = ID_NAMES.contains(&n.as_str())
                || TITLE_NAMES.contains(&n.as_str())
                || Some(n) == self.roles.id.as_ref()
                || Some(n) == self.roles.title.as_ref();
            let typed = self.types.get(n).map(|c| c.ty);
            if role || matches!(typed, Some(t) if t != MetaType::Text) {
                continue;
            }
            let mut total = 0usize;
            let mut prose = 0usize;
            for r in sample {
                if let Some(RawValue::Str(s)) = r.get(n) {
                    let t = s.trim();
                    let url = t.starts_with("http://") || t.starts_with("https://");
                    let json = super::values::json_items(t).is_some();
                    if !url && !json && t.split_whitespace().count() >= 4 {
                        prose += 1;
                        total += t.len();
                    }
                }
            }
            if prose > 0 && best.is_none_or(|(_, b)| total / prose > b) {
                best = Some((n, total / prose));
            }
        }
        best.map(|(n, _)| n)
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
        let line = record.line;
        let mut id = None;
        let mut title = None;
        let mut texts: Vec<(usize, String)> = Vec::new();
        let mut metadata = Metadata::new();
        for (name, value) in record.fields {
            if Some(&name) == id_key.as_ref() {
                id = present(raw_text(value));
            } else if Some(&name) == title_key.as_ref() {
                title = present(raw_text(value)).map(|t| t.replace('\n', " "));
            } else if let Some(i) = text_keys.iter().position(|t| *t == name) {
                if let Some(t) = present(raw_text(value)) {
                    texts.push((i, t));
                }
            } else {
                let declared = self.types.get(&name).copied();
                let stats = seen.entry(name.clone()).or_default();
                if let Some((v, fits)) = typed(value, declared) {
                    if !fits {
                        stats.misfit(line);
                    }
                    stats.observe(&v);
                    metadata.insert(name, v);
                }
            }
        }
        for field in crate::meta::vocabulary::complete(&mut metadata) {
            seen.entry(field.to_string())
                .or_default()
                .observe(&metadata[field]);
        }
        texts.sort_by_key(|(i, _)| *i);
        let text = texts
            .into_iter()
            .map(|(_, t)| t)
            .filter(|t| !t.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n\n");
        let id = id
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("{}:{}", self.file_id, number));
        let title = title
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|t| !t.is_empty());
        // `Toy Story (1995)`: the year is metadata, the title the name.
        let title = match title {
            Some(t) => {
                let (name, year) = crate::corpus::text::split_title_year(&t);
                if let Some(y) = year {
                    if !metadata.contains_key("year") {
                        metadata.insert("year".into(), MetaValue::Int(y));
                        seen.entry("year".to_string())
                            .or_default()
                            .observe(&MetaValue::Int(y));
                    }
                }
                name
            }
            None => id.clone(),
        };
        Document {
            id,
            title,
            source: self.source.clone(),
            text,
            body_start: 0,
            metadata,
            record_line: Some(line),
            origins: Vec::new(),
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
            let ty = match self.types.get(key).map(|c| c.ty) {
                Some(MetaType::Integer) if stats.floats => MetaType::Float,
                Some(t) => t,
                None => match stats.by_values() {
                    Some(t) => t,
                    None => continue,
                },
            };
            out.insert(key.clone(), ty);
        }
        out
    }

    /// The metadata columns some of whose values read as numbers or dates, with what they read
    /// as (ranges and sorting see those values whatever the column's type).
    pub fn numeric_types(&self) -> BTreeMap<String, MetaType> {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.iter()
            .filter_map(|(k, s)| Some((k.clone(), s.numeric()?)))
            .collect()
    }

    /// Columns whose values were not all numbers or dates as their type says, with how many were
    /// kept as text and the line of the first: `(key, type, count, line)`.
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
            [("rating".to_string(), MetaType::Float, 1, 6)]
        );
    }
}

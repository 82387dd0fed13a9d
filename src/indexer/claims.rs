//! Duplicate document ids: the first record in reading order keeps the id.
//!
//! Reading order is the order of the followed paths, then of the files under each (sorted
//! paths), then of the records in each file. It decides whatever was read when: a document of a
//! file that stays as it is holds its id only until a record that comes before it appears (the
//! document then goes), and a record whose id is held by one before it is shadowed (counted in
//! its file's state, read again when another file changes, so it takes the id over when the
//! holder goes). Workers add documents in parallel, so a later-read duplicate may be added before
//! the earlier one: it is then deleted again when the earlier one claims the id.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tantivy::schema::IndexRecordOption;
use tantivy::{DocSet, Term, TERMINATED};

use crate::error::{Error, Result};
use crate::schema::{self, Fields};

/// Who holds an id among the documents of files that stay as they are in this run.
pub(super) struct Existing {
    segments: Vec<ExistingSegment>,
    /// The reading-order rank of each file that stays, and its name as shown.
    ranks: HashMap<String, (u32, String)>,
}

struct ExistingSegment {
    reader: tantivy::SegmentReader,
    ids: Arc<tantivy::InvertedIndexReader>,
    sources: tantivy::columnar::StrColumn,
    ords: Arc<dyn tantivy::columnar::ColumnValues<u64>>,
    /// Source ordinals of this segment whose documents this run replaces or removes.
    replaced: HashSet<u64>,
}

/// A document of a file that stays, holding an id.
#[derive(Debug, Clone)]
pub(super) struct Holder {
    /// Its file.
    pub(super) source: String,
    /// Its `doc_ord`.
    pub(super) ord: u64,
    /// Its passages.
    pub(super) passages: u64,
}

impl Existing {
    /// `ranks`: every file that stays, by source, with its rank in reading order and its name
    /// as shown.
    pub(super) fn open(
        index: &tantivy::Index,
        fields: &Fields,
        replaced: &HashSet<&str>,
        ranks: HashMap<String, (u32, String)>,
    ) -> Result<Existing> {
        let reader = index
            .reader_builder()
            .reload_policy(tantivy::ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let mut segments = Vec::new();
        for seg in searcher.segment_readers() {
            let ids = seg.inverted_index(fields.doc_id)?;
            let Some(sources) = seg.fast_fields().str(schema::names::SOURCE)? else {
                continue;
            };
            let ords = seg
                .fast_fields()
                .u64(schema::names::DOC_ORD)?
                .first_or_default_col(u64::MAX);
            let mut replaced_ords = HashSet::new();
            for s in replaced {
                let ord = sources
                    .dictionary()
                    .term_ord(s.as_bytes())
                    .map_err(|e| Error::Tantivy(e.into()))?;
                if let Some(ord) = ord {
                    replaced_ords.insert(ord);
                }
            }
            segments.push(ExistingSegment {
                reader: seg.clone(),
                ids,
                sources,
                ords,
                replaced: replaced_ords,
            });
        }
        Ok(Existing { segments, ranks })
    }

    /// The live document with this id outside the replaced files, if any.
    fn holder(&self, term: &Term) -> Option<Holder> {
        let mut found: Option<Holder> = None;
        for seg in &self.segments {
            let Ok(Some(mut postings)) = seg.ids.read_postings(term, IndexRecordOption::Basic)
            else {
                continue;
            };
            let alive = seg.reader.alive_bitset();
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    if let Some(ord) = seg.sources.term_ords(doc).next() {
                        if !seg.replaced.contains(&ord) {
                            let doc_ord = seg.ords.get_val(doc);
                            match &mut found {
                                Some(h) if h.ord == doc_ord => h.passages += 1,
                                Some(_) => {}
                                None => {
                                    let mut bytes = Vec::new();
                                    let _ = seg.sources.ord_to_bytes(ord, &mut bytes);
                                    found = Some(Holder {
                                        source: String::from_utf8_lossy(&bytes).into_owned(),
                                        ord: doc_ord,
                                        passages: 1,
                                    });
                                }
                            }
                        }
                    }
                }
                doc = postings.advance();
            }
        }
        found
    }

    /// The rank and shown name of a file that stays (a file not known ranks first: it stays).
    fn rank(&self, source: &str) -> (u32, String) {
        self.ranks
            .get(source)
            .cloned()
            .unwrap_or_else(|| (0, source.to_string()))
    }
}

/// Where a document came from: the file read (by position) and its record number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Place {
    pub(super) file: u32,
    pub(super) record: u64,
}

/// A document id claimed by the first document read with it.
#[derive(Debug)]
pub(super) struct Claim {
    pub(super) place: Place,
    pub(super) ord: u64,
    pub(super) passages: u64,
}

/// The duplicate check: one claim per id (by a 128-bit hash of it).
pub(super) struct Claims {
    /// The files read in this run, as shown, in reading order.
    pub(super) sources: Vec<String>,
    /// Their ranks in reading order among every file of the run (read or staying).
    pub(super) ranks: Vec<u32>,
    pub(super) table: Mutex<ClaimTable>,
    /// `doc_ord`s of documents added and then found to be later duplicates, and of documents of
    /// files that stay whose id a record read before them took (to delete).
    pub(super) losers: Mutex<Vec<u64>>,
    /// The documents of files that stay that lost their id: by source, their passages.
    pub(super) existing_losers: Mutex<Vec<(String, u64)>>,
    pub(super) existing: Option<Existing>,
}

/// What becomes of a document whose id is claimed.
#[derive(Debug)]
pub(super) enum Verdict {
    /// Add it.
    Add,
    /// Add it; this run's document `loser`, read after it but added before, goes.
    AddOver(Claim),
    /// Add it; the document of a file that stays, read after it, goes.
    AddOverExisting(Holder),
    /// Skip it: a record read before it holds the id (`across`: a record of another file).
    Skip { warning: Error, across: bool },
}

/// Every id claimed in this run, held compactly: a corpus of 1.6 million documents keeps 1.6
/// million claims, so each costs 32 bytes in a vector that grows in place plus 5 bytes of hash
/// table (a map of hash to claim cost about 100 bytes a claim and twice that while it grew).
pub(super) struct ClaimTable {
    index: hashbrown::HashTable<u32>,
    entries: Vec<Entry>,
    /// The first `doc_ord` of the run: entries keep ords relative to it.
    base: u64,
}

struct Entry {
    key: [u64; 2],
    /// Record number, saturated: records past four billion in one file compare as equal.
    record: u32,
    ord: u32,
    file: u32,
    passages: u32,
}

impl Entry {
    fn claim(&self, base: u64) -> Claim {
        Claim {
            place: Place {
                file: self.file,
                record: u64::from(self.record),
            },
            ord: base + u64::from(self.ord),
            passages: u64::from(self.passages),
        }
    }
}

impl ClaimTable {
    fn entry_of(&self, new: &Claim, key: [u64; 2]) -> Entry {
        let saturate = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        Entry {
            key,
            record: saturate(new.place.record),
            // Ords are handed out from `base` up, one a document, so they fit while documents
            // of the run do (checked in `insert`).
            ord: saturate(new.ord.saturating_sub(self.base)),
            file: new.place.file,
            passages: saturate(new.passages),
        }
    }

    fn split(key: u128) -> [u64; 2] {
        [key as u64, (key >> 64) as u64]
    }

    fn find(&self, key: [u64; 2]) -> Option<usize> {
        let entries = &self.entries;
        self.index
            .find(key[0], |&i| entries[i as usize].key == key)
            .map(|&i| i as usize)
    }

    /// The claim on `key`, if any.
    fn get(&self, key: u128) -> Option<Claim> {
        let key = Self::split(key);
        self.find(key).map(|i| self.entries[i].claim(self.base))
    }

    /// `new` takes over the claim on `key`.
    fn replace(&mut self, key: u128, new: Claim) {
        let key = Self::split(key);
        if let Some(i) = self.find(key) {
            self.entries[i] = self.entry_of(&new, key);
        }
    }

    /// A first claim on `key`.
    fn insert(&mut self, key: u128, new: Claim) {
        let key = Self::split(key);
        let entry = self.entry_of(&new, key);
        // More than four billion documents in one run: the claims past that point go
        // unchecked rather than overflow the table.
        let Ok(i) = u32::try_from(self.entries.len()) else {
            return;
        };
        if entry.ord == u32::MAX {
            return;
        }
        self.entries.push(entry);
        let entries = &self.entries;
        self.index
            .insert_unique(key[0], i, |&j| entries[j as usize].key[0]);
    }
}

impl Claims {
    /// `first_ord`: the `doc_ord` the run's first document gets; later ones count up from it.
    pub(super) fn new(
        sources: Vec<String>,
        ranks: Vec<u32>,
        existing: Option<Existing>,
        first_ord: u64,
    ) -> Claims {
        Claims {
            sources,
            ranks,
            table: Mutex::new(ClaimTable {
                index: hashbrown::HashTable::new(),
                entries: Vec::new(),
                base: first_ord,
            }),
            losers: Mutex::new(Vec::new()),
            existing_losers: Mutex::new(Vec::new()),
            existing,
        }
    }

    pub(super) fn describe(&self, place: Place) -> String {
        let source = &self.sources[place.file as usize];
        if place.record == 0 {
            source.clone()
        } else {
            format!("{source} record {}", place.record)
        }
    }

    /// Decides what becomes of a document (see [`Verdict`]).
    pub(super) fn claim(
        &self,
        fields: &Fields,
        id: &str,
        place: Place,
        ord: u64,
        passages: u64,
    ) -> Verdict {
        let key = xxhash_rust::xxh3::xxh3_128(id.as_bytes());
        let new = Claim {
            place,
            ord,
            passages,
        };
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(held) = table.get(key) {
            let across = held.place.file != place.file;
            if place < held.place {
                table.replace(key, new);
                return Verdict::AddOver(held);
            }
            return Verdict::Skip {
                warning: Error::Duplicate {
                    id: id.to_string(),
                    kept: self.describe(held.place),
                    dropped: self.describe(place),
                },
                across,
            };
        }
        let holder = self
            .existing
            .as_ref()
            .and_then(|e| Some((e, e.holder(&Term::from_field_text(fields.doc_id, id))?)));
        if let Some((existing, holder)) = holder {
            let (rank, shown) = existing.rank(&holder.source);
            let mine = self
                .ranks
                .get(place.file as usize)
                .copied()
                .unwrap_or(u32::MAX);
            if mine >= rank {
                return Verdict::Skip {
                    warning: Error::Duplicate {
                        id: id.to_string(),
                        kept: format!("{shown} (indexed before, unchanged)"),
                        dropped: self.describe(place),
                    },
                    across: true,
                };
            }
            table.insert(key, new);
            return Verdict::AddOverExisting(holder);
        }
        table.insert(key, new);
        Verdict::Add
    }

    /// The shown name of a file that stays.
    pub(super) fn shown_existing(&self, source: &str) -> String {
        match &self.existing {
            Some(e) => e.rank(source).1,
            None => source.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(files: &[&str]) -> (Claims, Fields) {
        let (_, fields) = schema::build();
        let ranks = (0..files.len() as u32).collect();
        let claims = Claims::new(
            files.iter().map(|f| f.to_string()).collect(),
            ranks,
            None,
            0,
        );
        (claims, fields)
    }

    fn skipped(v: Verdict) -> (String, bool) {
        match v {
            Verdict::Skip { warning, across } => (warning.to_string(), across),
            other => panic!("not skipped: {other:?}"),
        }
    }

    #[test]
    fn the_first_document_read_keeps_its_id() {
        let (c, fields) = claims(&["a.jsonl", "b.jsonl"]);
        let first = Place { file: 0, record: 2 };
        let later = Place { file: 1, record: 1 };
        assert!(matches!(c.claim(&fields, "x", first, 10, 3), Verdict::Add));
        // A later-read duplicate is refused with both places named.
        let (e, across) = skipped(c.claim(&fields, "x", later, 11, 1));
        assert_eq!(
            e,
            "duplicate document id `x`: b.jsonl record 1 skipped, a.jsonl record 2 kept \
             (the first one read wins)"
        );
        assert!(across);
        assert!(matches!(c.claim(&fields, "y", later, 12, 1), Verdict::Add));
        // A duplicate in the same file is not across files.
        let (_, across) = skipped(c.claim(&fields, "y", Place { file: 1, record: 4 }, 13, 1));
        assert!(!across);
    }

    #[test]
    fn an_earlier_read_document_added_later_takes_the_id_back() {
        // Workers add in parallel: the document read later may be added first.
        let (c, fields) = claims(&["a.jsonl", "b.jsonl"]);
        let read_later = Place { file: 1, record: 5 };
        let read_first = Place { file: 0, record: 9 };
        assert!(matches!(
            c.claim(&fields, "x", read_later, 20, 2),
            Verdict::Add
        ));
        let Verdict::AddOver(loser) = c.claim(&fields, "x", read_first, 21, 4) else {
            panic!("the earlier record takes the id");
        };
        assert_eq!(
            (loser.place, loser.ord, loser.passages),
            (read_later, 20, 2)
        );
        // In one file, records in file order.
        let (c, fields) = claims(&["a.csv"]);
        assert!(matches!(
            c.claim(&fields, "k", Place { file: 0, record: 7 }, 1, 1),
            Verdict::Add
        ));
        assert!(matches!(
            c.claim(&fields, "k", Place { file: 0, record: 3 }, 2, 1),
            Verdict::AddOver(_)
        ));
        assert_eq!(c.describe(Place { file: 0, record: 0 }), "a.csv");
    }

    #[test]
    fn a_loser_is_named_by_its_own_ord_whatever_the_run_started_at() {
        let (_, fields) = schema::build();
        let c = Claims::new(vec!["a.jsonl".into()], vec![0], None, 5_000_000_000);
        let late = Place { file: 0, record: 8 };
        let early = Place { file: 0, record: 2 };
        assert!(matches!(
            c.claim(&fields, "z", late, 5_000_000_007, 3),
            Verdict::Add
        ));
        let Verdict::AddOver(loser) = c.claim(&fields, "z", early, 5_000_000_009, 1) else {
            panic!("the earlier record takes the id");
        };
        assert_eq!(
            (loser.place, loser.ord, loser.passages),
            (late, 5_000_000_007, 3)
        );
        // The id now belongs to the earlier record: the later one is refused naming it.
        let (e, _) = skipped(c.claim(&fields, "z", late, 5_000_000_010, 3));
        assert!(e.contains("a.jsonl record 2 kept"), "{e}");
    }
}

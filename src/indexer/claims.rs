//! Duplicate document ids: the first document read with an id keeps it.
//!
//! Files are read in the order given (folders in sorted path order), records in file order; on
//! an update, documents of files that did not change count as read first. Workers add documents
//! in parallel, so a later-read duplicate may be added before the earlier one: it is then
//! deleted again when the earlier one claims the id.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use tantivy::schema::IndexRecordOption;
use tantivy::{DocSet, Term, TERMINATED};

use crate::error::{Error, Result};
use crate::schema::{self, Fields};

/// Who holds an id among the documents of files that stay as they are in this run.
pub(super) struct Existing {
    segments: Vec<ExistingSegment>,
}

struct ExistingSegment {
    reader: tantivy::SegmentReader,
    ids: Arc<tantivy::InvertedIndexReader>,
    sources: tantivy::columnar::StrColumn,
    /// Source ordinals of this segment whose documents this run replaces or removes.
    replaced: HashSet<u64>,
}

impl Existing {
    pub(super) fn open(
        index: &tantivy::Index,
        fields: &Fields,
        replaced: &HashSet<&str>,
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
            let mut ords = HashSet::new();
            for s in replaced {
                let ord = sources
                    .dictionary()
                    .term_ord(s.as_bytes())
                    .map_err(|e| Error::Tantivy(e.into()))?;
                if let Some(ord) = ord {
                    ords.insert(ord);
                }
            }
            segments.push(ExistingSegment {
                reader: seg.clone(),
                ids,
                sources,
                replaced: ords,
            });
        }
        Ok(Existing { segments })
    }

    /// The source of a live document with this id outside the replaced files, if any.
    fn holder(&self, term: &Term) -> Option<String> {
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
                            let mut bytes = Vec::new();
                            let _ = seg.sources.ord_to_bytes(ord, &mut bytes);
                            return Some(String::from_utf8_lossy(&bytes).into_owned());
                        }
                    }
                }
                doc = postings.advance();
            }
        }
        None
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
    pub(super) sources: Vec<String>,
    pub(super) table: Mutex<ClaimTable>,
    /// `doc_ord`s of documents added and then found to be later duplicates.
    pub(super) losers: Mutex<Vec<u64>>,
    pub(super) existing: Option<Existing>,
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
    /// Claims `key` for `new`. `None`: it was free. `Some(old)`: it was held by `old`, which
    /// `new` replaced when read before it.
    fn claim(&mut self, key: u128, new: Claim) -> Option<(Claim, bool)> {
        let key = [key as u64, (key >> 64) as u64];
        let base = self.base;
        let entries = &mut self.entries;
        let found = self
            .index
            .find(key[0], |&i| entries[i as usize].key == key)
            .copied();
        let saturate = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        let entry = Entry {
            key,
            record: saturate(new.place.record),
            // Ords are handed out from `base` up, one a document, so they fit while documents
            // of the run do (checked below).
            ord: saturate(new.ord.saturating_sub(base)),
            file: new.place.file,
            passages: saturate(new.passages),
        };
        match found {
            Some(i) => {
                let old = &mut entries[i as usize];
                let held = old.claim(base);
                let replaced = Place {
                    file: entry.file,
                    record: u64::from(entry.record),
                } < held.place;
                if replaced {
                    *old = entry;
                }
                Some((held, replaced))
            }
            None => {
                // More than four billion documents in one run: the claims past that point go
                // unchecked rather than overflow the table.
                let Ok(i) = u32::try_from(entries.len()) else {
                    return None;
                };
                if entry.ord == u32::MAX {
                    return None;
                }
                entries.push(entry);
                self.index
                    .insert_unique(key[0], i, |&j| entries[j as usize].key[0]);
                None
            }
        }
    }
}

impl Claims {
    /// `first_ord`: the `doc_ord` the run's first document gets; later ones count up from it.
    pub(super) fn new(sources: Vec<String>, existing: Option<Existing>, first_ord: u64) -> Claims {
        Claims {
            sources,
            table: Mutex::new(ClaimTable {
                index: hashbrown::HashTable::new(),
                entries: Vec::new(),
                base: first_ord,
            }),
            losers: Mutex::new(Vec::new()),
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

    /// Decides whether a document is kept. `Ok(None)`: add it. `Ok(Some(loser))`: add it, and
    /// the document `loser` (added before it, read after it) goes. `Err(warning)`: skip it.
    pub(super) fn claim(
        &self,
        fields: &Fields,
        id: &str,
        place: Place,
        ord: u64,
        passages: u64,
    ) -> std::result::Result<Option<Claim>, Error> {
        if let Some(existing) = &self.existing {
            if let Some(holder) = existing.holder(&Term::from_field_text(fields.doc_id, id)) {
                return Err(Error::Duplicate {
                    id: id.to_string(),
                    kept: format!("{holder} (indexed before, unchanged)"),
                    dropped: self.describe(place),
                });
            }
        }
        let key = xxhash_rust::xxh3::xxh3_128(id.as_bytes());
        let new = Claim {
            place,
            ord,
            passages,
        };
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        match table.claim(key, new) {
            None => Ok(None),
            Some((loser, true)) => Ok(Some(loser)),
            Some((old, false)) => Err(Error::Duplicate {
                id: id.to_string(),
                kept: self.describe(old.place),
                dropped: self.describe(place),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(files: &[&str]) -> (Claims, Fields) {
        let (_, fields) = schema::build();
        let claims = Claims::new(files.iter().map(|f| f.to_string()).collect(), None, 0);
        (claims, fields)
    }

    #[test]
    fn the_first_document_read_keeps_its_id() {
        let (c, fields) = claims(&["a.jsonl", "b.jsonl"]);
        let first = Place { file: 0, record: 2 };
        let later = Place { file: 1, record: 1 };
        assert!(c.claim(&fields, "x", first, 10, 3).unwrap().is_none());
        // A later-read duplicate is refused with both places named.
        let e = c.claim(&fields, "x", later, 11, 1).unwrap_err().to_string();
        assert_eq!(
            e,
            "duplicate document id `x`: b.jsonl record 1 skipped, a.jsonl record 2 kept \
             (the first one read wins)"
        );
        assert!(c.claim(&fields, "y", later, 12, 1).unwrap().is_none());
    }

    #[test]
    fn an_earlier_read_document_added_later_takes_the_id_back() {
        // Workers add in parallel: the document read later may be added first.
        let (c, fields) = claims(&["a.jsonl", "b.jsonl"]);
        let read_later = Place { file: 1, record: 5 };
        let read_first = Place { file: 0, record: 9 };
        assert!(c.claim(&fields, "x", read_later, 20, 2).unwrap().is_none());
        let loser = c.claim(&fields, "x", read_first, 21, 4).unwrap().unwrap();
        assert_eq!(
            (loser.place, loser.ord, loser.passages),
            (read_later, 20, 2)
        );
        // In one file, records in file order.
        let (c, fields) = claims(&["a.csv"]);
        assert!(c
            .claim(&fields, "k", Place { file: 0, record: 7 }, 1, 1)
            .unwrap()
            .is_none());
        assert!(c
            .claim(&fields, "k", Place { file: 0, record: 3 }, 2, 1)
            .unwrap()
            .is_some());
        assert_eq!(c.describe(Place { file: 0, record: 0 }), "a.csv");
    }

    #[test]
    fn a_loser_is_named_by_its_own_ord_whatever_the_run_started_at() {
        let (_, fields) = schema::build();
        let c = Claims::new(vec!["a.jsonl".into()], None, 5_000_000_000);
        let late = Place { file: 0, record: 8 };
        let early = Place { file: 0, record: 2 };
        assert!(c
            .claim(&fields, "z", late, 5_000_000_007, 3)
            .unwrap()
            .is_none());
        let loser = c
            .claim(&fields, "z", early, 5_000_000_009, 1)
            .unwrap()
            .unwrap();
        assert_eq!(
            (loser.place, loser.ord, loser.passages),
            (late, 5_000_000_007, 3)
        );
        // The id now belongs to the earlier record: the later one is refused naming it.
        let e = c
            .claim(&fields, "z", late, 5_000_000_010, 3)
            .unwrap_err()
            .to_string();
        assert!(e.contains("a.jsonl record 2 kept"), "{e}");
    }
}

//! The merge policy: small segments are merged in groups of bounded size while a run writes, so
//! memory stays flat whatever the corpus size; once the run has committed, [`compact`] merges
//! the flush-sized segments of a large index into a few large ones, one merge at a time.

use std::path::Path;

use crate::error::Result;

/// Largest segment a merge may produce, in passages. tantivy maps every segment a merge reads
/// into memory, so peak RSS follows the largest merge: with tantivy's default policy, indexing
/// 4x the IMDB reviews merged all of its flushes into one segment and peaked at 720 MB; merges
/// capped here keep the peak near 200 MB whatever the corpus size. A large corpus keeps more
/// segments instead (one per 100,000 passages), which a search visits in turn at little cost.
const MAX_MERGE_DOCS: u32 = 100_000;

/// Fewest segments worth one merge: merging two or three saves little search work.
const MIN_SEGMENTS_PER_MERGE: usize = 4;

/// Merges small segments in groups whose total stays under [`MAX_MERGE_DOCS`].
#[derive(Debug, Clone, Copy, Default)]
pub struct BoundedMergePolicy;

impl tantivy::indexer::MergePolicy for BoundedMergePolicy {
    fn compute_merge_candidates(
        &self,
        segments: &[tantivy::index::SegmentMeta],
    ) -> Vec<tantivy::indexer::MergeCandidate> {
        let mut small: Vec<&tantivy::index::SegmentMeta> = segments
            .iter()
            .filter(|m| m.num_docs() < MAX_MERGE_DOCS / 2)
            .collect();
        small.sort_by_key(|m| m.num_docs());
        let mut out = Vec::new();
        let mut group = Vec::new();
        let mut size = 0u32;
        for m in small {
            if size + m.num_docs() > MAX_MERGE_DOCS {
                if group.len() >= MIN_SEGMENTS_PER_MERGE {
                    out.push(tantivy::indexer::MergeCandidate(std::mem::take(&mut group)));
                }
                group.clear();
                size = 0;
            }
            group.push(m.id());
            size += m.num_docs();
        }
        if group.len() >= MIN_SEGMENTS_PER_MERGE {
            out.push(tantivy::indexer::MergeCandidate(group));
        }
        out
    }
}

/// An index of more segments than this is compacted after a run: each segment costs a search a
/// fixed part (opening its files, a scorer per term), so 44 segments of 110,000 passages made
/// a two-word search on 4.9 million passages take 25 ms where 8 segments took 11 ms.
const COMPACT_ABOVE: usize = 8;

/// Largest segment compaction makes, in passages.
const COMPACT_DOCS: u32 = 1_000_000;

/// The merges [`compact`] makes: none for an index of few segments; else the segments under
/// half of [`COMPACT_DOCS`], smallest first, in groups of at least two whose total stays under
/// it.
fn compaction_groups(
    segments: &[tantivy::index::SegmentMeta],
) -> Vec<Vec<tantivy::index::SegmentId>> {
    if segments.len() <= COMPACT_ABOVE {
        return Vec::new();
    }
    let mut small: Vec<&tantivy::index::SegmentMeta> = segments
        .iter()
        .filter(|m| m.num_docs() < COMPACT_DOCS / 2)
        .collect();
    small.sort_by_key(|m| (m.num_docs(), m.id().uuid_string()));
    let mut out = Vec::new();
    let mut group = Vec::new();
    let mut size = 0u32;
    for m in small {
        if size + m.num_docs() > COMPACT_DOCS {
            if group.len() >= 2 {
                out.push(std::mem::take(&mut group));
            }
            group.clear();
            size = 0;
        }
        group.push(m.id());
        size += m.num_docs();
    }
    if group.len() >= 2 {
        out.push(group);
    }
    out
}

/// Merges the segments of a committed index per [`compaction_groups`], `threads` merges at a
/// time, with a writer of its own (the run's has finished, its memory given back). Each merge
/// lands as tantivy's own commit of the merged segments, under the same manifest: stopped at
/// any point, the index is at its last commit or at one of these. Returns the merges made.
pub fn compact(index: &tantivy::Index, dir: &Path, threads: usize) -> Result<usize> {
    let groups = compaction_groups(&index.searchable_segment_metas()?);
    if groups.is_empty() {
        return Ok(0);
    }
    // The run's writer is gone; give its memory back to the system before merging (glibc keeps
    // freed heap for reuse, which counted 250 MB against the merges).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
    // Merges read their inputs with plain reads: through maps of the files, the pages a merge
    // reads stay in the process until the merge ends (488 MB on top of the run's memory when
    // 4.9 million passages were compacted into 6 segments).
    let directory = crate::directory::IndexDirectory::writable(dir)?.unmapped(dir);
    let index = tantivy::Index::open(directory)?;
    crate::schema::register_tokenizers(&index);
    let mut writer = super::open::writer_of(&index, dir, 1, super::MIN_MEMORY_PER_THREAD)?;
    writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
    // As many merges at once as the run had threads (each merge is single-threaded).
    let mut merged = 0;
    for batch in groups.chunks(threads.max(1)) {
        let running: Vec<_> = batch.iter().map(|group| writer.merge(group)).collect();
        for merge in running {
            merge.wait()?;
            merged += 1;
        }
    }
    writer.wait_merging_threads()?;
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use tantivy::index::SegmentId;
    use tantivy::indexer::MergePolicy;

    use super::*;

    fn segments(sizes: &[u32]) -> Vec<tantivy::index::SegmentMeta> {
        let index = tantivy::Index::create_in_ram(crate::schema::build().0);
        sizes
            .iter()
            .map(|&n| index.new_segment_meta(SegmentId::generate_random(), n))
            .collect()
    }

    fn merged_sizes(sizes: &[u32]) -> Vec<Vec<u32>> {
        let metas = segments(sizes);
        let size_of = |id: &SegmentId| {
            metas
                .iter()
                .find(|m| m.id() == *id)
                .map_or(0, |m| m.num_docs())
        };
        BoundedMergePolicy
            .compute_merge_candidates(&metas)
            .into_iter()
            .map(|c| {
                let mut group: Vec<u32> = c.0.iter().map(size_of).collect();
                group.sort_unstable();
                group
            })
            .collect()
    }

    #[test]
    fn small_segments_merge_in_groups_under_the_cap() {
        let groups = merged_sizes(&[20_000; 12]);
        assert!(!groups.is_empty());
        for g in &groups {
            assert!(g.len() >= MIN_SEGMENTS_PER_MERGE, "{g:?}");
            assert!(g.iter().sum::<u32>() <= MAX_MERGE_DOCS, "{g:?}");
        }
    }

    #[test]
    fn too_few_or_too_big_segments_are_left_alone() {
        // Three small ones: not worth a merge.
        assert!(merged_sizes(&[1_000, 2_000, 3_000]).is_empty());
        // Segments of half the cap or more never merge again.
        assert!(merged_sizes(&[60_000; 8]).is_empty());
        // Big ones stay out of a merge of small ones.
        let groups = merged_sizes(&[90_000, 5_000, 5_000, 5_000, 5_000]);
        assert_eq!(groups, [vec![5_000, 5_000, 5_000, 5_000]]);
    }

    #[test]
    fn compaction_leaves_few_indexes_alone_and_groups_the_rest() {
        let sizes = |groups: Vec<Vec<SegmentId>>, metas: &[tantivy::index::SegmentMeta]| {
            groups
                .iter()
                .map(|g| {
                    g.iter()
                        .map(|id| metas.iter().find(|m| m.id() == *id).unwrap().num_docs())
                        .sum::<u32>()
                })
                .collect::<Vec<u32>>()
        };
        let few = segments(&[110_000; 8]);
        assert!(compaction_groups(&few).is_empty());
        let many = segments(&[110_000; 44]);
        let groups = compaction_groups(&many);
        let totals = sizes(groups.clone(), &many);
        assert_eq!(totals.iter().sum::<u32>(), 44 * 110_000);
        assert!(totals.iter().all(|&t| t <= COMPACT_DOCS), "{totals:?}");
        assert_eq!(groups.len(), 5, "44 flushes in groups of 9 and a last of 8");
        // Large segments stay as they are.
        let mixed = segments(&[
            900_000, 900_000, 100_000, 100_000, 100_000, 100_000, 100_000, 100_000, 100_000,
        ]);
        let groups = compaction_groups(&mixed);
        assert_eq!(sizes(groups, &mixed), [700_000]);
    }

    /// The merges read their inputs through [`ReadDirectory`]: every document is still there
    /// and found afterwards, in fewer segments.
    #[test]
    fn compacting_keeps_every_document() {
        let dir = tempfile::tempdir().unwrap();
        let (schema, fields) = crate::schema::build();
        let index = tantivy::Index::create_in_dir(dir.path(), schema).unwrap();
        crate::schema::register_tokenizers(&index);
        let mut writer: tantivy::IndexWriter =
            index.writer_with_num_threads(1, 15_000_000).unwrap();
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        for i in 0..12u64 {
            for j in 0..5u64 {
                let mut doc = tantivy::TantivyDocument::new();
                doc.add_text(fields.doc_id, format!("d{i}-{j}"));
                doc.add_text(
                    fields.text,
                    format!("passage {j} of batch {i} about drug court"),
                );
                doc.add_u64(fields.doc_ord, i * 5 + j);
                writer.add_document(doc).unwrap();
            }
            writer.commit().unwrap();
        }
        writer.wait_merging_threads().unwrap();
        assert_eq!(index.searchable_segment_metas().unwrap().len(), 12);
        assert_eq!(compact(&index, dir.path(), 2).unwrap(), 1);
        let index = tantivy::Index::open_in_dir(dir.path()).unwrap();
        crate::schema::register_tokenizers(&index);
        assert_eq!(index.searchable_segment_metas().unwrap().len(), 1);
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.num_docs(), 60);
        let court = tantivy::Term::from_field_text(fields.text, "court");
        assert_eq!(searcher.doc_freq(&court).unwrap(), 60);
    }
}

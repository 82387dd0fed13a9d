//! The merge policy: small segments are merged in groups of bounded size, so memory stays flat
//! whatever the corpus size.

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

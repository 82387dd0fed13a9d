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
}

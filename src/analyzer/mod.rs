//! reel's analyzer: how text becomes terms, the same way at indexing and at query time.
//!
//! Words are split on non-alphanumerics, lower-cased, folded to ASCII (accent-insensitive) and
//! stemmed with the English Snowball stemmer (`courts` finds `court`); runs of Chinese, Japanese
//! and Korean characters are split into overlapping pairs ([`cjk`]). Stemming is the costliest
//! step of indexing, and word frequencies follow Zipf's law, so each analyzer keeps a cache of
//! the stems it has computed: most tokens are a hash lookup.

pub mod cjk;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter,
    TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// Tokens longer than this many bytes are dropped: they are base64, URLs or noise, never words.
pub const MAX_TOKEN_BYTES: usize = 40;

/// Most stems an analyzer remembers before starting over. An English review corpus has a few
/// hundred thousand distinct words; this covers the frequent ones in a few megabytes per thread.
const STEM_CACHE_ENTRIES: usize = 100_000;

/// Words whose analyzed forms pin down the analyzer: stems the Snowball English rules change
/// between versions, possessives, accents, case, numbers and long tokens.
const FINGERPRINT_WORDS: &str = "running runner ran generously generalization communities \
    communal addiction addicted courts documentaries documentary heroine heroin's Huntington's \
    Agnès façade Ångström naïve cafés NASA's USA 1990s 2017 co-operate cooperation dying lying \
    skies sky happily relational conditional hopefully organization organisations fishing \
    fished fisheries arguing argued argument agreed agreement beautifully excellence \
    quickly ponies caresses cats feed bled sing sings singing singer news succeed proceed \
    exceed outing canning inning herring earring innings gently ugly early only atlantic \
    idly exceedingly generation generate general generic kinds kindness abnormality \
    verylongtokenthatgoesbeyondthefortybytelimitofreel 忍者ハットリくん 한국어";

/// A fingerprint of the analyzer: a hash of the terms it makes of a fixed word list. An index
/// records the fingerprint it was built with, so a change of stems (a new stemmer version after
/// `cargo update`) is noticed instead of silently losing matches.
pub fn fingerprint() -> String {
    let mut a = analyzer();
    let mut stream = a.token_stream(FINGERPRINT_WORDS);
    let mut all = String::new();
    while stream.advance() {
        all.push_str(&stream.token().text);
        all.push(' ');
    }
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(all.as_bytes()))
}

/// Builds reel's analyzer.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(cjk::CjkBigrams)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(CachedStemmer)
        .build()
}

/// reel's analyzer without the stemmer: the words as written (case and accents folded), for
/// telling the word a user typed from its stem-mates (`heroin` is not the title *Heroine*).
pub fn surface() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(cjk::CjkBigrams)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The words of `text` as [`surface`] reads them.
pub fn surface_words(text: &str) -> Vec<String> {
    let mut a = surface();
    let mut stream = a.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// A keyword-list item as it is indexed for exact matching and as a filter value is compared:
/// trimmed and lower-cased, nothing else (`TV Dramas` stays one value, apart from `Dramas`).
pub fn keyword(item: &str) -> String {
    item.trim().to_lowercase()
}

/// reel's analyzer without English stop words: for picking the words of a passage that say
/// what it is about (pseudo-relevance feedback).
pub fn feedback_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(cjk::CjkBigrams)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::new(Language::English).expect("tantivy ships English stop words"))
        .filter(CachedStemmer)
        .build()
}

/// Splits text into lower-case words without English stop words (no stemming): for turning a
/// question into a query.
pub fn stop_word_splitter() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(LowerCaser)
        .filter(StopWordFilter::new(Language::English).expect("tantivy ships English stop words"))
        .build()
}

/// English Snowball stemming with a per-analyzer cache.
#[derive(Clone, Copy, Debug, Default)]
pub struct CachedStemmer;

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter {
            inner: tokenizer,
            cache: StemCache::default(),
        }
    }
}

/// The tokenizer [`CachedStemmer`] wraps around another.
#[derive(Clone)]
pub struct CachedStemmerFilter<T> {
    inner: T,
    cache: StemCache,
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        if self.cache.table.len() > STEM_CACHE_ENTRIES {
            self.cache.table.clear();
        }
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            cache: &mut self.cache,
        }
    }
}

/// Longest word the stem cache holds. Its entries keep the word and its stem inline, so a
/// lookup compares bytes in the table itself instead of following a pointer per probe (on a
/// catalogue the lookups were a sixth of indexing time); longer words, rare in English, are
/// stemmed every time.
const CACHED_WORD_BYTES: usize = 16;

/// A word and its stem, both at most [`CACHED_WORD_BYTES`] long.
#[derive(Clone, Copy)]
struct StemEntry {
    word: [u8; CACHED_WORD_BYTES],
    stem: [u8; CACHED_WORD_BYTES],
    word_len: u8,
    stem_len: u8,
}

impl StemEntry {
    const EMPTY: StemEntry = StemEntry {
        word: [0; CACHED_WORD_BYTES],
        stem: [0; CACHED_WORD_BYTES],
        word_len: 0,
        stem_len: 0,
    };

    fn word(&self) -> &[u8] {
        &self.word[..usize::from(self.word_len)]
    }

    fn stem(&self) -> &str {
        // Built from a `&str` cut at its end, so always UTF-8; checked rather than trusted.
        std::str::from_utf8(&self.stem[..usize::from(self.stem_len)]).unwrap_or_default()
    }
}

/// Slots of the small direct-mapped cache in front of the table: the most frequent words of a
/// text fit in it, and at 34 bytes a slot it stays in the processor's own cache, where the large
/// table's probes go to memory.
const RECENT_SLOTS: usize = 2048;

/// The stems an analyzer has computed, and the stemmer (made on first need).
#[derive(Clone, Default)]
struct StemCache {
    table: hashbrown::HashTable<StemEntry>,
    recent: Vec<StemEntry>,
    stemmer: Option<frostem::Stemmer>,
}

impl StemCache {
    fn hash(word: &[u8]) -> u64 {
        use std::hash::{BuildHasher, BuildHasherDefault};
        BuildHasherDefault::<rustc_hash::FxHasher>::default().hash_one(word)
    }

    /// Replaces `word` by its stem.
    fn stem(&mut self, word: &mut String) {
        let bytes = word.as_bytes();
        let cacheable = bytes.len() <= CACHED_WORD_BYTES;
        let hash = Self::hash(bytes);
        if cacheable {
            // The small table in front pays once the text is long: an analyzer made for one
            // query or one hit's highlights never fills it, and each set up its 70 KB anyway
            // (`reel serve` under bench/serve_load.py, interleaved: 1,353 and 1,335 req/s
            // before, 1,359 and 1,432 after).
            if self.recent.is_empty() && self.table.len() >= RECENT_SLOTS / 4 {
                self.recent = vec![StemEntry::EMPTY; RECENT_SLOTS];
            }
            let slot = hash as usize % RECENT_SLOTS;
            if let Some(recent) = self.recent.get(slot) {
                if recent.word_len > 0 && recent.word() == bytes {
                    let stem = recent.stem();
                    word.clear();
                    word.push_str(stem);
                    return;
                }
            }
            if let Some(e) = self.table.find(hash, |e| e.word() == bytes) {
                if let Some(r) = self.recent.get_mut(slot) {
                    *r = *e;
                }
                let stem = e.stem();
                word.clear();
                word.push_str(stem);
                return;
            }
        }
        let stemmer = self
            .stemmer
            .get_or_insert_with(|| frostem::Stemmer::new(frostem::Algorithm::English));
        let stem = stemmer.stem(word).into_owned();
        // A stem is never longer than its word, but only a fitting one is cached.
        if cacheable && stem.len() <= CACHED_WORD_BYTES {
            let mut e = StemEntry {
                word: [0; CACHED_WORD_BYTES],
                stem: [0; CACHED_WORD_BYTES],
                word_len: bytes.len() as u8,
                stem_len: stem.len() as u8,
            };
            e.word[..bytes.len()].copy_from_slice(bytes);
            e.stem[..stem.len()].copy_from_slice(stem.as_bytes());
            self.table.insert_unique(hash, e, |e| Self::hash(e.word()));
        }
        *word = stem;
    }
}

/// The token stream of [`CachedStemmerFilter`].
pub struct CachedStemmerStream<'a, T> {
    tail: T,
    cache: &'a mut StemCache,
}

impl<T: TokenStream> TokenStream for CachedStemmerStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        self.cache.stem(&mut self.tail.token_mut().text);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(a: &mut TextAnalyzer, text: &str) -> Vec<String> {
        let mut stream = a.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn stems_folds_and_lowercases() {
        let mut a = analyzer();
        assert_eq!(tokens(&mut a, "Courts"), tokens(&mut a, "court"));
        assert_eq!(tokens(&mut a, "Agnès"), tokens(&mut a, "agnes"));
        assert_eq!(tokens(&mut a, "HUNTINGTON"), ["huntington"]);
        assert!(tokens(&mut a, &"x".repeat(200)).is_empty());
    }

    #[test]
    fn cached_stems_are_the_stemmers_own() {
        // Short words are cached (inline, then in the recent slots), longer ones are not: every
        // path gives what the stemmer gives.
        let words = "generously courts courts courts internationalization internationalization \
                     documentaries documentaries relational relational a a";
        let stemmer = frostem::Stemmer::new(frostem::Algorithm::English);
        let want: Vec<String> = words
            .split_whitespace()
            .map(|w| stemmer.stem(w).into_owned())
            .collect();
        let mut a = analyzer();
        for _ in 0..3 {
            assert_eq!(tokens(&mut a, words), want);
        }
        assert!(want.contains(&"internation".to_string()));
    }

    #[test]
    fn the_fingerprint_is_stable_and_follows_the_stems() {
        assert_eq!(fingerprint(), fingerprint());
        assert_eq!(fingerprint().len(), 16);
        // The stems it hashes are the analyzer's own.
        let mut a = analyzer();
        assert_eq!(tokens(&mut a, "generously"), ["generous"]);
    }

    #[test]
    fn cache_gives_the_same_stems_as_tantivys_stemmer() {
        let text = "Running runners ran; the documentaries' documentary generously \
            generalized communities, communal addictions and addicted courts";
        let mut reference = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(tantivy::tokenizer::Stemmer::new(
                tantivy::tokenizer::Language::English,
            ))
            .build();
        let mut ours = analyzer();
        let expected = tokens(&mut reference, text);
        // Twice: the second pass is served from the cache.
        assert_eq!(tokens(&mut ours, text), expected);
        assert_eq!(tokens(&mut ours, text), expected);
    }
}

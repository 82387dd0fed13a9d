//! Matrix products in bfloat16 for the linear layers, on CPUs with AVX-512 BF16: the weights are
//! converted once to bf16 and laid out in panels, each row of activations is converted as it is
//! used, and `vdpbf16ps` multiplies pairs of bf16 values into f32 sums, twice the arithmetic of
//! an f32 fused multiply-add per instruction. Sums stay in f32; only the inputs are rounded (to
//! 8 bits of mantissa), which moves a sentence vector by about 1e-3 in cosine.

/// Output columns per panel: two registers of 16 lanes.
const NR: usize = 32;
/// Rows per register block: 12 rows × 2 registers = 24 accumulators.
const MR: usize = 12;
/// Rows of activations converted and kept hot at a time.
const MC: usize = 96;

/// True if this CPU runs the bf16 kernel.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bf16")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// A weight matrix `W [n, k]` (a linear layer's `out × in`) in bf16 panels of [`NR`] columns:
/// for each panel, for each pair of inputs, the 32 columns' two values side by side.
pub struct Packed {
    data: Vec<u16>,
    /// Output width.
    pub n: usize,
    /// Input width.
    pub k: usize,
}

/// The nearest bf16 of an f32 (round to nearest even), as its bits.
fn to_bf16(x: f32) -> u16 {
    let bits = x.to_bits();
    if x.is_nan() {
        return 0x7fc0;
    }
    let round = 0x7fff + ((bits >> 16) & 1);
    (bits.wrapping_add(round) >> 16) as u16
}

impl Packed {
    /// Packs `w` (`n` rows of `k`), or `None` if the shape does not fit the kernel (`n` not a
    /// multiple of 32 or `k` odd).
    pub fn new(w: &[f32], n: usize, k: usize) -> Option<Packed> {
        if !n.is_multiple_of(NR) || !k.is_multiple_of(2) || w.len() != n * k {
            return None;
        }
        let pairs = k / 2;
        let mut data = vec![0u16; n * k];
        for panel in 0..n / NR {
            let base = panel * pairs * NR * 2;
            for p in 0..pairs {
                for j in 0..NR {
                    let row = panel * NR + j;
                    let at = base + (p * NR + j) * 2;
                    data[at] = to_bf16(w[row * k + 2 * p]);
                    data[at + 1] = to_bf16(w[row * k + 2 * p + 1]);
                }
            }
        }
        Some(Packed { data, n, k })
    }

    /// `out[m, n] = a[m, k] W^T + bias`. The caller checks [`available`].
    pub fn matmul(&self, a: &[f32], m: usize, bias: &[f32], out: &mut [f32]) {
        assert!(a.len() >= m * self.k && out.len() >= m * self.n && bias.len() == self.n);
        #[cfg(target_arch = "x86_64")]
        {
            assert!(available(), "the bf16 kernel needs AVX-512 BF16");
            // SAFETY: the CPU has the features (asserted above); the sizes are checked above.
            unsafe { matmul_avx512(self, a, m, bias, out) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = (a, m, bias, out);
            unreachable!("the bf16 kernel needs AVX-512 BF16");
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bf16")]
unsafe fn matmul_avx512(w: &Packed, a: &[f32], m: usize, bias: &[f32], out: &mut [f32]) {
    let (n, k) = (w.n, w.k);
    let pairs = k / 2;
    let mut abf: Vec<u16> = vec![0; MC.min(m) * k];
    let mut row0 = 0;
    while row0 < m {
        let rows = MC.min(m - row0);
        for (dst, src) in abf[..rows * k]
            .iter_mut()
            .zip(&a[row0 * k..(row0 + rows) * k])
        {
            *dst = to_bf16(*src);
        }
        for panel in 0..n / NR {
            let wp = &w.data[panel * pairs * NR * 2..(panel + 1) * pairs * NR * 2];
            let mut r = 0;
            while r < rows {
                let block = MR.min(rows - r);
                // SAFETY: the block's rows lie within `abf` and `out`; the panel within `w`.
                unsafe {
                    kernel(
                        &abf[r * k..(r + block) * k],
                        block,
                        pairs,
                        wp,
                        &bias[panel * NR..panel * NR + NR],
                        &mut out[(row0 + r) * n + panel * NR..],
                        n,
                    );
                }
                r += block;
            }
        }
        row0 += rows;
    }
}

/// One block of up to [`MR`] rows times one panel of 32 columns, over all of `k`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bf16")]
unsafe fn kernel(
    a: &[u16],
    rows: usize,
    pairs: usize,
    panel: &[u16],
    bias: &[f32],
    out: &mut [f32],
    out_stride: usize,
) {
    use std::arch::x86_64::*;
    let k = pairs * 2;
    let mut acc = [[_mm512_setzero_ps(); 2]; MR];
    let a32 = a.as_ptr().cast::<i32>();
    let b = panel.as_ptr();
    for p in 0..pairs {
        // SAFETY: p < pairs, so 64 values from p * 64 lie within the panel.
        let (b0, b1) = unsafe {
            (
                _mm512_loadu_si512(b.add(p * 64).cast()),
                _mm512_loadu_si512(b.add(p * 64 + 32).cast()),
            )
        };
        // SAFETY: both are 512 bits of plain data; the bits are 32 bf16 values.
        let (b0, b1) = unsafe {
            (
                std::mem::transmute::<__m512i, __m512bh>(b0),
                std::mem::transmute::<__m512i, __m512bh>(b1),
            )
        };
        for (r, acc_r) in acc.iter_mut().enumerate().take(rows) {
            // SAFETY: row r < rows has k values, so the pair p lies within it.
            let pair = unsafe { a32.add((r * k) / 2 + p).read_unaligned() };
            // SAFETY: as above: the pair of bf16 values repeated in every 32-bit lane.
            let av = unsafe { std::mem::transmute::<__m512i, __m512bh>(_mm512_set1_epi32(pair)) };
            acc_r[0] = _mm512_dpbf16_ps(acc_r[0], av, b0);
            acc_r[1] = _mm512_dpbf16_ps(acc_r[1], av, b1);
        }
    }
    // SAFETY: bias has 32 values.
    let (bias0, bias1) = unsafe {
        (
            _mm512_loadu_ps(bias.as_ptr()),
            _mm512_loadu_ps(bias.as_ptr().add(16)),
        )
    };
    for (r, acc_r) in acc.iter().enumerate().take(rows) {
        let o = out[r * out_stride..].as_mut_ptr();
        // SAFETY: row r of the output has at least 32 values from the panel's column.
        unsafe {
            _mm512_storeu_ps(o, _mm512_add_ps(acc_r[0], bias0));
            _mm512_storeu_ps(o.add(16), _mm512_add_ps(acc_r[1], bias1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bf16_rounds_to_nearest() {
        assert_eq!(to_bf16(1.0), 0x3f80);
        assert_eq!(to_bf16(-2.0), 0xc000);
        // 1 + 2^-8 is halfway between 1 and the next bf16: ties go to even (1).
        assert_eq!(to_bf16(1.0 + 1.0 / 256.0), 0x3f80);
        assert_eq!(to_bf16(1.0 + 3.0 / 256.0), 0x3f82);
    }

    #[test]
    fn the_product_matches_f32_to_bf16_precision() {
        if !available() {
            crate::embed::skipped("bf16 kernel", "this CPU has no AVX-512 BF16");
            return;
        }
        let (m, n, k) = (29, 64, 38);
        let a: Vec<f32> = (0..m * k)
            .map(|i| ((i * 37 % 23) as f32 - 11.0) / 7.0)
            .collect();
        let w: Vec<f32> = (0..n * k)
            .map(|i| ((i * 53 % 29) as f32 - 14.0) / 9.0)
            .collect();
        let bias: Vec<f32> = (0..n).map(|j| j as f32 / 10.0).collect();
        let packed = Packed::new(&w, n, k).unwrap();
        let mut out = vec![0f32; m * n];
        packed.matmul(&a, m, &bias, &mut out);
        for i in 0..m {
            for j in 0..n {
                let want: f32 = (0..k).map(|x| a[i * k + x] * w[j * k + x]).sum::<f32>() + bias[j];
                let got = out[i * n + j];
                assert!(
                    (got - want).abs() < 0.05 + want.abs() * 0.01,
                    "{i},{j}: {got} vs {want}"
                );
            }
        }
        assert!(Packed::new(&w, 33, 38).is_none());
    }
}

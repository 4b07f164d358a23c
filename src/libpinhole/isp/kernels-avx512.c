/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AVX-512 kernels (F, BW, VL, VBMI), bit-exact with the scalar reference
 * (kernels-scalar.c; the arithmetic is in kernels.h). Every function
 * carries the target attribute so the rest of the library keeps the
 * baseline ISA; isp.c only picks these kernels when the CPU runs them.
 * What AVX-512 does not speed up stays with the AVX2 kernels: on CPUs that
 * split 512-bit operations in two (AMD Zen 4), plain arithmetic gains
 * little, while the two-register permutes (vpermi2w, vpermt2b) replace
 * the gathers and shuffle chains of the table lookups and interleaves.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "isp/isp.h"
#include "isp/kernels.h"

#if defined(__x86_64__)

#include <immintrin.h>

#define AVX512 __attribute__((target("avx2,avx512f,avx512bw,avx512vl,avx512vbmi")))

#define SC ph_isp_kernels_scalar

/* Lanes 0 .. n-1 of a 32-lane mask (n <= 32). */
static inline __mmask32 lanes32(unsigned n)
{
	return (__mmask32)(n >= 32 ? 0xffffffffu : (1u << n) - 1);
}

static inline __mmask64 lanes64(unsigned n)
{
	return n >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << n) - 1;
}

/* ---- unpacking ---------------------------------------------------------------------------- */

/*
 * CSI-2 packed: 32 pixels per step from exactly the bytes they occupy
 * (masked load, nothing read past the line). vpermb puts each pixel's high
 * byte and the byte holding its low bits into the low byte of its 16-bit
 * lane (the high byte zeroed by the mask); a per-lane shift picks the bits.
 */
AVX512 static inline __m512i unpack_step(__m512i v, __m512i idx_h, __m512i idx_l, __m512i lshift,
					 unsigned bits)
{
	const __mmask64 even = 0x5555555555555555ull;
	__m512i h = _mm512_maskz_permutexvar_epi8(even, idx_h, v);
	__m512i l = _mm512_srlv_epi16(_mm512_maskz_permutexvar_epi8(even, idx_l, v), lshift);

	return _mm512_or_si512(_mm512_slli_epi16(h, bits),
			       _mm512_and_si512(l, _mm512_set1_epi16((short)((1 << bits) - 1))));
}

AVX512 static void unpack_10p(const uint8_t *line, unsigned x0, unsigned n, unsigned depth,
			      uint16_t *dst)
{
	uint8_t ih[64], il[64];
	uint16_t sh[32];
	unsigned i = (4 - x0 % 4) % 4;

	for (unsigned j = 0; j < 32; j++) {
		ih[2 * j] = (uint8_t)(j / 4 * 5 + j % 4);
		il[2 * j] = (uint8_t)(j / 4 * 5 + 4);
		ih[2 * j + 1] = il[2 * j + 1] = 0;
		sh[j] = (uint16_t)(2 * (j % 4));
	}
	const __m512i idx_h = _mm512_loadu_si512(ih), idx_l = _mm512_loadu_si512(il);
	const __m512i lshift = _mm512_loadu_si512(sh);

	if (i > n)
		i = n;
	if (i)
		SC.unpack[PH_ISP_UNPACK_10P](line, x0, i, depth, dst);
	const uint8_t *s = line + (x0 + i) / 4 * 5;

	for (; i + 32 <= n; i += 32, s += 40) {
		__m512i v = _mm512_maskz_loadu_epi8(lanes64(40), s);

		_mm512_storeu_si512(dst + i, unpack_step(v, idx_h, idx_l, lshift, 2));
	}
	if (i < n)
		SC.unpack[PH_ISP_UNPACK_10P](line, x0 + i, n - i, depth, dst + i);
}

AVX512 static void unpack_12p(const uint8_t *line, unsigned x0, unsigned n, unsigned depth,
			      uint16_t *dst)
{
	uint8_t ih[64], il[64];
	uint16_t sh[32];
	unsigned i = x0 % 2;

	for (unsigned j = 0; j < 32; j++) {
		ih[2 * j] = (uint8_t)(j / 2 * 3 + j % 2);
		il[2 * j] = (uint8_t)(j / 2 * 3 + 2);
		ih[2 * j + 1] = il[2 * j + 1] = 0;
		sh[j] = (uint16_t)(4 * (j % 2));
	}
	const __m512i idx_h = _mm512_loadu_si512(ih), idx_l = _mm512_loadu_si512(il);
	const __m512i lshift = _mm512_loadu_si512(sh);

	if (i > n)
		i = n;
	if (i)
		SC.unpack[PH_ISP_UNPACK_12P](line, x0, i, depth, dst);
	const uint8_t *s = line + (x0 + i) / 2 * 3;

	for (; i + 32 <= n; i += 32, s += 48) {
		__m512i v = _mm512_maskz_loadu_epi8(lanes64(48), s);

		_mm512_storeu_si512(dst + i, unpack_step(v, idx_h, idx_l, lshift, 4));
	}
	if (i < n)
		SC.unpack[PH_ISP_UNPACK_12P](line, x0 + i, n - i, depth, dst + i);
}

/* ---- black level and gains ---------------------------------------------------------------- */

/* 32 samples: min((sat(raw << shift - black) * gain + round) >> k, WMAX), exact in 32 bits. */
AVX512 static inline __m512i lin32(const struct ph_isp_lin *lin, __m512i raw, __m512i black,
				   __m512i gain)
{
	__m512i v = _mm512_subs_epu16(_mm512_sll_epi16(raw, _mm_cvtsi32_si128(lin->shift)), black);
	__m512i lo = _mm512_mullo_epi16(v, gain), hi = _mm512_mulhi_epu16(v, gain);
	__m512i p0 = _mm512_unpacklo_epi16(lo, hi), p1 = _mm512_unpackhi_epi16(lo, hi);
	__m512i round = _mm512_set1_epi32(1 << (lin->gain_shift - 1));
	__m128i k = _mm_cvtsi32_si128(lin->gain_shift);

	p0 = _mm512_srl_epi32(_mm512_add_epi32(p0, round), k);
	p1 = _mm512_srl_epi32(_mm512_add_epi32(p1, round), k);
	return _mm512_min_epu16(_mm512_packus_epi32(p0, p1), _mm512_set1_epi16(PH_ISP_WMAX));
}

AVX512 static void linearise(const uint16_t *raw, unsigned n, const struct ph_isp_lin *lin,
			     uint16_t *dst)
{
	const __m512i black =
		_mm512_set1_epi32((int)(lin->black[0] | (uint32_t)lin->black[1] << 16));
	const __m512i gain = _mm512_set1_epi32((int)(lin->gain[0] | (uint32_t)lin->gain[1] << 16));

	for (unsigned i = 0; i < n; i += 32) {
		__mmask32 m = lanes32(n - i);

		_mm512_mask_storeu_epi16(
			dst + i, m, lin32(lin, _mm512_maskz_loadu_epi16(m, raw + i), black, gain));
	}
}

AVX512 static void linearise_lsc(const uint16_t *raw, unsigned n, const struct ph_isp_lin *lin,
				 const uint16_t *gains, uint16_t *dst)
{
	const __m512i black =
		_mm512_set1_epi32((int)(lin->black[0] | (uint32_t)lin->black[1] << 16));

	for (unsigned i = 0; i < n; i += 32) {
		__mmask32 m = lanes32(n - i);

		_mm512_mask_storeu_epi16(dst + i, m,
					 lin32(lin, _mm512_maskz_loadu_epi16(m, raw + i), black,
					       _mm512_maskz_loadu_epi16(m, gains + i)));
	}
}

/* ---- statistics --------------------------------------------------------------------------- */

/* Add the 16 32-bit lanes of each accumulator to zone @z and clear them. */
AVX512 static inline void stats_flush(struct ph_isp_zone *z, __m512i acc[3])
{
	uint64_t *sum[3] = {&z->sum_r, &z->sum_g, &z->sum_b};

	for (unsigned c = 0; c < 3; c++) {
		__m512i w = _mm512_add_epi64(
			_mm512_cvtepu32_epi64(_mm512_castsi512_si256(acc[c])),
			_mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(acc[c], 1)));

		*sum[c] += (uint64_t)_mm512_reduce_add_epi64(w);
		acc[c] = _mm512_setzero_si512();
	}
}

/*
 * 16 quads per step in 32-bit lanes, as the AVX2 kernel. The histogram
 * bin needs no 64-bit product: with T the least Y whose bin is 255,
 * Y * hist_scale < 255 << 16 below T and fits 32 bits.
 */
AVX512 static unsigned stats(const uint16_t *raw0, const uint16_t *raw1,
			     const struct ph_isp_stats_row *p, struct ph_isp_zone *zones,
			     uint32_t *hist)
{
	const __m128i shift = _mm_cvtsi32_si128(p->shift);
	const __m512i black01 = _mm512_set1_epi32((int)(p->black[0] | (uint32_t)p->black[1] << 16));
	const __m512i black23 = _mm512_set1_epi32((int)(p->black[2] | (uint32_t)p->black[3] << 16));
	const __m512i white = _mm512_set1_epi16((short)p->white);
	const __m512i lo16 = _mm512_set1_epi32(0xffff), one = _mm512_set1_epi32(1);
	const __m512i two = _mm512_set1_epi32(2), r512 = _mm512_set1_epi32(512);
	const __m512i k_r = _mm512_set1_epi32(306), k_g = _mm512_set1_epi32(601);
	const __m512i k_b = _mm512_set1_epi32(117), scale = _mm512_set1_epi32((int)p->hist_scale);
	const uint64_t top =
		p->hist_scale ? ((255ull << 16) + p->hist_scale - 1) / p->hist_scale : 1ull << 17;
	const __m512i ymax = _mm512_set1_epi32((int)(top < (1u << 17) ? top : 1u << 17));
	const __m512i c255 = _mm512_set1_epi32(255);
	const unsigned sr = p->site_r, n = p->quads;
	__m512i acc[3] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
	unsigned q = 0, cur = 0, runs = 0;
	uint32_t counted = 0, saturated = 0;

	if (p->step != 1)
		return SC.stats(raw0, raw1, p, zones, hist);
	for (; q + 16 <= n; q += 16) {
		__m512i a = _mm512_sll_epi16(_mm512_loadu_si512(raw0 + 2 * q), shift);
		__m512i b = _mm512_sll_epi16(_mm512_loadu_si512(raw1 + 2 * q), shift);
		/* A quad is counted when neither 16-bit half of its lane saturates. */
		__m512i sat =
			_mm512_movm_epi16(_mm512_cmpge_epu16_mask(_mm512_max_epu16(a, b), white));
		__mmask16 ok = _mm512_testn_epi32_mask(sat, sat);
		__m512i va = _mm512_subs_epu16(a, black01), vb = _mm512_subs_epu16(b, black23);
		__m512i v[4] = {_mm512_and_si512(va, lo16), _mm512_srli_epi32(va, 16),
				_mm512_and_si512(vb, lo16), _mm512_srli_epi32(vb, 16)};
		__m512i r, g, bl;

		if (p->mono) {
			r = _mm512_add_epi32(_mm512_add_epi32(v[0], v[1]),
					     _mm512_add_epi32(v[2], v[3]));
			r = g = bl = _mm512_srli_epi32(_mm512_add_epi32(r, two), 2);
		} else {
			r = v[sr];
			bl = v[3 - sr];
			g = _mm512_srli_epi32(
				_mm512_add_epi32(_mm512_add_epi32(v[1 ^ sr], v[2 ^ sr]), one), 1);
		}
		__m512i y = _mm512_add_epi32(
			_mm512_add_epi32(_mm512_mullo_epi32(r, k_r), _mm512_mullo_epi32(g, k_g)),
			_mm512_add_epi32(_mm512_mullo_epi32(bl, k_b), r512));

		y = _mm512_srli_epi32(y, 10);
		__mmask16 full = _mm512_cmpge_epu32_mask(y, ymax);
		__m512i bin = _mm512_mask_blend_epi32(
			full, _mm512_srli_epi32(_mm512_mullo_epi32(y, scale), 16), c255);
		/* Bins fit bytes: through two registers, not memory (a 64-byte store does not
		 * forward to narrow loads on every CPU). */
		__m128i b8 = _mm512_cvtepi32_epi8(bin);
		uint64_t lo = (uint64_t)_mm_cvtsi128_si64(b8),
			 hi = (uint64_t)_mm_extract_epi64(b8, 1);

		for (unsigned i = 0; i < 8; i++) {
			hist[(lo >> (8 * i)) & 0xff]++;
			hist[(hi >> (8 * i)) & 0xff]++;
		}

		/* Lanes by zone (one or two runs when the table is monotone, as isp.c makes it). */
		__m128i zq = _mm_loadu_si128((const __m128i *)(p->zone + q));
		unsigned rem = 0xffff;

		while (rem) {
			unsigned z = p->zone[q + (unsigned)__builtin_ctz(rem)];
			__mmask16 in =
				(__mmask16)(_mm_cmpeq_epi8_mask(zq, _mm_set1_epi8((char)z)) & rem);
			__mmask16 okz = in & ok;

			rem &= ~(unsigned)in;
			if (z != cur || runs == 16384) { /* lanes stay below 2^31 */
				stats_flush(&zones[cur], acc);
				zones[cur].counted += counted;
				zones[cur].saturated += saturated;
				counted = saturated = runs = 0;
				cur = z;
			}
			acc[0] = _mm512_mask_add_epi32(acc[0], okz, acc[0], r);
			acc[1] = _mm512_mask_add_epi32(acc[1], okz, acc[1], g);
			acc[2] = _mm512_mask_add_epi32(acc[2], okz, acc[2], bl);
			counted += (unsigned)__builtin_popcount(okz);
			saturated += (unsigned)__builtin_popcount(in & ~okz);
			runs++;
		}
	}
	stats_flush(&zones[cur], acc);
	zones[cur].counted += counted;
	zones[cur].saturated += saturated;
	if (q < n) {
		struct ph_isp_stats_row t = *p;

		t.quads = n - q;
		t.zone = p->zone + q;
		SC.stats(raw0 + 2 * q, raw1 + 2 * q, &t, zones, hist);
	}
	return n;
}

/* ---- tone --------------------------------------------------------------------------------- */

/* One of the 128 16-bit entries @t0..@t3 per lane of @i (0..127): two vpermi2w and a blend. */
AVX512 static inline __m512i lookup128(const __m512i t[4], __m512i i)
{
	__mmask32 up = _mm512_test_epi16_mask(i, _mm512_set1_epi16(64));

	return _mm512_mask_blend_epi16(up, _mm512_permutex2var_epi16(t[0], i, t[1]),
				       _mm512_permutex2var_epi16(t[2], i, t[3]));
}

/* The 8-bit tone curve (kernels.h) of 32 working values, as 32 16-bit lanes. */
AVX512 static inline __m512i tone8_32(const __m512i k[4], const __m512i d[4], __m512i x)
{
	__mmask32 coarse = _mm512_cmpge_epu16_mask(x, _mm512_set1_epi16(PH_ISP_TONE_SPLIT));
	__m512i i = _mm512_mask_blend_epi16(
		coarse, _mm512_srli_epi16(x, 4),
		_mm512_add_epi16(_mm512_srli_epi16(x, 8), _mm512_set1_epi16(60)));
	__m512i f = _mm512_mask_blend_epi16(coarse, _mm512_srli_epi16(_mm512_slli_epi16(x, 12), 1),
					    _mm512_srli_epi16(_mm512_slli_epi16(x, 8), 1));
	__m512i v = _mm512_add_epi16(lookup128(k, i), _mm512_mulhrs_epi16(lookup128(d, i), f));

	return _mm512_srli_epi16(_mm512_add_epi16(v, _mm512_set1_epi16(64)), 7);
}

AVX512 static inline void tone8_load(const struct ph_isp_tone8 *t, __m512i k[4], __m512i d[4])
{
	for (unsigned j = 0; j < 4; j++) {
		k[j] = _mm512_loadu_si512(t->k + 32 * j);
		d[j] = _mm512_loadu_si512(t->d + 32 * j);
	}
}

AVX512 static void tone8(const uint16_t *src, unsigned n, const struct ph_isp_tone8 *t,
			 uint8_t *dst)
{
	__m512i k[4], d[4];
	unsigned i = 0;

	tone8_load(t, k, d);
	for (; i + 32 <= n; i += 32) {
		__m512i v = tone8_32(k, d, _mm512_loadu_si512(src + i));

		_mm256_storeu_si256((__m256i *)(dst + i), _mm512_cvtepi16_epi8(v));
	}
	if (i < n) { /* the tail under a mask: loads and stores touch nothing past n */
		__mmask32 m = (__mmask32)((1ull << (n - i)) - 1);
		__m512i v = tone8_32(k, d, _mm512_maskz_loadu_epi16(m, src + i));

		_mm512_mask_cvtepi16_storeu_epi8(dst + i, m, v);
	}
}

/* ---- colour ------------------------------------------------------------------------------- */

/*
 * 32 int16 results of the colour matrix row (k01, k2, off) on 16-bit
 * x, y, z, clamped to 0..WMAX: exact, the sums fit int32 (kernels.h).
 */
AVX512 static inline __m512i ccm_row(__m512i xy_lo, __m512i xy_hi, __m512i z_lo, __m512i z_hi,
				     __m512i k01, __m512i k2, __m512i off)
{
	__m512i s0 = _mm512_add_epi32(_mm512_madd_epi16(xy_lo, k01), _mm512_madd_epi16(z_lo, k2));
	__m512i s1 = _mm512_add_epi32(_mm512_madd_epi16(xy_hi, k01), _mm512_madd_epi16(z_hi, k2));

	s0 = _mm512_srai_epi32(_mm512_add_epi32(s0, off), PH_ISP_CCM_SHIFT);
	s1 = _mm512_srai_epi32(_mm512_add_epi32(s1, off), PH_ISP_CCM_SHIFT);
	return _mm512_min_epi16(
		_mm512_max_epi16(_mm512_packs_epi32(s0, s1), _mm512_setzero_si512()),
		_mm512_set1_epi16(PH_ISP_WMAX));
}

AVX512 static inline __m512i pair16x(int a, int b)
{
	return _mm512_set1_epi32((int)((uint32_t)(uint16_t)a | (uint32_t)(uint16_t)b << 16));
}

/* Colour matrix and 8-bit tone, 32 pixels per step, the tail under a mask. */
AVX512 static void ccm_tone8(const uint16_t *r, const uint16_t *g, const uint16_t *b, unsigned n,
			     const struct ph_isp_ccm *mat, const struct ph_isp_tone8 *t,
			     uint8_t *ro, uint8_t *go, uint8_t *bo)
{
	static const struct ph_isp_ccm unit = {{1 << PH_ISP_CCM_SHIFT, 0, 0, 0,
						1 << PH_ISP_CCM_SHIFT, 0, 0, 0,
						1 << PH_ISP_CCM_SHIFT},
					       {0, 0, 0}};
	const struct ph_isp_ccm *c = mat ? mat : &unit;
	const int half = 1 << (PH_ISP_CCM_SHIFT - 1);
	__m512i k01[3], k2[3], off[3], tk[4], td[4];
	uint8_t *const out[3] = {ro, go, bo};

	for (unsigned i = 0; i < 3; i++) {
		k01[i] = pair16x(c->m[3 * i], c->m[3 * i + 1]);
		k2[i] = pair16x(c->m[3 * i + 2], 0);
		off[i] = _mm512_set1_epi32(c->offset[i] + half);
	}
	tone8_load(t, tk, td);
	for (unsigned x = 0; x < n; x += 32) {
		__mmask32 m = lanes32(n - x);
		__m512i v[3] = {_mm512_maskz_loadu_epi16(m, r + x),
				_mm512_maskz_loadu_epi16(m, g + x),
				_mm512_maskz_loadu_epi16(m, b + x)};

		if (mat) {
			__m512i zero = _mm512_setzero_si512();
			__m512i xy_lo = _mm512_unpacklo_epi16(v[0], v[1]);
			__m512i xy_hi = _mm512_unpackhi_epi16(v[0], v[1]);
			__m512i z_lo = _mm512_unpacklo_epi16(v[2], zero);
			__m512i z_hi = _mm512_unpackhi_epi16(v[2], zero);

			for (unsigned i = 0; i < 3; i++)
				v[i] = ccm_row(xy_lo, xy_hi, z_lo, z_hi, k01[i], k2[i], off[i]);
		}
		for (unsigned i = 0; i < 3; i++)
			_mm512_mask_cvtepi16_storeu_epi8(out[i] + x, m, tone8_32(tk, td, v[i]));
	}
}

void ph_isp_kernels_avx512(struct ph_isp_kernels *k)
{
	ph_isp_kernels_avx2(k); /* what has no AVX-512 kernel stays AVX2 */
	k->name = "avx512";
	k->unpack[PH_ISP_UNPACK_10P] = unpack_10p;
	k->unpack[PH_ISP_UNPACK_12P] = unpack_12p;
	k->linearise = linearise;
	k->linearise_lsc = linearise_lsc;
	k->stats = stats;
	k->tone8 = tone8;
	k->ccm_tone8 = ccm_tone8;
}

#else
typedef int ph_isp_kernels_avx512_unused; /* not an empty translation unit */
#endif

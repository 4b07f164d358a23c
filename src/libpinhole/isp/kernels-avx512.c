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
#include <stdbool.h>
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

/* The 8-bit tone curve's tables, in registers. */
struct tone_regs {
	__m512i k0, k1, k2, k3, d0, d1, d2, d3;
};

AVX512 static inline struct tone_regs tone8_load(const struct ph_isp_tone8 *t)
{
	struct tone_regs r;

	r.k0 = _mm512_loadu_si512(t->k);
	r.k1 = _mm512_loadu_si512(t->k + 32);
	r.k2 = _mm512_loadu_si512(t->k + 64);
	r.k3 = _mm512_loadu_si512(t->k + 96);
	r.d0 = _mm512_loadu_si512(t->d);
	r.d1 = _mm512_loadu_si512(t->d + 32);
	r.d2 = _mm512_loadu_si512(t->d + 64);
	r.d3 = _mm512_loadu_si512(t->d + 96);
	return r;
}

/*
 * The 8-bit tone curve (kernels.h) of 32 working values, as 32 16-bit
 * lanes: the segment's k and d each by two vpermi2w over 64 entries and a
 * blend on the index's bit 6.
 */
AVX512 static inline __attribute__((always_inline)) __m512i tone8_32(const struct tone_regs *t,
								     __m512i x)
{
	/*
	 * In u = min(16 x, x + 15360) every segment is 256 wide: i = u >> 8 and
	 * t = (u & 255) << 7, as kernels.h defines them (16 x is taken of
	 * min(x, 2047), which is large enough above 1024 and fits 16 bits).
	 */
	__m512i u =
		_mm512_min_epu16(_mm512_slli_epi16(_mm512_min_epu16(x, _mm512_set1_epi16(2047)), 4),
				 _mm512_add_epi16(x, _mm512_set1_epi16(15360)));
	__m512i i = _mm512_srli_epi16(u, 8);
	__m512i f = _mm512_srli_epi16(_mm512_slli_epi16(u, 8), 1);
	__mmask32 up = _mm512_test_epi16_mask(i, _mm512_set1_epi16(64));
	__m512i k = _mm512_mask_blend_epi16(up, _mm512_permutex2var_epi16(t->k0, i, t->k1),
					    _mm512_permutex2var_epi16(t->k2, i, t->k3));
	__m512i d = _mm512_mask_blend_epi16(up, _mm512_permutex2var_epi16(t->d0, i, t->d1),
					    _mm512_permutex2var_epi16(t->d2, i, t->d3));
	__m512i v = _mm512_add_epi16(k, _mm512_mulhrs_epi16(d, f));

	return _mm512_srli_epi16(_mm512_add_epi16(v, _mm512_set1_epi16(64)), 7);
}

AVX512 static void tone8(const uint16_t *src, unsigned n, const struct ph_isp_tone8 *t,
			 uint8_t *dst)
{
	const struct tone_regs tr = tone8_load(t);

	for (unsigned i = 0; i < n; i += 32) { /* the tail under a mask: nothing past n */
		__mmask32 m = lanes32(n - i);

		_mm512_mask_cvtepi16_storeu_epi8(
			dst + i, m, tone8_32(&tr, _mm512_maskz_loadu_epi16(m, src + i)));
	}
}

/* ---- colour ------------------------------------------------------------------------------- */

/*
 * 32 int16 results of the colour matrix row (k01, k2, off) on 16-bit
 * x, y, z, clamped to 0..WMAX: exact, the sums fit int32 (kernels.h).
 */
AVX512 static inline __attribute__((always_inline)) __m512i ccm_row(__m512i xy_lo, __m512i xy_hi,
								    __m512i z_lo, __m512i z_hi,
								    __m512i k01, __m512i k2,
								    __m512i off)
{
	__m512i s0 = _mm512_add_epi32(_mm512_madd_epi16(xy_lo, k01), _mm512_madd_epi16(z_lo, k2));
	__m512i s1 = _mm512_add_epi32(_mm512_madd_epi16(xy_hi, k01), _mm512_madd_epi16(z_hi, k2));

	s0 = _mm512_srai_epi32(_mm512_add_epi32(s0, off), PH_ISP_CCM_SHIFT);
	s1 = _mm512_srai_epi32(_mm512_add_epi32(s1, off), PH_ISP_CCM_SHIFT);
	return _mm512_min_epu16(_mm512_packus_epi32(s0, s1), _mm512_set1_epi16(PH_ISP_WMAX));
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
	const struct tone_regs tr = tone8_load(t);
	const int half = 1 << (PH_ISP_CCM_SHIFT - 1);

	if (!mat) {
		for (unsigned x = 0; x < n; x += 32) {
			__mmask32 m = lanes32(n - x);

			_mm512_mask_cvtepi16_storeu_epi8(
				ro + x, m, tone8_32(&tr, _mm512_maskz_loadu_epi16(m, r + x)));
			_mm512_mask_cvtepi16_storeu_epi8(
				go + x, m, tone8_32(&tr, _mm512_maskz_loadu_epi16(m, g + x)));
			_mm512_mask_cvtepi16_storeu_epi8(
				bo + x, m, tone8_32(&tr, _mm512_maskz_loadu_epi16(m, b + x)));
		}
		return;
	}
	const __m512i k01r = pair16x(mat->m[0], mat->m[1]), k2r = pair16x(mat->m[2], 0);
	const __m512i k01g = pair16x(mat->m[3], mat->m[4]), k2g = pair16x(mat->m[5], 0);
	const __m512i k01b = pair16x(mat->m[6], mat->m[7]), k2b = pair16x(mat->m[8], 0);
	const __m512i offr = _mm512_set1_epi32(mat->offset[0] + half);
	const __m512i offg = _mm512_set1_epi32(mat->offset[1] + half);
	const __m512i offb = _mm512_set1_epi32(mat->offset[2] + half);

	for (unsigned x = 0; x < n; x += 32) {
		__mmask32 m = lanes32(n - x);
		__m512i vr = _mm512_maskz_loadu_epi16(m, r + x),
			vg = _mm512_maskz_loadu_epi16(m, g + x);
		__m512i vb = _mm512_maskz_loadu_epi16(m, b + x), zero = _mm512_setzero_si512();
		__m512i xy_lo = _mm512_unpacklo_epi16(vr, vg),
			xy_hi = _mm512_unpackhi_epi16(vr, vg);
		__m512i z_lo = _mm512_unpacklo_epi16(vb, zero),
			z_hi = _mm512_unpackhi_epi16(vb, zero);

		_mm512_mask_cvtepi16_storeu_epi8(
			ro + x, m,
			tone8_32(&tr, ccm_row(xy_lo, xy_hi, z_lo, z_hi, k01r, k2r, offr)));
		_mm512_mask_cvtepi16_storeu_epi8(
			go + x, m,
			tone8_32(&tr, ccm_row(xy_lo, xy_hi, z_lo, z_hi, k01g, k2g, offg)));
		_mm512_mask_cvtepi16_storeu_epi8(
			bo + x, m,
			tone8_32(&tr, ccm_row(xy_lo, xy_hi, z_lo, z_hi, k01b, k2b, offb)));
	}
}

/* ---- output packing ----------------------------------------------------------------------- */

/* Byte j of output chunk c is pixel (64 c + j) / 3, channel (64 c + j) % 3 (0, 1: vpermt2b; 2:
 * vpermb). */
static const uint8_t pack3_i01[3][64] __attribute__((aligned(64))) = {
	{0,  64, 0,  1,	 65, 1,	 2,  66, 2,  3,	 67, 3,	 4,  68, 4,  5,	 69, 5,	 6,  70, 6,  7,
	 71, 7,	 8,  72, 8,  9,	 73, 9,	 10, 74, 10, 11, 75, 11, 12, 76, 12, 13, 77, 13, 14, 78,
	 14, 15, 79, 15, 16, 80, 16, 17, 81, 17, 18, 82, 18, 19, 83, 19, 20, 84, 20, 21},
	{85,  21, 22, 86,  22, 23, 87,	23, 24, 88,  24, 25, 89,  25,  26, 90,
	 26,  27, 91, 27,  28, 92, 28,	29, 93, 29,  30, 94, 30,  31,  95, 31,
	 32,  96, 32, 33,  97, 33, 34,	98, 34, 35,  99, 35, 36,  100, 36, 37,
	 101, 37, 38, 102, 38, 39, 103, 39, 40, 104, 40, 41, 105, 41,  42, 106},
	{42,  43,  107, 43,  44,  108, 44,  45,	 109, 45,  46,	110, 46,  47,  111, 47,
	 48,  112, 48,	49,  113, 49,  50,  114, 50,  51,  115, 51,  52,  116, 52,  53,
	 117, 53,  54,	118, 54,  55,  119, 55,	 56,  120, 56,	57,  121, 57,  58,  122,
	 58,  59,  123, 59,  60,  124, 60,  61,	 125, 61,  62,	126, 62,  63,  127, 63}};
static const uint8_t pack3_i2[3][64] __attribute__((aligned(64))) = {
	{0,  0,	 0,  1,	 1,  1,	 2,  2,	 2,  3,	 3,  3,	 4,  4,	 4,  5,	 5,  5,	 6,  6,	 6,  7,
	 7,  7,	 8,  8,	 8,  9,	 9,  9,	 10, 10, 10, 11, 11, 11, 12, 12, 12, 13, 13, 13, 14, 14,
	 14, 15, 15, 15, 16, 16, 16, 17, 17, 17, 18, 18, 18, 19, 19, 19, 20, 20, 20, 21},
	{21, 21, 22, 22, 22, 23, 23, 23, 24, 24, 24, 25, 25, 25, 26, 26, 26, 27, 27, 27, 28, 28,
	 28, 29, 29, 29, 30, 30, 30, 31, 31, 31, 32, 32, 32, 33, 33, 33, 34, 34, 34, 35, 35, 35,
	 36, 36, 36, 37, 37, 37, 38, 38, 38, 39, 39, 39, 40, 40, 40, 41, 41, 41, 42, 42},
	{42, 43, 43, 43, 44, 44, 44, 45, 45, 45, 46, 46, 46, 47, 47, 47, 48, 48, 48, 49, 49, 49,
	 50, 50, 50, 51, 51, 51, 52, 52, 52, 53, 53, 53, 54, 54, 54, 55, 55, 55, 56, 56, 56, 57,
	 57, 57, 58, 58, 58, 59, 59, 59, 60, 60, 60, 61, 61, 61, 62, 62, 62, 63, 63, 63}};
static const uint64_t pack3_m2[3] = {0x4924924924924924ull, 0x2492492492492492ull,
				     0x9249249249249249ull};

/*
 * 64 pixels of three byte rows to 192 interleaved bytes: each 64-byte
 * chunk takes its first and second channel's bytes with one vpermt2b over
 * (c0, c1) and the third's with a masked vpermb.
 */
AVX512 static void
pack3(const uint8_t *c0, const uint8_t *c1, const uint8_t *c2, unsigned n, uint8_t *dst,
      void (*tail)(const uint8_t *, const uint8_t *, const uint8_t *, unsigned, uint8_t *),
      bool swap)
{
	const __mmask64 m2[3] = {pack3_m2[0], pack3_m2[1], pack3_m2[2]};
	unsigned x = 0;

	const __m512i a0 = _mm512_load_si512(pack3_i01[0]), a1 = _mm512_load_si512(pack3_i01[1]);
	const __m512i a2 = _mm512_load_si512(pack3_i01[2]), b0 = _mm512_load_si512(pack3_i2[0]);
	const __m512i b1 = _mm512_load_si512(pack3_i2[1]), b2 = _mm512_load_si512(pack3_i2[2]);

	for (; x + 64 <= n; x += 64) {
		__m512i v0 = _mm512_loadu_si512(c0 + x), v1 = _mm512_loadu_si512(c1 + x);
		__m512i v2 = _mm512_loadu_si512(c2 + x);
		uint8_t *d = dst + 3 * (size_t)x;

		_mm512_storeu_si512(
			d, _mm512_mask_permutexvar_epi8(_mm512_permutex2var_epi8(v0, a0, v1), m2[0],
							b0, v2));
		_mm512_storeu_si512(
			d + 64, _mm512_mask_permutexvar_epi8(_mm512_permutex2var_epi8(v0, a1, v1),
							     m2[1], b1, v2));
		_mm512_storeu_si512(
			d + 128, _mm512_mask_permutexvar_epi8(_mm512_permutex2var_epi8(v0, a2, v1),
							      m2[2], b2, v2));
	}
	if (x < n) {
		if (swap)
			tail(c2 + x, c1 + x, c0 + x, n - x, dst + 3 * (size_t)x);
		else
			tail(c0 + x, c1 + x, c2 + x, n - x, dst + 3 * (size_t)x);
	}
}

AVX512 static void pack_rgb888(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
			       uint8_t *dst)
{
	pack3(r, g, b, n, dst, SC.pack[PH_ISP_PACK_RGB888], false);
}

AVX512 static void pack_bgr888(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
			       uint8_t *dst)
{
	pack3(b, g, r, n, dst, SC.pack[PH_ISP_PACK_BGR888], true);
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
	k->pack[PH_ISP_PACK_RGB888] = pack_rgb888;
	k->pack[PH_ISP_PACK_BGR888] = pack_bgr888;
}

#else
typedef int ph_isp_kernels_avx512_unused; /* not an empty translation unit */
#endif

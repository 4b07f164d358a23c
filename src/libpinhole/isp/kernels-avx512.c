/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AVX-512 kernels (F, BW, VL, VBMI, VNNI), bit-exact with the scalar reference
 * (kernels-scalar.c; the arithmetic is in kernels.h). Every function
 * carries the target attribute so the rest of the library keeps the
 * baseline ISA; isp.c only picks these kernels when the CPU runs them.
 * What AVX-512 does not speed up stays with the AVX2 kernels: on CPUs that
 * split 512-bit operations in two (AMD Zen 4), plain arithmetic gains
 * nothing (512-bit linearisation, statistics and fast demosaic measured 5-20%
 * slower there than AVX2), while the two-register permutes (vpermi2b,
 * vpermb, vpermt2b) replace the gathers and shuffle chains of the table
 * lookups, unpacking and interleaves, and vpdpwssd (VNNI: multiply, add
 * pairs and accumulate) does the colour matrix in fewer operations.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "isp/isp.h"
#include "isp/kernels.h"

#if defined(__x86_64__)

#include <immintrin.h>

#define AVX512 __attribute__((target("avx2,avx512f,avx512bw,avx512vl,avx512vbmi,avx512vnni")))

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

/* ---- tone --------------------------------------------------------------------------------- */

/*
 * The 8-bit tone curve's tables (kernels.h) in registers, split in low and
 * high bytes: 128 entries of each in two registers, so that one vpermi2b
 * looks up 64 segments' bytes at once (where vpermi2w takes 32 lanes and
 * 64 entries).
 */
struct tone_regs {
	__m512i k_lo[2], k_hi[2], d_lo[2], d_hi[2];
};

/* The low (@hi false) or high bytes of 64 16-bit entries. */
AVX512 static inline __m512i bytes_of(const void *entries, bool hi)
{
	__m512i a = _mm512_loadu_si512(entries);
	__m512i b = _mm512_loadu_si512((const uint16_t *)entries + 32);

	if (hi) {
		a = _mm512_srli_epi16(a, 8);
		b = _mm512_srli_epi16(b, 8);
	}
	return _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi16_epi8(a)),
				  _mm512_cvtepi16_epi8(b), 1);
}

AVX512 static inline struct tone_regs tone8_load(const struct ph_isp_tone8 *t)
{
	struct tone_regs r;

	for (unsigned i = 0; i < 2; i++) {
		r.k_lo[i] = bytes_of(t->k + 64 * i, false);
		r.k_hi[i] = bytes_of(t->k + 64 * i, true);
		r.d_lo[i] = bytes_of(t->d + 64 * i, false);
		r.d_hi[i] = bytes_of(t->d + 64 * i, true);
	}
	return r;
}

/*
 * u = min(16 x, x + 15360) of 32 working values: every segment is 256 wide
 * in u, i = u >> 8 and t = (u & 255) << 7, as kernels.h defines them (16 x
 * is taken of min(x, 2047), which is large enough above 1024 and fits 16
 * bits).
 */
AVX512 static inline __m512i tone_u(__m512i x)
{
	return _mm512_min_epu16(_mm512_slli_epi16(_mm512_min_epu16(x, _mm512_set1_epi16(2047)), 4),
				_mm512_add_epi16(x, _mm512_set1_epi16(15360)));
}

/* v = k + d t, to 8 bits (kernels.h: k carries the rounding), of 32 lanes. */
AVX512 static inline __m512i tone_lerp(__m512i k, __m512i d, __m512i u)
{
	__m512i t = _mm512_srli_epi16(_mm512_slli_epi16(u, 8), 1);

	return _mm512_srli_epi16(_mm512_add_epi16(k, _mm512_mulhrs_epi16(d, t)), 7);
}

/*
 * The 8-bit tone curve of 64 working values (@xa: the first 32, @xb: the
 * rest) as 64 bytes in packus order: each 128-bit lane holds 8 of a, then
 * the 8 of b with the same indices (packus_pos). The segment indices of
 * both halves go to bytes in that order, the four byte lookups follow it,
 * and unpacklo/hi of the looked-up bytes return to the 16-bit lanes of a
 * and b.
 */
AVX512 static inline __attribute__((always_inline)) __m512i
tone8_64_lanes(const struct tone_regs *t, __m512i xa, __m512i xb)
{
	__m512i ua = tone_u(xa), ub = tone_u(xb);
	__m512i i = _mm512_packus_epi16(_mm512_srli_epi16(ua, 8), _mm512_srli_epi16(ub, 8));
	__m512i k_lo = _mm512_permutex2var_epi8(t->k_lo[0], i, t->k_lo[1]);
	__m512i k_hi = _mm512_permutex2var_epi8(t->k_hi[0], i, t->k_hi[1]);
	__m512i d_lo = _mm512_permutex2var_epi8(t->d_lo[0], i, t->d_lo[1]);
	__m512i d_hi = _mm512_permutex2var_epi8(t->d_hi[0], i, t->d_hi[1]);
	__m512i va =
		tone_lerp(_mm512_unpacklo_epi8(k_lo, k_hi), _mm512_unpacklo_epi8(d_lo, d_hi), ua);
	__m512i vb =
		tone_lerp(_mm512_unpackhi_epi8(k_lo, k_hi), _mm512_unpackhi_epi8(d_lo, d_hi), ub);

	return _mm512_packus_epi16(va, vb);
}

/* Where packus(a, b) puts value p of the 64 (a: 0..31, b: 32..63). */
static const uint8_t packus_pos[64] __attribute__((aligned(64))) = {
	0,  1,	2,  3,	4,  5,	6,  7,	16, 17, 18, 19, 20, 21, 22, 23, 32, 33, 34, 35, 36, 37,
	38, 39, 48, 49, 50, 51, 52, 53, 54, 55, 8,  9,	10, 11, 12, 13, 14, 15, 24, 25, 26, 27,
	28, 29, 30, 31, 40, 41, 42, 43, 44, 45, 46, 47, 56, 57, 58, 59, 60, 61, 62, 63};

/* The same, as 64 bytes in order. */
AVX512 static inline __attribute__((always_inline)) __m512i tone8_64(const struct tone_regs *t,
								     __m512i xa, __m512i xb)
{
	/* The 64-bit halves of the lanes back in order. */
	return _mm512_permutexvar_epi64(_mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7),
					tone8_64_lanes(t, xa, xb));
}

/* tone8_64_lanes (@lanes) or tone8_64. */
AVX512 static inline __attribute__((always_inline)) __m512i
tone8_64_in(const struct tone_regs *t, bool lanes, __m512i xa, __m512i xb)
{
	return lanes ? tone8_64_lanes(t, xa, xb) : tone8_64(t, xa, xb);
}

/* Lanes of the 64-pixel step at @x of @n under masks: nothing read or written past n. */
struct step64 {
	__mmask32 a, b;
	__mmask64 all;
};

AVX512 static inline struct step64 step64_at(unsigned x, unsigned n)
{
	struct step64 m = {lanes32(n - x), n - x > 32 ? lanes32(n - x - 32) : 0, lanes64(n - x)};

	return m;
}

AVX512 static void tone8(const uint16_t *src, unsigned n, const struct ph_isp_tone8 *t,
			 uint8_t *dst)
{
	const struct tone_regs tr = tone8_load(t);

	for (unsigned x = 0; x < n; x += 64) {
		struct step64 m = step64_at(x, n);

		_mm512_mask_storeu_epi8(dst + x, m.all,
					tone8_64(&tr, _mm512_maskz_loadu_epi16(m.a, src + x),
						 _mm512_maskz_loadu_epi16(m.b, src + x + 32)));
	}
}

/* ---- colour ------------------------------------------------------------------------------- */

/*
 * 32 int16 results of the colour matrix row (k01, k2, off) on 16-bit
 * x, y, z, clamped to 0..WMAX: exact, the sums fit int32 (kernels.h). Each
 * vpdpwssd adds the products of a pair of lanes to the offset.
 */
AVX512 static inline __attribute__((always_inline)) __m512i ccm_row(__m512i xy_lo, __m512i xy_hi,
								    __m512i z_lo, __m512i z_hi,
								    __m512i k01, __m512i k2,
								    __m512i off)
{
	__m512i s0 = _mm512_dpwssd_epi32(_mm512_dpwssd_epi32(off, xy_lo, k01), z_lo, k2);
	__m512i s1 = _mm512_dpwssd_epi32(_mm512_dpwssd_epi32(off, xy_hi, k01), z_hi, k2);

	s0 = _mm512_srai_epi32(s0, PH_ISP_CCM_SHIFT);
	s1 = _mm512_srai_epi32(s1, PH_ISP_CCM_SHIFT);
	return _mm512_min_epu16(_mm512_packus_epi32(s0, s1), _mm512_set1_epi16(PH_ISP_WMAX));
}

AVX512 static inline __m512i pair16x(int a, int b)
{
	return _mm512_set1_epi32((int)((uint32_t)(uint16_t)a | (uint32_t)(uint16_t)b << 16));
}

/* The colour matrix in registers: per output channel, (m0, m1) and (m2, 0) pairs, offset. */
struct ccm_regs {
	__m512i k01[3], k2[3], off[3];
};

/* Channel @i of the colour matrix of 32 pixels @r, @g, @b. */
AVX512 static inline __attribute__((always_inline)) __m512i
ccm_32(const struct ccm_regs *c, unsigned i, __m512i r, __m512i g, __m512i b)
{
	return ccm_row(_mm512_unpacklo_epi16(r, g), _mm512_unpackhi_epi16(r, g),
		       _mm512_unpacklo_epi16(b, _mm512_setzero_si512()),
		       _mm512_unpackhi_epi16(b, _mm512_setzero_si512()), c->k01[i], c->k2[i],
		       c->off[i]);
}

AVX512 static inline void ccm_regs_load(struct ccm_regs *c, const struct ph_isp_ccm *mat)
{
	for (unsigned i = 0; i < 3 && mat; i++) {
		c->k01[i] = pair16x(mat->m[3 * i], mat->m[3 * i + 1]);
		c->k2[i] = pair16x(mat->m[3 * i + 2], 0);
		c->off[i] = _mm512_set1_epi32(mat->offset[i] + (1 << (PH_ISP_CCM_SHIFT - 1)));
	}
}

/*
 * Colour matrix (@c NULL: none) and 8-bit tone of the 64 pixels from @x
 * into @out (R, G, B bytes in order, or with @lanes in packus order); with
 * @m (a tail), the lanes from n on are not read.
 */
AVX512 static inline __attribute__((always_inline)) void
ccm_tone8_64(const struct ccm_regs *c, const struct tone_regs *t, const uint16_t *const src[3],
	     unsigned x, const struct step64 *m, bool lanes, __m512i out[3])
{
	__m512i r0, g0, b0, r1, g1, b1;

	if (m) {
		r0 = _mm512_maskz_loadu_epi16(m->a, src[0] + x);
		g0 = _mm512_maskz_loadu_epi16(m->a, src[1] + x);
		b0 = _mm512_maskz_loadu_epi16(m->a, src[2] + x);
		r1 = _mm512_maskz_loadu_epi16(m->b, src[0] + x + 32);
		g1 = _mm512_maskz_loadu_epi16(m->b, src[1] + x + 32);
		b1 = _mm512_maskz_loadu_epi16(m->b, src[2] + x + 32);
	} else {
		r0 = _mm512_loadu_si512(src[0] + x);
		g0 = _mm512_loadu_si512(src[1] + x);
		b0 = _mm512_loadu_si512(src[2] + x);
		r1 = _mm512_loadu_si512(src[0] + x + 32);
		g1 = _mm512_loadu_si512(src[1] + x + 32);
		b1 = _mm512_loadu_si512(src[2] + x + 32);
	}
	out[0] = tone8_64_in(t, lanes, c ? ccm_32(c, 0, r0, g0, b0) : r0,
			     c ? ccm_32(c, 0, r1, g1, b1) : r1);
	out[1] = tone8_64_in(t, lanes, c ? ccm_32(c, 1, r0, g0, b0) : g0,
			     c ? ccm_32(c, 1, r1, g1, b1) : g1);
	out[2] = tone8_64_in(t, lanes, c ? ccm_32(c, 2, r0, g0, b0) : b0,
			     c ? ccm_32(c, 2, r1, g1, b1) : b1);
}

/* ccm_tone8_64 of the whole 64-pixel steps from @x into three rows. @return the next x. */
AVX512 static inline __attribute__((always_inline)) unsigned
ccm_tone8_rows(const struct ccm_regs *c, const struct tone_regs *t, const uint16_t *const src[3],
	       unsigned x, unsigned n, uint8_t *const dst[3])
{
	for (; x + 64 <= n; x += 64) {
		__m512i v[3];

		ccm_tone8_64(c, t, src, x, NULL, false, v);
		for (unsigned i = 0; i < 3; i++)
			_mm512_storeu_si512(dst[i] + x, v[i]);
	}
	return x;
}

/* Colour matrix (@mat NULL: none) and 8-bit tone, 64 pixels per step, the tail under masks. */
AVX512 static void ccm_tone8(const uint16_t *r, const uint16_t *g, const uint16_t *b, unsigned n,
			     const struct ph_isp_ccm *mat, const struct ph_isp_tone8 *t,
			     uint8_t *ro, uint8_t *go, uint8_t *bo)
{
	const struct tone_regs tr = tone8_load(t);
	const uint16_t *const src[3] = {r, g, b};
	uint8_t *const dst[3] = {ro, go, bo};
	struct ccm_regs c;
	unsigned x;

	ccm_regs_load(&c, mat);
	/* Two loops, so that each is compiled for its case. */
	x = mat ? ccm_tone8_rows(&c, &tr, src, 0, n, dst)
		: ccm_tone8_rows(NULL, &tr, src, 0, n, dst);
	if (x < n) {
		struct step64 m = step64_at(x, n);
		__m512i v[3];

		ccm_tone8_64(mat ? &c : NULL, &tr, src, x, &m, false, v);
		for (unsigned i = 0; i < 3; i++)
			_mm512_mask_storeu_epi8(dst[i] + x, m.all, v[i]);
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

/* The interleaving permutes' indices and masks, in registers. */
struct pack3_regs {
	__m512i i01[3], i2[3];
	__mmask64 m2[3];
};

/* With @lanes, for byte vectors in packus order (tone8_64_lanes): each index remapped. */
AVX512 static inline struct pack3_regs pack3_load(bool lanes)
{
	const __m512i pos = _mm512_load_si512(packus_pos), v1 = _mm512_set1_epi8(64);
	struct pack3_regs r;

	for (unsigned c = 0; c < 3; c++) {
		r.i01[c] = _mm512_load_si512(pack3_i01[c]);
		r.i2[c] = _mm512_load_si512(pack3_i2[c]);
		r.m2[c] = pack3_m2[c];
		if (lanes) { /* bit 6 of the vpermt2b indices picks the second vector: kept */
			r.i01[c] = _mm512_or_si512(_mm512_permutexvar_epi8(r.i01[c], pos),
						   _mm512_and_si512(r.i01[c], v1));
			r.i2[c] = _mm512_permutexvar_epi8(r.i2[c], pos);
		}
	}
	return r;
}

/*
 * 64 pixels of three byte vectors to 192 interleaved bytes: each 64-byte
 * chunk takes its first and second channel's bytes with one vpermt2b over
 * (v0, v1) and the third's with a masked vpermb.
 */
AVX512 static inline __attribute__((always_inline)) void
pack3_64(const struct pack3_regs *p, __m512i v0, __m512i v1, __m512i v2, uint8_t *d)
{
	for (unsigned c = 0; c < 3; c++)
		_mm512_storeu_si512(d + 64 * c, _mm512_mask_permutexvar_epi8(
							_mm512_permutex2var_epi8(v0, p->i01[c], v1),
							p->m2[c], p->i2[c], v2));
}

AVX512 static void
pack3(const uint8_t *c0, const uint8_t *c1, const uint8_t *c2, unsigned n, uint8_t *dst,
      void (*tail)(const uint8_t *, const uint8_t *, const uint8_t *, unsigned, uint8_t *),
      bool swap)
{
	const struct pack3_regs p = pack3_load(false);
	unsigned x = 0;

	for (; x + 64 <= n; x += 64)
		pack3_64(&p, _mm512_loadu_si512(c0 + x), _mm512_loadu_si512(c1 + x),
			 _mm512_loadu_si512(c2 + x), dst + 3 * (size_t)x);
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

/* The whole 64-pixel steps of ccm_tone8_pack3. @return the first pixel not done. */
AVX512 static inline __attribute__((always_inline)) unsigned
ccm_tone8_pack3_steps(const struct ccm_regs *c, const struct tone_regs *t,
		      const uint16_t *const src[3], unsigned n, bool bgr, uint8_t *dst)
{
	const struct pack3_regs p = pack3_load(true);
	unsigned x = 0;

	for (; x + 64 <= n; x += 64) {
		__m512i v[3];

		ccm_tone8_64(c, t, src, x, NULL, true, v);
		if (bgr)
			pack3_64(&p, v[2], v[1], v[0], dst + 3 * (size_t)x);
		else
			pack3_64(&p, v[0], v[1], v[2], dst + 3 * (size_t)x);
	}
	return x;
}

/*
 * ccm_tone8 and pack3 fused: each 64-pixel step's three byte vectors go
 * straight into the interleaving permutes. The tail (under 64 pixels)
 * takes the same kernels through rows on the stack.
 */
AVX512 static void ccm_tone8_pack3(const uint16_t *r, const uint16_t *g, const uint16_t *b,
				   unsigned n, const struct ph_isp_ccm *mat,
				   const struct ph_isp_tone8 *t, bool bgr, uint8_t *dst)
{
	const struct tone_regs tr = tone8_load(t);
	const uint16_t *const src[3] = {r, g, b};
	struct ccm_regs c;
	unsigned x;

	ccm_regs_load(&c, mat);
	x = mat ? ccm_tone8_pack3_steps(&c, &tr, src, n, bgr, dst)
		: ccm_tone8_pack3_steps(NULL, &tr, src, n, bgr, dst);
	if (x < n) {
		uint8_t rows[3][64];
		struct step64 m = step64_at(x, n);
		__m512i v[3];

		ccm_tone8_64(mat ? &c : NULL, &tr, src, x, &m, false, v);
		for (unsigned i = 0; i < 3; i++)
			_mm512_storeu_si512(rows[i], v[i]);
		SC.pack[bgr ? PH_ISP_PACK_BGR888 : PH_ISP_PACK_RGB888](rows[0], rows[1], rows[2],
								       n - x, dst + 3 * (size_t)x);
	}
}

void ph_isp_kernels_avx512(struct ph_isp_kernels *k)
{
	ph_isp_kernels_avx2(k); /* what has no AVX-512 kernel stays AVX2 */
	k->name = "avx512";
	k->unpack[PH_ISP_UNPACK_10P] = unpack_10p;
	k->unpack[PH_ISP_UNPACK_12P] = unpack_12p;
	k->tone8 = tone8;
	k->ccm_tone8 = ccm_tone8;
	k->ccm_tone8_pack3 = ccm_tone8_pack3;
	k->pack[PH_ISP_PACK_RGB888] = pack_rgb888;
	k->pack[PH_ISP_PACK_BGR888] = pack_bgr888;
}

#else
typedef int ph_isp_kernels_avx512_unused; /* not an empty translation unit */
#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AVX-512 kernels (F, BW, VL, VBMI, VNNI), bit-exact with the scalar reference
 * (kernels-scalar.c; the arithmetic is in kernels.h). Every function
 * carries the target attribute so the rest of the library keeps the
 * baseline ISA; isp.c only picks these kernels when the CPU runs them.
 * What AVX-512 does not speed up stays with the AVX2 kernels: on CPUs that
 * split 512-bit operations in two (AMD Zen 4), plain arithmetic gains
 * nothing (512-bit linearisation, statistics and fast demosaic measured 5-20%
 * slower there than AVX2), while the two-register permutes (vpermi2w,
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
	k->tone8 = tone8;
	k->ccm_tone8 = ccm_tone8;
	k->pack[PH_ISP_PACK_RGB888] = pack_rgb888;
	k->pack[PH_ISP_PACK_BGR888] = pack_bgr888;
}

#else
typedef int ph_isp_kernels_avx512_unused; /* not an empty translation unit */
#endif

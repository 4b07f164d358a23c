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

void ph_isp_kernels_avx512(struct ph_isp_kernels *k)
{
	ph_isp_kernels_avx2(k); /* what has no AVX-512 kernel stays AVX2 */
	k->name = "avx512";
	k->tone8 = tone8;
}

#else
typedef int ph_isp_kernels_avx512_unused; /* not an empty translation unit */
#endif

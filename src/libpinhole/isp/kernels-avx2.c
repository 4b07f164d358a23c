/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AVX2 kernels, bit-exact with the scalar reference (kernels-scalar.c; the
 * arithmetic is in kernels.h). Every function carries target("avx2") so the
 * rest of the library keeps the baseline ISA; isp.c only picks this table
 * when the CPU (and OS) support AVX2. Each kernel runs whole vectors and
 * hands the last few pixels to the scalar kernel, so vector code never
 * reads or writes past n (nor past the end of an input line).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "isp/isp.h"
#include "isp/kernels.h"

#if defined(__x86_64__)

#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))

#define SC ph_isp_kernels_scalar

/* Two 16-bit values as one 32-bit lane, @a in the low half (madd pairs, per-parity constants). */
static inline int pair16(int a, int b)
{
	return (int)((uint32_t)(uint16_t)a | (uint32_t)(uint16_t)b << 16);
}

/* ---- unpacking ---------------------------------------------------------------------------- */

AVX2 static void unpack_8(const uint8_t *line, unsigned x0, unsigned n, unsigned depth,
			  uint16_t *dst)
{
	const uint8_t *s = line + x0;
	unsigned i = 0;

	for (; i + 32 <= n; i += 32) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(s + i));

		_mm256_storeu_si256((__m256i *)(dst + i),
				    _mm256_cvtepu8_epi16(_mm256_castsi256_si128(a)));
		_mm256_storeu_si256((__m256i *)(dst + i + 16),
				    _mm256_cvtepu8_epi16(_mm256_extracti128_si256(a, 1)));
	}
	if (i < n)
		SC.unpack[PH_ISP_UNPACK_8](line, x0 + i, n - i, depth, dst + i);
}

AVX2 static void unpack_16(const uint8_t *line, unsigned x0, unsigned n, unsigned depth,
			   uint16_t *dst)
{
	const uint8_t *s = line + 2 * (size_t)x0;
	const __m256i mask = _mm256_set1_epi16((short)((1u << depth) - 1));
	unsigned i = 0;

	for (; i + 16 <= n; i += 16)
		_mm256_storeu_si256(
			(__m256i *)(dst + i),
			_mm256_and_si256(_mm256_loadu_si256((const __m256i *)(s + 2 * i)), mask));
	if (i < n)
		SC.unpack[PH_ISP_UNPACK_16](line, x0 + i, n - i, depth, dst + i);
}

/* Two 16-byte loads into the halves of a 256-bit vector. */
AVX2 static inline __m256i load2x128(const uint8_t *lo, const uint8_t *hi)
{
	return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)lo)),
				       _mm_loadu_si128((const __m128i *)hi), 1);
}

/*
 * Packed layouts, 8 pixels per 128-bit lane: each 16-bit lane gets the
 * pixel's high byte (idx_h) and the byte holding its low bits (idx_l);
 * multiplying the latter moves the pixel's low bits to a fixed place.
 */
AVX2 static void unpack_10p(const uint8_t *line, unsigned x0, unsigned n, unsigned depth,
			    uint16_t *dst)
{
	const __m256i idx_h = _mm256_setr_epi8(0, -128, 1, -128, 2, -128, 3, -128, 5, -128, 6, -128,
					       7, -128, 8, -128, 0, -128, 1, -128, 2, -128, 3, -128,
					       5, -128, 6, -128, 7, -128, 8, -128);
	const __m256i idx_l = _mm256_setr_epi8(4, -128, 4, -128, 4, -128, 4, -128, 9, -128, 9, -128,
					       9, -128, 9, -128, 4, -128, 4, -128, 4, -128, 4, -128,
					       9, -128, 9, -128, 9, -128, 9, -128);
	const __m256i mult =
		_mm256_setr_epi16(64, 16, 4, 1, 64, 16, 4, 1, 64, 16, 4, 1, 64, 16, 4, 1);
	const __m256i three = _mm256_set1_epi16(3);
	unsigned i = (4 - x0 % 4) % 4;

	if (i > n)
		i = n;
	if (i)
		SC.unpack[PH_ISP_UNPACK_10P](line, x0, i, depth, dst);
	const uint8_t *s = line + (x0 + i) / 4 * 5;

	/* 16 pixels from 20 bytes, reading 26: at least 24 pixels (30 bytes) must remain. */
	for (; i + 24 <= n; i += 16, s += 20) {
		__m256i v = load2x128(s, s + 10);
		__m256i h = _mm256_slli_epi16(_mm256_shuffle_epi8(v, idx_h), 2);
		__m256i l = _mm256_mullo_epi16(_mm256_shuffle_epi8(v, idx_l), mult);

		l = _mm256_and_si256(_mm256_srli_epi16(l, 6), three);
		_mm256_storeu_si256((__m256i *)(dst + i), _mm256_or_si256(h, l));
	}
	if (i < n)
		SC.unpack[PH_ISP_UNPACK_10P](line, x0 + i, n - i, depth, dst + i);
}

AVX2 static void unpack_12p(const uint8_t *line, unsigned x0, unsigned n, unsigned depth,
			    uint16_t *dst)
{
	const __m256i idx_h = _mm256_setr_epi8(0, -128, 1, -128, 3, -128, 4, -128, 6, -128, 7, -128,
					       9, -128, 10, -128, 0, -128, 1, -128, 3, -128, 4,
					       -128, 6, -128, 7, -128, 9, -128, 10, -128);
	const __m256i idx_l = _mm256_setr_epi8(2, -128, 2, -128, 5, -128, 5, -128, 8, -128, 8, -128,
					       11, -128, 11, -128, 2, -128, 2, -128, 5, -128, 5,
					       -128, 8, -128, 8, -128, 11, -128, 11, -128);
	const __m256i mult =
		_mm256_setr_epi16(16, 1, 16, 1, 16, 1, 16, 1, 16, 1, 16, 1, 16, 1, 16, 1);
	const __m256i fifteen = _mm256_set1_epi16(15);
	unsigned i = x0 % 2;

	if (i > n)
		i = n;
	if (i)
		SC.unpack[PH_ISP_UNPACK_12P](line, x0, i, depth, dst);
	const uint8_t *s = line + (x0 + i) / 2 * 3;

	/* 16 pixels from 24 bytes, reading 28: at least 20 pixels (30 bytes) must remain. */
	for (; i + 20 <= n; i += 16, s += 24) {
		__m256i v = load2x128(s, s + 12);
		__m256i h = _mm256_slli_epi16(_mm256_shuffle_epi8(v, idx_h), 4);
		__m256i l = _mm256_mullo_epi16(_mm256_shuffle_epi8(v, idx_l), mult);

		l = _mm256_and_si256(_mm256_srli_epi16(l, 4), fifteen);
		_mm256_storeu_si256((__m256i *)(dst + i), _mm256_or_si256(h, l));
	}
	if (i < n)
		SC.unpack[PH_ISP_UNPACK_12P](line, x0 + i, n - i, depth, dst + i);
}

/* ---- black level and gains ---------------------------------------------------------------- */

struct lin_consts {
	__m128i shift, k;
	__m256i black, round, wmax;
};

AVX2 static inline struct lin_consts lin_setup(const struct ph_isp_lin *lin)
{
	struct lin_consts c;

	c.shift = _mm_cvtsi32_si128(lin->shift);
	c.k = _mm_cvtsi32_si128(lin->gain_shift);
	c.black = _mm256_set1_epi32((int)(lin->black[0] | (uint32_t)lin->black[1] << 16));
	c.round = _mm256_set1_epi32(1 << (lin->gain_shift - 1));
	c.wmax = _mm256_set1_epi16(PH_ISP_WMAX);
	return c;
}

/* 16 samples: min((sat(raw << shift - black) * gain + round) >> k, WMAX), exact in 32 bits. */
AVX2 static inline __m256i lin16(const struct lin_consts *c, __m256i raw, __m256i gain)
{
	__m256i v = _mm256_subs_epu16(_mm256_sll_epi16(raw, c->shift), c->black);
	__m256i lo = _mm256_mullo_epi16(v, gain), hi = _mm256_mulhi_epu16(v, gain);
	__m256i p0 = _mm256_unpacklo_epi16(lo, hi), p1 = _mm256_unpackhi_epi16(lo, hi);

	p0 = _mm256_srl_epi32(_mm256_add_epi32(p0, c->round), c->k);
	p1 = _mm256_srl_epi32(_mm256_add_epi32(p1, c->round), c->k);
	return _mm256_min_epu16(_mm256_packus_epi32(p0, p1), c->wmax);
}

AVX2 static void linearise(const uint16_t *raw, unsigned n, const struct ph_isp_lin *lin,
			   uint16_t *dst)
{
	struct lin_consts c = lin_setup(lin);
	__m256i gain = _mm256_set1_epi32((int)(lin->gain[0] | (uint32_t)lin->gain[1] << 16));
	unsigned i = 0;

	for (; i + 16 <= n; i += 16)
		_mm256_storeu_si256(
			(__m256i *)(dst + i),
			lin16(&c, _mm256_loadu_si256((const __m256i *)(raw + i)), gain));
	if (i < n)
		SC.linearise(raw + i, n - i, lin, dst + i);
}

AVX2 static void linearise_lsc(const uint16_t *raw, unsigned n, const struct ph_isp_lin *lin,
			       const uint16_t *gains, uint16_t *dst)
{
	struct lin_consts c = lin_setup(lin);
	unsigned i = 0;

	for (; i + 16 <= n; i += 16)
		_mm256_storeu_si256((__m256i *)(dst + i),
				    lin16(&c, _mm256_loadu_si256((const __m256i *)(raw + i)),
					  _mm256_loadu_si256((const __m256i *)(gains + i))));
	if (i < n)
		SC.linearise_lsc(raw + i, n - i, lin, gains + i, dst + i);
}

/* ---- statistics --------------------------------------------------------------------------- */

/* Add the 8 32-bit lanes of each accumulator to zone @z and clear them. */
AVX2 static inline void stats_flush(struct ph_isp_zone *z, __m256i acc[3])
{
	uint64_t *sum[3] = {&z->sum_r, &z->sum_g, &z->sum_b};

	for (unsigned c = 0; c < 3; c++) {
		__m256i lo = _mm256_unpacklo_epi32(acc[c], _mm256_setzero_si256());
		__m256i hi = _mm256_unpackhi_epi32(acc[c], _mm256_setzero_si256());
		__m256i s = _mm256_add_epi64(lo, hi);
		__m128i t =
			_mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));

		*sum[c] += (uint64_t)_mm_cvtsi128_si64(t) + (uint64_t)_mm_extract_epi64(t, 1);
		acc[c] = _mm256_setzero_si256();
	}
}

/*
 * 8 quads per step, in 32-bit lanes (site 0 or 2 in the low half of a
 * lane as loaded, site 1 or 3 in the high half). Runs of 8 quads in one
 * zone (the usual case) add into vector sums, flushed when the zone
 * changes; others add quad by quad. Subsampled rows are left to the
 * scalar kernel.
 */
AVX2 static unsigned stats(const uint16_t *raw0, const uint16_t *raw1,
			   const struct ph_isp_stats_row *p, struct ph_isp_zone *zones,
			   uint32_t *hist)
{
	const __m128i shift = _mm_cvtsi32_si128(p->shift);
	const __m256i black01 = _mm256_set1_epi32(pair16(p->black[0], p->black[1]));
	const __m256i black23 = _mm256_set1_epi32(pair16(p->black[2], p->black[3]));
	const __m256i white = _mm256_set1_epi16((short)p->white), zero = _mm256_setzero_si256();
	const __m256i lo16 = _mm256_set1_epi32(0xffff), one = _mm256_set1_epi32(1);
	const __m256i two = _mm256_set1_epi32(2), r512 = _mm256_set1_epi32(512);
	const __m256i k_r = _mm256_set1_epi32(306), k_g = _mm256_set1_epi32(601);
	const __m256i k_b = _mm256_set1_epi32(117), scale = _mm256_set1_epi32((int)p->hist_scale);
	const __m256i lim = _mm256_set1_epi64x((1 << 24) - 1), c255 = _mm256_set1_epi64x(255);
	const unsigned sr = p->site_r, n = p->quads;
	__m256i acc[3] = {zero, zero, zero};
	unsigned q = 0, cur = 0, runs = 0;
	uint32_t counted = 0, saturated = 0;

	if (p->step != 1)
		return SC.stats(raw0, raw1, p, zones, hist);
	for (; q + 8 <= n; q += 8) {
		__m256i a = _mm256_sll_epi16(_mm256_loadu_si256((const __m256i *)(raw0 + 2 * q)),
					     shift);
		__m256i b = _mm256_sll_epi16(_mm256_loadu_si256((const __m256i *)(raw1 + 2 * q)),
					     shift);
		__m256i mx = _mm256_max_epu16(a, b);
		/* Per lane: no site >= white. */
		__m256i ok = _mm256_cmpeq_epi32(_mm256_cmpeq_epi16(_mm256_max_epu16(mx, white), mx),
						zero);
		__m256i va = _mm256_subs_epu16(a, black01), vb = _mm256_subs_epu16(b, black23);
		__m256i v[4] = {_mm256_and_si256(va, lo16), _mm256_srli_epi32(va, 16),
				_mm256_and_si256(vb, lo16), _mm256_srli_epi32(vb, 16)};
		__m256i r, g, bl;

		if (p->mono) {
			r = _mm256_add_epi32(_mm256_add_epi32(v[0], v[1]),
					     _mm256_add_epi32(v[2], v[3]));
			r = g = bl = _mm256_srli_epi32(_mm256_add_epi32(r, two), 2);
		} else {
			r = v[sr];
			bl = v[3 - sr];
			g = _mm256_srli_epi32(
				_mm256_add_epi32(_mm256_add_epi32(v[1 ^ sr], v[2 ^ sr]), one), 1);
		}
		__m256i y = _mm256_add_epi32(
			_mm256_add_epi32(_mm256_mullo_epi32(r, k_r), _mm256_mullo_epi32(g, k_g)),
			_mm256_add_epi32(_mm256_mullo_epi32(bl, k_b), r512));
		y = _mm256_srli_epi32(y, 10);
		/* bin = min(255, (y * scale) >> 16), 64-bit products of the even and odd lanes. */
		__m256i pe = _mm256_mul_epu32(y, scale);
		__m256i po = _mm256_mul_epu32(_mm256_srli_epi64(y, 32), scale);

		pe = _mm256_blendv_epi8(_mm256_srli_epi64(pe, 16), c255,
					_mm256_cmpgt_epi64(pe, lim));
		po = _mm256_blendv_epi8(_mm256_srli_epi64(po, 16), c255,
					_mm256_cmpgt_epi64(po, lim));

		uint32_t bins[8];

		_mm256_storeu_si256((__m256i *)bins,
				    _mm256_or_si256(pe, _mm256_slli_epi64(po, 32)));
		for (unsigned i = 0; i < 8; i++)
			hist[bins[i]]++;

		unsigned okm = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(ok));
		unsigned z = p->zone[q];
		uint64_t zz;

		memcpy(&zz, p->zone + q, 8);
		if (zz == z * 0x0101010101010101ull) {
			if (z != cur || runs == 32768) { /* lanes stay below 2^31 */
				stats_flush(&zones[cur], acc);
				zones[cur].counted += counted;
				zones[cur].saturated += saturated;
				counted = saturated = runs = 0;
				cur = z;
			}
			acc[0] = _mm256_add_epi32(acc[0], _mm256_and_si256(r, ok));
			acc[1] = _mm256_add_epi32(acc[1], _mm256_and_si256(g, ok));
			acc[2] = _mm256_add_epi32(acc[2], _mm256_and_si256(bl, ok));
			counted += (unsigned)__builtin_popcount(okm);
			saturated += 8 - (unsigned)__builtin_popcount(okm);
			runs++;
		} else {
			uint32_t vr[8], vg[8], vbl[8];

			_mm256_storeu_si256((__m256i *)vr, r);
			_mm256_storeu_si256((__m256i *)vg, g);
			_mm256_storeu_si256((__m256i *)vbl, bl);
			for (unsigned i = 0; i < 8; i++) {
				struct ph_isp_zone *zp = &zones[p->zone[q + i]];

				if (okm >> i & 1) {
					zp->sum_r += vr[i];
					zp->sum_g += vg[i];
					zp->sum_b += vbl[i];
					zp->counted++;
				} else {
					zp->saturated++;
				}
			}
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

/* ---- binning ------------------------------------------------------------------------------ */

AVX2 static void bin2x2(const uint16_t *a, const uint16_t *b, unsigned n_out, uint16_t *dst)
{
	const __m256i ones = _mm256_set1_epi16(1), two = _mm256_set1_epi32(2);
	unsigned i = 0;

	for (; i + 16 <= n_out; i += 16) {
		const __m256i *pa = (const __m256i *)(a + 2 * i),
			      *pb = (const __m256i *)(b + 2 * i);
		__m256i s0 = _mm256_add_epi32(_mm256_madd_epi16(_mm256_loadu_si256(pa), ones),
					      _mm256_madd_epi16(_mm256_loadu_si256(pb), ones));
		__m256i s1 = _mm256_add_epi32(_mm256_madd_epi16(_mm256_loadu_si256(pa + 1), ones),
					      _mm256_madd_epi16(_mm256_loadu_si256(pb + 1), ones));

		s0 = _mm256_srli_epi32(_mm256_add_epi32(s0, two), 2);
		s1 = _mm256_srli_epi32(_mm256_add_epi32(s1, two), 2);
		_mm256_storeu_si256((__m256i *)(dst + i),
				    _mm256_permute4x64_epi64(_mm256_packus_epi32(s0, s1), 0xd8));
	}
	if (i < n_out)
		SC.bin2x2(a + 2 * i, b + 2 * i, n_out - i, dst + i);
}

/* ---- colour ------------------------------------------------------------------------------- */

/*
 * 16 sequential int16 results of (k0 x + k1 y + k2 z + off) >> shift from
 * 16-bit x, y, z (each < 2^15), saturated to int16: exact, as the sums
 * fit int32 and the clamps that follow are within int16.
 */
#define DOT3(name, shift)                                                                          \
	AVX2 static inline __m256i name(__m256i x, __m256i y, __m256i z, __m256i k01, __m256i k2,  \
					__m256i off)                                               \
	{                                                                                          \
		__m256i zero = _mm256_setzero_si256();                                             \
		__m256i s0 =                                                                       \
			_mm256_add_epi32(_mm256_madd_epi16(_mm256_unpacklo_epi16(x, y), k01),      \
					 _mm256_madd_epi16(_mm256_unpacklo_epi16(z, zero), k2));   \
		__m256i s1 =                                                                       \
			_mm256_add_epi32(_mm256_madd_epi16(_mm256_unpackhi_epi16(x, y), k01),      \
					 _mm256_madd_epi16(_mm256_unpackhi_epi16(z, zero), k2));   \
		s0 = _mm256_srai_epi32(_mm256_add_epi32(s0, off), shift);                          \
		s1 = _mm256_srai_epi32(_mm256_add_epi32(s1, off), shift);                          \
		return _mm256_packs_epi32(s0, s1);                                                 \
	}

DOT3(dot3_ccm, PH_ISP_CCM_SHIFT)
DOT3(dot3_yuv, PH_ISP_YUV_SHIFT)

AVX2 static void ccm(const uint16_t *r, const uint16_t *g, const uint16_t *b, unsigned n,
		     const struct ph_isp_ccm *mat, uint16_t *ro, uint16_t *go, uint16_t *bo)
{
	const int16_t *m = mat->m;
	const __m256i k01[3] = {_mm256_set1_epi32(pair16(m[0], m[1])),
				_mm256_set1_epi32(pair16(m[3], m[4])),
				_mm256_set1_epi32(pair16(m[6], m[7]))};
	const __m256i k2[3] = {_mm256_set1_epi32(pair16(m[2], 0)),
			       _mm256_set1_epi32(pair16(m[5], 0)),
			       _mm256_set1_epi32(pair16(m[8], 0))};
	const int half = 1 << (PH_ISP_CCM_SHIFT - 1);
	const __m256i off[3] = {_mm256_set1_epi32(mat->offset[0] + half),
				_mm256_set1_epi32(mat->offset[1] + half),
				_mm256_set1_epi32(mat->offset[2] + half)};
	const __m256i zero = _mm256_setzero_si256(), wmax = _mm256_set1_epi16(PH_ISP_WMAX);
	uint16_t *const out[3] = {ro, go, bo};
	unsigned i = 0;

	for (; i + 16 <= n; i += 16) {
		__m256i vr = _mm256_loadu_si256((const __m256i *)(r + i));
		__m256i vg = _mm256_loadu_si256((const __m256i *)(g + i));
		__m256i vb = _mm256_loadu_si256((const __m256i *)(b + i));

		for (unsigned c = 0; c < 3; c++) {
			__m256i v = dot3_ccm(vr, vg, vb, k01[c], k2[c], off[c]);

			v = _mm256_min_epi16(_mm256_max_epi16(v, zero), wmax);
			_mm256_storeu_si256((__m256i *)(out[c] + i), v);
		}
	}
	if (i < n)
		SC.ccm(r + i, g + i, b + i, n - i, mat, ro + i, go + i, bo + i);
}

/*
 * Tone: gathers of 32-bit words. The index is clamped so the word read
 * stays inside the WMAX + 1 entries, and the wanted entry shifted down.
 */
AVX2 static inline __m256i gather8(const uint8_t *lut, __m128i src)
{
	const __m256i top = _mm256_set1_epi32(PH_ISP_WMAX - 3), ff = _mm256_set1_epi32(0xff);
	__m256i x = _mm256_cvtepu16_epi32(src), i = _mm256_min_epi32(x, top);
	__m256i v = _mm256_i32gather_epi32((const int *)(const void *)lut, i, 1);

	return _mm256_and_si256(_mm256_srlv_epi32(v, _mm256_slli_epi32(_mm256_sub_epi32(x, i), 3)),
				ff);
}

AVX2 static inline __m256i gather16(const uint16_t *lut, __m128i src)
{
	const __m256i top = _mm256_set1_epi32(PH_ISP_WMAX - 1), ffff = _mm256_set1_epi32(0xffff);
	__m256i x = _mm256_cvtepu16_epi32(src), i = _mm256_min_epi32(x, top);
	__m256i v = _mm256_i32gather_epi32((const int *)(const void *)lut, i, 2);

	return _mm256_and_si256(_mm256_srlv_epi32(v, _mm256_slli_epi32(_mm256_sub_epi32(x, i), 4)),
				ffff);
}

AVX2 static void tone8(const uint16_t *src, unsigned n, const uint8_t *lut, uint8_t *dst)
{
	unsigned i = 0;

	for (; i + 16 <= n; i += 16) {
		__m256i s = _mm256_loadu_si256((const __m256i *)(src + i));
		__m256i a = gather8(lut, _mm256_castsi256_si128(s));
		__m256i b = gather8(lut, _mm256_extracti128_si256(s, 1));
		__m256i w = _mm256_permute4x64_epi64(_mm256_packus_epi32(a, b), 0xd8);

		_mm_storeu_si128((__m128i *)(dst + i),
				 _mm_packus_epi16(_mm256_castsi256_si128(w),
						  _mm256_extracti128_si256(w, 1)));
	}
	if (i < n)
		SC.tone8(src + i, n - i, lut, dst + i);
}

AVX2 static void tone16(const uint16_t *src, unsigned n, const uint16_t *lut, uint16_t *dst)
{
	unsigned i = 0;

	for (; i + 16 <= n; i += 16) {
		__m256i s = _mm256_loadu_si256((const __m256i *)(src + i));
		__m256i a = gather16(lut, _mm256_castsi256_si128(s));
		__m256i b = gather16(lut, _mm256_extracti128_si256(s, 1));

		_mm256_storeu_si256((__m256i *)(dst + i),
				    _mm256_permute4x64_epi64(_mm256_packus_epi32(a, b), 0xd8));
	}
	if (i < n)
		SC.tone16(src + i, n - i, lut, dst + i);
}

/* ---- output packing ----------------------------------------------------------------------- */

#define X (-128)
/* Byte p of 48 = 16 pixels x 3 channels: pixel p / 3, channel p % 3; [vector][channel]. */
static const int8_t shuf_rgb888[3][3][16] __attribute__((aligned(16))) = {
	{{0, X, X, 1, X, X, 2, X, X, 3, X, X, 4, X, X, 5},
	 {X, 0, X, X, 1, X, X, 2, X, X, 3, X, X, 4, X, X},
	 {X, X, 0, X, X, 1, X, X, 2, X, X, 3, X, X, 4, X}},
	{{X, X, 6, X, X, 7, X, X, 8, X, X, 9, X, X, 10, X},
	 {5, X, X, 6, X, X, 7, X, X, 8, X, X, 9, X, X, 10},
	 {X, 5, X, X, 6, X, X, 7, X, X, 8, X, X, 9, X, X}},
	{{X, 11, X, X, 12, X, X, 13, X, X, 14, X, X, 15, X, X},
	 {X, X, 11, X, X, 12, X, X, 13, X, X, 14, X, X, 15, X},
	 {10, X, X, 11, X, X, 12, X, X, 13, X, X, 14, X, X, 15}},
};
/* The same for 8 pixels of 16-bit words. */
static const int8_t shuf_rgb48[3][3][16] __attribute__((aligned(16))) = {
	{{0, 1, X, X, X, X, 2, 3, X, X, X, X, 4, 5, X, X},
	 {X, X, 0, 1, X, X, X, X, 2, 3, X, X, X, X, 4, 5},
	 {X, X, X, X, 0, 1, X, X, X, X, 2, 3, X, X, X, X}},
	{{X, X, 6, 7, X, X, X, X, 8, 9, X, X, X, X, 10, 11},
	 {X, X, X, X, 6, 7, X, X, X, X, 8, 9, X, X, X, X},
	 {4, 5, X, X, X, X, 6, 7, X, X, X, X, 8, 9, X, X}},
	{{X, X, X, X, 12, 13, X, X, X, X, 14, 15, X, X, X, X},
	 {10, 11, X, X, X, X, 12, 13, X, X, X, X, 14, 15, X, X},
	 {X, X, 10, 11, X, X, X, X, 12, 13, X, X, X, X, 14, 15}},
};
#undef X

/* Interleave three 16-byte vectors by the table into 48 bytes. */
AVX2 static inline void interleave3(__m128i a, __m128i b, __m128i c, const int8_t (*t)[3][16],
				    uint8_t *d)
{
	for (unsigned k = 0; k < 3; k++) {
		__m128i v = _mm_or_si128(
			_mm_or_si128(_mm_shuffle_epi8(a, _mm_load_si128((const __m128i *)t[k][0])),
				     _mm_shuffle_epi8(b, _mm_load_si128((const __m128i *)t[k][1]))),
			_mm_shuffle_epi8(c, _mm_load_si128((const __m128i *)t[k][2])));

		_mm_storeu_si128((__m128i *)(d + 16 * k), v);
	}
}

AVX2 static inline __m128i load16(const uint8_t *p)
{
	return _mm_loadu_si128((const __m128i *)p);
}

AVX2 static void pack_rgb888(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
			     uint8_t *dst)
{
	unsigned i = 0;

	for (; i + 16 <= n; i += 16)
		interleave3(load16(r + i), load16(g + i), load16(b + i), shuf_rgb888, dst + 3 * i);
	if (i < n)
		SC.pack[PH_ISP_PACK_RGB888](r + i, g + i, b + i, n - i, dst + 3 * i);
}

AVX2 static void pack_bgr888(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
			     uint8_t *dst)
{
	unsigned i = 0;

	for (; i + 16 <= n; i += 16)
		interleave3(load16(b + i), load16(g + i), load16(r + i), shuf_rgb888, dst + 3 * i);
	if (i < n)
		SC.pack[PH_ISP_PACK_BGR888](r + i, g + i, b + i, n - i, dst + 3 * i);
}

/* Bytes c0, c1, c2, 0xff per pixel. */
AVX2 static inline void interleave4(__m128i c0, __m128i c1, __m128i c2, uint8_t *d)
{
	const __m128i ff = _mm_set1_epi8(-1);
	__m128i lo01 = _mm_unpacklo_epi8(c0, c1), hi01 = _mm_unpackhi_epi8(c0, c1);
	__m128i lo2f = _mm_unpacklo_epi8(c2, ff), hi2f = _mm_unpackhi_epi8(c2, ff);

	_mm_storeu_si128((__m128i *)d, _mm_unpacklo_epi16(lo01, lo2f));
	_mm_storeu_si128((__m128i *)(d + 16), _mm_unpackhi_epi16(lo01, lo2f));
	_mm_storeu_si128((__m128i *)(d + 32), _mm_unpacklo_epi16(hi01, hi2f));
	_mm_storeu_si128((__m128i *)(d + 48), _mm_unpackhi_epi16(hi01, hi2f));
}

AVX2 static void pack_xrgb8888(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
			       uint8_t *dst)
{
	unsigned i = 0;

	for (; i + 16 <= n; i += 16)
		interleave4(load16(b + i), load16(g + i), load16(r + i), dst + 4 * i);
	if (i < n)
		SC.pack[PH_ISP_PACK_XRGB8888](r + i, g + i, b + i, n - i, dst + 4 * i);
}

AVX2 static void pack_xbgr8888(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
			       uint8_t *dst)
{
	unsigned i = 0;

	for (; i + 16 <= n; i += 16)
		interleave4(load16(r + i), load16(g + i), load16(b + i), dst + 4 * i);
	if (i < n)
		SC.pack[PH_ISP_PACK_XBGR8888](r + i, g + i, b + i, n - i, dst + 4 * i);
}

AVX2 static void pack_rgb565(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
			     uint8_t *dst)
{
	const __m256i f8 = _mm256_set1_epi16(0xf8), fc = _mm256_set1_epi16(0xfc);
	unsigned i = 0;

	for (; i + 16 <= n; i += 16) {
		__m256i vr = _mm256_cvtepu8_epi16(load16(r + i));
		__m256i vg = _mm256_cvtepu8_epi16(load16(g + i));
		__m256i vb = _mm256_cvtepu8_epi16(load16(b + i));
		__m256i v = _mm256_or_si256(
			_mm256_or_si256(_mm256_slli_epi16(_mm256_and_si256(vr, f8), 8),
					_mm256_slli_epi16(_mm256_and_si256(vg, fc), 3)),
			_mm256_srli_epi16(vb, 3));

		_mm256_storeu_si256((__m256i *)(dst + 2 * i), v);
	}
	if (i < n)
		SC.pack[PH_ISP_PACK_RGB565](r + i, g + i, b + i, n - i, dst + 2 * i);
}

AVX2 static void pack_rgb48(const uint16_t *r, const uint16_t *g, const uint16_t *b, unsigned n,
			    uint8_t *dst)
{
	unsigned i = 0;

	for (; i + 8 <= n; i += 8)
		interleave3(_mm_loadu_si128((const __m128i *)(r + i)),
			    _mm_loadu_si128((const __m128i *)(g + i)),
			    _mm_loadu_si128((const __m128i *)(b + i)), shuf_rgb48, dst + 6 * i);
	if (i < n)
		SC.pack_rgb48(r + i, g + i, b + i, n - i, dst + 6 * i);
}

/* ---- YUV ---------------------------------------------------------------------------------- */

struct yuv_consts {
	__m256i y01, y2, yoff, cb01, cb2, cr01, cr2, coff;
};

AVX2 static inline struct yuv_consts yuv_setup(const struct ph_isp_yuv *c)
{
	struct yuv_consts k;

	k.y01 = _mm256_set1_epi32(pair16(c->y[0], c->y[1]));
	k.y2 = _mm256_set1_epi32(pair16(c->y[2], 0));
	k.yoff = _mm256_set1_epi32(c->y_offset);
	k.cb01 = _mm256_set1_epi32(pair16(c->cb[0], c->cb[1]));
	k.cb2 = _mm256_set1_epi32(pair16(c->cb[2], 0));
	k.cr01 = _mm256_set1_epi32(pair16(c->cr[0], c->cr[1]));
	k.cr2 = _mm256_set1_epi32(pair16(c->cr[2], 0));
	k.coff = _mm256_set1_epi32((128 << PH_ISP_YUV_SHIFT) + (1 << (PH_ISP_YUV_SHIFT - 1)));
	return k;
}

/* 16 int16 lanes to 16 bytes, clamped to 0..255. */
AVX2 static inline __m128i to_u8(__m256i v)
{
	return _mm_packus_epi16(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
}

AVX2 static inline __m256i luma16(const struct yuv_consts *k, const uint8_t *r, const uint8_t *g,
				  const uint8_t *b)
{
	return dot3_yuv(_mm256_cvtepu8_epi16(load16(r)), _mm256_cvtepu8_epi16(load16(g)),
			_mm256_cvtepu8_epi16(load16(b)), k->y01, k->y2, k->yoff);
}

AVX2 static void luma(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
		      const struct ph_isp_yuv *c, uint8_t *y)
{
	struct yuv_consts k = yuv_setup(c);
	unsigned i = 0;

	for (; i + 16 <= n; i += 16)
		_mm_storeu_si128((__m128i *)(y + i), to_u8(luma16(&k, r + i, g + i, b + i)));
	if (i < n)
		SC.luma(r + i, g + i, b + i, n - i, c, y + i);
}

/* Sums of adjacent byte pairs of 32 bytes, as 16 words. */
AVX2 static inline __m256i pair_sums(const uint8_t *p)
{
	return _mm256_maddubs_epi16(_mm256_loadu_si256((const __m256i *)p), _mm256_set1_epi8(1));
}

AVX2 static void chroma420(const uint8_t *r0, const uint8_t *g0, const uint8_t *b0,
			   const uint8_t *r1, const uint8_t *g1, const uint8_t *b1, unsigned n,
			   const struct ph_isp_yuv *c, uint8_t *u, uint8_t *v, unsigned step)
{
	struct yuv_consts k = yuv_setup(c);
	const __m256i two = _mm256_set1_epi16(2);
	unsigned x = 0;
	int mode = step == 1 ? 1 : step != 2 ? 0 : v == u + 1 ? 2 : u == v + 1 ? 3 : 0;

	for (; mode && x + 32 <= n; x += 32) {
		__m256i ra = _mm256_add_epi16(pair_sums(r0 + x), pair_sums(r1 + x));
		__m256i ga = _mm256_add_epi16(pair_sums(g0 + x), pair_sums(g1 + x));
		__m256i ba = _mm256_add_epi16(pair_sums(b0 + x), pair_sums(b1 + x));

		ra = _mm256_srli_epi16(_mm256_add_epi16(ra, two), 2);
		ga = _mm256_srli_epi16(_mm256_add_epi16(ga, two), 2);
		ba = _mm256_srli_epi16(_mm256_add_epi16(ba, two), 2);

		__m256i cb = dot3_yuv(ra, ga, ba, k.cb01, k.cb2, k.coff);
		__m256i cr = dot3_yuv(ra, ga, ba, k.cr01, k.cr2, k.coff);
		unsigned i = x / 2;

		if (mode == 1) {
			_mm_storeu_si128((__m128i *)(u + i), to_u8(cb));
			_mm_storeu_si128((__m128i *)(v + i), to_u8(cr));
		} else {
			/* Per lane: 8 Cb and 8 Cr bytes, interleaved to 16 byte pairs. */
			__m256i b8 = _mm256_packus_epi16(cb, cb), r8 = _mm256_packus_epi16(cr, cr);
			__m256i il = mode == 2 ? _mm256_unpacklo_epi8(b8, r8)
					       : _mm256_unpacklo_epi8(r8, b8);

			_mm256_storeu_si256((__m256i *)(mode == 2 ? u + 2 * i : v + 2 * i), il);
		}
	}
	if (x < n)
		SC.chroma420(r0 + x, g0 + x, b0 + x, r1 + x, g1 + x, b1 + x, n - x, c,
			     u + (size_t)step * (x / 2), v + (size_t)step * (x / 2), step);
}

/* Mean of adjacent byte pairs of 16 bytes, (a + b + 1) >> 1, as 8 words. */
AVX2 static inline __m128i pair_avg(const uint8_t *p)
{
	__m128i w = load16(p);

	return _mm_avg_epu16(_mm_and_si128(w, _mm_set1_epi16(0xff)), _mm_srli_epi16(w, 8));
}

/* 16 pixels of 4:2:2: Y and 8 interleaved (Cb, Cr) pairs. */
AVX2 static inline void yuv422_16(const struct yuv_consts *k, const uint8_t *r, const uint8_t *g,
				  const uint8_t *b, __m128i *y, __m128i *cbcr)
{
	__m256i ra = _mm256_zextsi128_si256(pair_avg(r));
	__m256i ga = _mm256_zextsi128_si256(pair_avg(g));
	__m256i ba = _mm256_zextsi128_si256(pair_avg(b));
	/* Only the low 8 lanes of each are used. */
	__m128i cb = _mm256_castsi256_si128(dot3_yuv(ra, ga, ba, k->cb01, k->cb2, k->coff));
	__m128i cr = _mm256_castsi256_si128(dot3_yuv(ra, ga, ba, k->cr01, k->cr2, k->coff));

	*y = to_u8(luma16(k, r, g, b));
	*cbcr = _mm_unpacklo_epi8(_mm_packus_epi16(cb, cb), _mm_packus_epi16(cr, cr));
}

AVX2 static void yuyv(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
		      const struct ph_isp_yuv *c, uint8_t *dst)
{
	struct yuv_consts k = yuv_setup(c);
	unsigned i = 0;

	for (; i + 16 <= n; i += 16) {
		__m128i y, cc;

		yuv422_16(&k, r + i, g + i, b + i, &y, &cc);
		_mm_storeu_si128((__m128i *)(dst + 2 * i), _mm_unpacklo_epi8(y, cc));
		_mm_storeu_si128((__m128i *)(dst + 2 * i + 16), _mm_unpackhi_epi8(y, cc));
	}
	if (i < n)
		SC.yuyv(r + i, g + i, b + i, n - i, c, dst + 2 * i);
}

AVX2 static void uyvy(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
		      const struct ph_isp_yuv *c, uint8_t *dst)
{
	struct yuv_consts k = yuv_setup(c);
	unsigned i = 0;

	for (; i + 16 <= n; i += 16) {
		__m128i y, cc;

		yuv422_16(&k, r + i, g + i, b + i, &y, &cc);
		_mm_storeu_si128((__m128i *)(dst + 2 * i), _mm_unpacklo_epi8(cc, y));
		_mm_storeu_si128((__m128i *)(dst + 2 * i + 16), _mm_unpackhi_epi8(cc, y));
	}
	if (i < n)
		SC.uyvy(r + i, g + i, b + i, n - i, c, dst + 2 * i);
}

void ph_isp_kernels_avx2(struct ph_isp_kernels *k)
{
	*k = ph_isp_kernels_scalar; /* what is not here yet: the demosaic */
	k->name = "avx2";
	k->unpack[PH_ISP_UNPACK_8] = unpack_8;
	k->unpack[PH_ISP_UNPACK_16] = unpack_16;
	k->unpack[PH_ISP_UNPACK_10P] = unpack_10p;
	k->unpack[PH_ISP_UNPACK_12P] = unpack_12p;
	k->linearise = linearise;
	k->linearise_lsc = linearise_lsc;
	k->stats = stats;
	k->bin2x2 = bin2x2;
	k->ccm = ccm;
	k->tone8 = tone8;
	k->tone16 = tone16;
	k->pack[PH_ISP_PACK_RGB888] = pack_rgb888;
	k->pack[PH_ISP_PACK_BGR888] = pack_bgr888;
	k->pack[PH_ISP_PACK_XRGB8888] = pack_xrgb8888;
	k->pack[PH_ISP_PACK_XBGR8888] = pack_xbgr8888;
	k->pack[PH_ISP_PACK_RGB565] = pack_rgb565;
	k->pack_rgb48 = pack_rgb48;
	k->luma = luma;
	k->chroma420 = chroma420;
	k->yuyv = yuyv;
	k->uyvy = uyvy;
}

#else
typedef int ph_isp_kernels_avx2_unused; /* not an empty translation unit */
#endif

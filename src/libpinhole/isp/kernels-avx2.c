/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AVX2 kernels, bit-exact with the scalar reference (kernels-scalar.c; the
 * arithmetic is in kernels.h). Every function carries target("avx2") so the
 * rest of the library keeps the baseline ISA; isp.c only picks these
 * kernels when the CPU (and OS) support AVX2. Each kernel runs whole
 * vectors and hands the last few pixels to the scalar kernel: vector code
 * writes nothing past n, reads nothing past the end of an input line, and
 * reads padded rows (demosaic) only within the mirrored samples.
 *
 * Measured on the development machine (AMD EPYC, AVX-512 present): the
 * AVX-512 gathers were slower than these AVX2 ones for the tone LUTs, so
 * there is no AVX-512 table yet (ph_isp_set_impl("avx512") is -ENOTSUP).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
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

/* 16 int16 lanes to 16 bytes, clamped to 0..255. */
AVX2 static inline __m128i to_u8(__m256i v)
{
	return _mm_packus_epi16(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
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

/*
 * With 16 fraction bits (gains below 1.0, the usual case) the result is
 * the product's high half plus its low half's top bit, in 16-bit lanes:
 * at most 65534 + 1.
 */
AVX2 static inline __m256i lin16_q16(const struct lin_consts *c, __m256i raw, __m256i gain)
{
	__m256i v = _mm256_subs_epu16(_mm256_sll_epi16(raw, c->shift), c->black);
	__m256i r = _mm256_add_epi16(_mm256_mulhi_epu16(v, gain),
				     _mm256_srli_epi16(_mm256_mullo_epi16(v, gain), 15));

	return _mm256_min_epu16(r, c->wmax);
}

AVX2 static void linearise(const uint16_t *raw, unsigned n, const struct ph_isp_lin *lin,
			   uint16_t *dst)
{
	struct lin_consts c = lin_setup(lin);
	__m256i gain = _mm256_set1_epi32((int)(lin->gain[0] | (uint32_t)lin->gain[1] << 16));
	unsigned i = 0;

	if (lin->gain_shift == 16) {
		for (; i + 16 <= n; i += 16)
			_mm256_storeu_si256(
				(__m256i *)(dst + i),
				lin16_q16(&c, _mm256_loadu_si256((const __m256i *)(raw + i)),
					  gain));
	}
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

/* Running sums of one zone: vector lanes, flushed into the zone when it changes. */
struct zone_acc {
	__m256i r, g, b;
	__m256i counted, saturated; /* minus the counts, per lane */
	unsigned zone, runs;
};

AVX2 static inline uint64_t hsum_epu32(__m256i v)
{
	__m256i s = _mm256_add_epi64(_mm256_unpacklo_epi32(v, _mm256_setzero_si256()),
				     _mm256_unpackhi_epi32(v, _mm256_setzero_si256()));
	__m128i t = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));

	return (uint64_t)_mm_cvtsi128_si64(t) + (uint64_t)_mm_extract_epi64(t, 1);
}

AVX2 static inline void zone_flush(struct zone_acc *a, struct ph_isp_zone *zones)
{
	struct ph_isp_zone *z = &zones[a->zone];
	const __m256i zero = _mm256_setzero_si256();

	z->sum_r += hsum_epu32(a->r);
	z->sum_g += hsum_epu32(a->g);
	z->sum_b += hsum_epu32(a->b);
	z->counted += (uint32_t)hsum_epu32(_mm256_sub_epi32(zero, a->counted));
	z->saturated += (uint32_t)hsum_epu32(_mm256_sub_epi32(zero, a->saturated));
	a->r = a->g = a->b = a->counted = a->saturated = zero;
	a->runs = 0;
}

/*
 * Add the lanes of @in (all in zone @z) that are unsaturated (@ok) to the
 * sums, the others to the saturated count. At most 2^15 adds between
 * flushes keep every lane below 2^31.
 */
AVX2 static inline void zone_add(struct zone_acc *a, struct ph_isp_zone *zones, unsigned z,
				 __m256i in, __m256i ok, __m256i r, __m256i g, __m256i b)
{
	__m256i take = _mm256_and_si256(in, ok);

	if (z != a->zone || a->runs == 32768) {
		zone_flush(a, zones);
		a->zone = z;
	}
	a->r = _mm256_add_epi32(a->r, _mm256_and_si256(r, take));
	a->g = _mm256_add_epi32(a->g, _mm256_and_si256(g, take));
	a->b = _mm256_add_epi32(a->b, _mm256_and_si256(b, take));
	a->counted = _mm256_add_epi32(a->counted, take);
	a->saturated = _mm256_add_epi32(a->saturated, _mm256_andnot_si256(ok, in));
	a->runs++;
}

/*
 * 8 sampled quads of a raw row, as 32-bit lanes of their two sites: quads
 * q .. q+7 (step 1) or the even ones of q .. q+15 (step 2), in order; with
 * @swap the two sites of each lane change places.
 */
AVX2 static inline __m256i quads_ld(const uint16_t *row, unsigned step, bool swap)
{
	const __m256i sites =
		_mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3, 0, 1,
				 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
	__m256i v;

	if (step == 1) {
		v = _mm256_loadu_si256((const __m256i *)row);
	} else {
		__m256 a = _mm256_loadu_ps((const float *)(const void *)row);
		__m256 b = _mm256_loadu_ps((const float *)(const void *)(row + 16));

		v = _mm256_permute4x64_epi64(_mm256_castps_si256(_mm256_shuffle_ps(a, b, 0x88)),
					     0xd8);
	}
	return swap ? _mm256_shuffle_epi8(v, sites) : v;
}

/* The zones of the 8 quads sampled from @zone (every @step-th, 1 or 2), in 32-bit lanes. */
AVX2 static inline __m256i zone_lanes(const uint8_t *zone, unsigned step)
{
	if (step == 1)
		return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)zone));
	return _mm256_and_si256(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)zone)),
				_mm256_set1_epi32(0xff));
}

_Static_assert(PH_ISP_HIST_COPIES >= 8, "lane i of 8 counts in histogram copy i");

/*
 * 8 sampled quads per step, in 32-bit lanes, every quad (step 1) or every
 * other (step 2; other steps are left to the scalar kernel). The rows and
 * the sites in a lane are ordered so that R (site_r) is the low half of
 * row a's lanes: then G1 is the high half, G2 and B the low and high
 * halves of row b's. The lanes of each zone among the 8 (usually one, at
 * most two with a monotonic zone table) add into vector sums, flushed when
 * the zone changes. Lane i counts in histogram copy i. The bin is
 * min(255, (min(Y, ylim) * scale) >> 16) in 32 bits: with ylim * scale >=
 * 256 << 16 it equals the 64-bit product's.
 */
AVX2 static unsigned stats(const uint16_t *raw0, const uint16_t *raw1,
			   const struct ph_isp_stats_row *p, struct ph_isp_zone *zones,
			   uint32_t (*hist)[PH_ISP_HIST_BINS])
{
	const unsigned sr = p->site_r, step = p->step, n = p->quads;
	const uint16_t *row_a = sr & 2 ? raw1 : raw0, *row_b = sr & 2 ? raw0 : raw1;
	const bool swap = sr & 1;
	const __m128i shift = _mm_cvtsi32_si128(p->shift);
	const __m256i black_a = _mm256_set1_epi32(pair16(p->black[sr], p->black[sr ^ 1]));
	const __m256i black_b = _mm256_set1_epi32(pair16(p->black[sr ^ 2], p->black[sr ^ 3]));
	const __m256i white = _mm256_set1_epi16((short)p->white), zero = _mm256_setzero_si256();
	const __m256i lo16 = _mm256_set1_epi32(0xffff), one = _mm256_set1_epi32(1);
	const __m256i two = _mm256_set1_epi32(2), r512 = _mm256_set1_epi32(512);
	const __m256i k_r = _mm256_set1_epi32(306), k_g = _mm256_set1_epi32(601);
	const __m256i k_b = _mm256_set1_epi32(117), scale = _mm256_set1_epi32((int)p->hist_scale);
	const __m256i ylim = _mm256_set1_epi32(
		(int)(p->hist_scale ? ((256u << 16) + p->hist_scale - 1) / p->hist_scale : 0));
	const unsigned span = 8 * step; /* quads covered by one vector step */
	struct zone_acc acc = {zero, zero, zero, zero, zero, 0, 0};
	unsigned q = 0, sampled = 0;

	if (step > 2 || n < span)
		return SC.stats(raw0, raw1, p, zones, hist);
	for (; q + span <= n; q += span) {
		__m256i a = _mm256_sll_epi16(quads_ld(row_a + 2 * q, step, swap), shift);
		__m256i b = _mm256_sll_epi16(quads_ld(row_b + 2 * q, step, swap), shift);
		__m256i mx = _mm256_max_epu16(a, b);
		/* Per lane: no site >= white. */
		__m256i ok = _mm256_cmpeq_epi32(_mm256_cmpeq_epi16(_mm256_max_epu16(mx, white), mx),
						zero);
		__m256i va = _mm256_subs_epu16(a, black_a), vb = _mm256_subs_epu16(b, black_b);
		__m256i r = _mm256_and_si256(va, lo16), g1 = _mm256_srli_epi32(va, 16);
		__m256i g2 = _mm256_and_si256(vb, lo16), bl = _mm256_srli_epi32(vb, 16);
		__m256i g;

		if (p->mono) {
			__m256i s4 =
				_mm256_add_epi32(_mm256_add_epi32(r, g1), _mm256_add_epi32(g2, bl));

			r = g = bl = _mm256_srli_epi32(_mm256_add_epi32(s4, two), 2);
		} else {
			g = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(g1, g2), one), 1);
		}
		__m256i y = _mm256_add_epi32(
			_mm256_add_epi32(_mm256_mullo_epi32(r, k_r), _mm256_mullo_epi32(g, k_g)),
			_mm256_add_epi32(_mm256_mullo_epi32(bl, k_b), r512));
		y = _mm256_min_epu32(_mm256_srli_epi32(y, 10), ylim);
		y = _mm256_srli_epi32(_mm256_mullo_epi32(y, scale), 16);

		/* The 8 bins as bytes (packus saturates at 255: the min of the contract). */
		__m128i b16 =
			_mm_packus_epi32(_mm256_castsi256_si128(y), _mm256_extracti128_si256(y, 1));
		uint64_t bins = (uint64_t)_mm_cvtsi128_si64(_mm_packus_epi16(b16, b16));

		/* Written out: gcc keeps the loop, with a variable shift per count. */
		hist[0][bins & 0xff]++;
		hist[1][(bins >> 8) & 0xff]++;
		hist[2][(bins >> 16) & 0xff]++;
		hist[3][(bins >> 24) & 0xff]++;
		hist[4][(bins >> 32) & 0xff]++;
		hist[5][(bins >> 40) & 0xff]++;
		hist[6][(bins >> 48) & 0xff]++;
		hist[7][bins >> 56]++;

		/* The zones among the 8 lanes, one at a time. */
		__m256i zl = zone_lanes(p->zone + q, step);
		unsigned left = 0xff;

		while (left) {
			unsigned z = p->zone[q + step * (unsigned)__builtin_ctz(left)];
			__m256i in = _mm256_cmpeq_epi32(zl, _mm256_set1_epi32((int)z));

			zone_add(&acc, zones, z, in, ok, r, g, bl);
			left &= ~(unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(in));
		}
		sampled += 8;
	}
	zone_flush(&acc, zones);
	if (q < n) { /* q is a multiple of the step: the rest samples from its first quad */
		struct ph_isp_stats_row t = *p;

		t.quads = n - q;
		t.zone = p->zone + q;
		sampled += SC.stats(raw0 + 2 * q, raw1 + 2 * q, &t, zones, hist);
	}
	return sampled;
}

/* ---- demosaic ----------------------------------------------------------------------------- */

AVX2 static inline __m256i ld16(const uint16_t *p)
{
	return _mm256_loadu_si256((const __m256i *)p);
}

/* avg2(avg2(a, b), avg2(c, d)) (kernels.h). */
AVX2 static inline __m256i avg4(__m256i a, __m256i b, __m256i c, __m256i d)
{
	return _mm256_avg_epu16(_mm256_avg_epu16(a, b), _mm256_avg_epu16(c, d));
}

AVX2 static inline __m256i clamp_r(__m256i v, __m256i lo, __m256i hi)
{
	return _mm256_min_epi16(_mm256_max_epi16(v, lo), hi);
}

/*
 * FAST: both the C-site and the G-site formulas on 16 columns, in int16
 * (kernels.h bounds every intermediate by 30719), then a blend by column
 * parity.
 */
AVX2 static void demosaic_fast(const uint16_t *const rows[5], unsigned n, unsigned g_first,
			       uint16_t *c, uint16_t *g, uint16_t *o)
{
	const uint16_t *u2 = rows[0], *u1 = rows[1], *m = rows[2], *d1 = rows[3], *d2 = rows[4];
	/* The green lanes (x is even at every vector's start). */
	const __m256i green = _mm256_set1_epi32(g_first ? (int)0xffff0000u : 0xffff);
	unsigned x = 0;

	for (; x + 16 <= n; x += 16) {
		__m256i p = ld16(m + x), nn = ld16(u1 + x), ss = ld16(d1 + x);
		__m256i ww = ld16(m + x - 1), ee = ld16(m + x + 1);
		__m256i nw = ld16(u1 + x - 1), ne = ld16(u1 + x + 1);
		__m256i sw = ld16(d1 + x - 1), se = ld16(d1 + x + 1);
		__m256i n2 = ld16(u2 + x), s2 = ld16(d2 + x), w2 = ld16(m + x - 2),
			e2 = ld16(m + x + 2);
		__m256i diag = avg4(nw, ne, sw, se);
		__m256i dlo = _mm256_min_epi16(_mm256_min_epi16(nw, ne), _mm256_min_epi16(sw, se));
		__m256i dhi = _mm256_max_epi16(_mm256_max_epi16(nw, ne), _mm256_max_epi16(sw, se));
		__m256i ns_lo = _mm256_min_epi16(nn, ss), ns_hi = _mm256_max_epi16(nn, ss);
		__m256i we_lo = _mm256_min_epi16(ww, ee), we_hi = _mm256_max_epi16(ww, ee);

		/* C sites */
		__m256i ns = _mm256_avg_epu16(nn, ss), we = _mm256_avg_epu16(ww, ee);
		__m256i ns2 = _mm256_avg_epu16(n2, s2), we2 = _mm256_avg_epu16(w2, e2);
		__m256i h = _mm256_srai_epi16(_mm256_sub_epi16(p, _mm256_avg_epu16(ns2, we2)), 1);
		__m256i gc =
			clamp_r(_mm256_add_epi16(_mm256_avg_epu16(ns, we), h),
				_mm256_min_epi16(ns_lo, we_lo), _mm256_max_epi16(ns_hi, we_hi));
		__m256i oc = clamp_r(
			_mm256_add_epi16(_mm256_add_epi16(diag, h), _mm256_srai_epi16(h, 1)), dlo,
			dhi);

		/* G sites */
		__m256i e = _mm256_srai_epi16(_mm256_sub_epi16(p, diag), 1);
		__m256i fh = _mm256_sub_epi16(p, we2), fv = _mm256_sub_epi16(p, ns2);
		__m256i cg = _mm256_add_epi16(_mm256_add_epi16(we, e), _mm256_srai_epi16(fh, 2));
		__m256i og = _mm256_add_epi16(_mm256_add_epi16(ns, e), _mm256_srai_epi16(fv, 2));

		cg = clamp_r(_mm256_sub_epi16(cg, _mm256_srai_epi16(fv, 3)), we_lo, we_hi);
		og = clamp_r(_mm256_sub_epi16(og, _mm256_srai_epi16(fh, 3)), ns_lo, ns_hi);

		_mm256_storeu_si256((__m256i *)(c + x), _mm256_blendv_epi8(p, cg, green));
		_mm256_storeu_si256((__m256i *)(g + x), _mm256_blendv_epi8(gc, p, green));
		_mm256_storeu_si256((__m256i *)(o + x), _mm256_blendv_epi8(oc, og, green));
	}
	if (x < n) {
		const uint16_t *const r[5] = {u2 + x, u1 + x, m + x, d1 + x, d2 + x};

		SC.demosaic_fast(r, n - x, g_first, c + x, g + x, o + x);
	}
}

/*
 * HQ stages. Integer parts exactly as the scalar kernels, floats in the
 * same IEEE operations in the same order (no FMA: this file does not
 * enable it), rne by cvtps2dq. The stages that compute at one column
 * parity P take 16 columns x .. x+15, load their inputs from b = x + P on
 * so that the P columns are the low halves of 32-bit lanes (low_ld, or
 * madd with (1, 0)), and put the 8 results back into their columns (put).
 */

struct parity {
	__m128i pl;   /* shift left that places a result in the P half of a 32-bit lane */
	__m256i keep; /* the other parity's halves */
};

AVX2 static inline struct parity parity_of(unsigned p)
{
	struct parity r;

	r.pl = _mm_cvtsi32_si128(p ? 16 : 0);
	r.keep = _mm256_set1_epi32(p ? 0xffff : (int)0xffff0000u);
	return r;
}

/* The P columns of 16 unsigned samples loaded from a P column on, as 8 int32 lanes. */
AVX2 static inline __m256i low_ld(const uint16_t *p)
{
	return _mm256_and_si256(_mm256_loadu_si256((const __m256i *)p), _mm256_set1_epi32(0xffff));
}

/* @r (0..WMAX in 8 int32 lanes) into the P columns, the others from @base. */
AVX2 static inline __m256i put(const struct parity *p, __m256i base, __m256i r)
{
	return _mm256_or_si256(_mm256_and_si256(base, p->keep), _mm256_sll_epi32(r, p->pl));
}

AVX2 static inline __m256i clamp_w32(__m256i v)
{
	return _mm256_min_epi32(_mm256_max_epi32(v, _mm256_setzero_si256()),
				_mm256_set1_epi32(PH_ISP_WMAX));
}

/* |a - b| of 16-bit lanes whose difference fits int16. */
AVX2 static inline __m256i absdiff16(__m256i a, __m256i b)
{
	return _mm256_abs_epi16(_mm256_sub_epi16(a, b));
}

AVX2 static inline __m256i absdiff32(__m256i a, __m256i b)
{
	return _mm256_abs_epi32(_mm256_sub_epi32(a, b));
}

AVX2 static void dm_hq_diff(const uint16_t *const rows[5], unsigned n, unsigned g_first,
			    int16_t *dh, int16_t *dv)
{
	const uint16_t *u2 = rows[0], *u1 = rows[1], *m = rows[2], *d1 = rows[3], *d2 = rows[4];
	/* -1 at the green lanes, +1 at the others. */
	const __m256i sign = _mm256_set1_epi32(g_first ? (int)0xffff0001u : 0x0001ffff);
	unsigned x = 0;

	for (; x + 16 <= n; x += 16) {
		__m256i p = ld16(m + x);
		__m256i ah = _mm256_avg_epu16(ld16(m + x - 1), ld16(m + x + 1));
		__m256i bh = _mm256_avg_epu16(ld16(m + x - 2), ld16(m + x + 2));
		__m256i av = _mm256_avg_epu16(ld16(u1 + x), ld16(d1 + x));
		__m256i bv = _mm256_avg_epu16(ld16(u2 + x), ld16(d2 + x));
		__m256i h = _mm256_sub_epi16(ah, _mm256_avg_epu16(p, bh));
		__m256i v = _mm256_sub_epi16(av, _mm256_avg_epu16(p, bv));

		_mm256_storeu_si256((__m256i *)(dh + x), _mm256_sign_epi16(h, sign));
		_mm256_storeu_si256((__m256i *)(dv + x), _mm256_sign_epi16(v, sign));
	}
	if (x < n) {
		const uint16_t *const r[5] = {u2 + x, u1 + x, m + x, d1 + x, d2 + x};

		SC.dm_hq_diff(r, n - x, g_first, dh + x, dv + x);
	}
}

/* madd multiplier: the low (even) lane of each pair. */
#define MADD_LO 0x00000001

/* The halved gradients of a row's differences (kernels.h), 16 columns per step. */
AVX2 static void dm_hq_grad(const int16_t *dh, const int16_t *const dv[2], unsigned n,
			    uint16_t *grad_h, uint16_t *grad_v)
{
	const int16_t *u = dv[0], *d = dv[1];
	unsigned x = 0;

#define LDI(p)		   _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define HALF_ABSDIFF(a, b) _mm256_srli_epi16(absdiff16(a, b), 1)
	for (; x + 16 <= n; x += 16) {
		__m256i v = _mm256_add_epi16(HALF_ABSDIFF(LDI(u + x - 1), LDI(d + x - 1)),
					     HALF_ABSDIFF(LDI(u + x), LDI(d + x)));

		v = _mm256_add_epi16(v, HALF_ABSDIFF(LDI(u + x + 1), LDI(d + x + 1)));
		_mm256_storeu_si256((__m256i *)(grad_h + x),
				    HALF_ABSDIFF(LDI(dh + x - 1), LDI(dh + x + 1)));
		_mm256_storeu_si256((__m256i *)(grad_v + x), v);
	}
#undef HALF_ABSDIFF
#undef LDI
	if (x < n) {
		const int16_t *const v2[2] = {u + x, d + x};

		SC.dm_hq_grad(dh + x, v2, n - x, grad_h + x, grad_v + x);
	}
}

/*
 * Green at the C sites. With b = x + (C parity), the C sites are b + 2j:
 * every load is relative to b, a 32-bit lane's low half is column b + 2j
 * and its high half b + 2j + 1, so madd with (1, 0) or a mask takes the
 * C sites, and the 3-wide gradient sums need no shifts. The halved
 * gradients are at most WMAX each and summed over three rows in 16 bits
 * (<= 3 WMAX, unsigned). Loads reach b - 2 .. b + 17 <= n + 2: inside the
 * mirrored pad.
 */
AVX2 static void dm_hq_green(const uint16_t *m, const int16_t *dh, const int16_t *const dv[5],
			     const uint16_t *const grad_h[3], const uint16_t *const grad_v[5],
			     unsigned n, unsigned g_first, uint16_t *g)
{
	const unsigned pc = g_first ^ 1;
	const struct parity par = parity_of(pc);
	const __m256i lo = _mm256_set1_epi32(MADD_LO), lo16 = _mm256_set1_epi32(0xffff);
	const __m256i k_22_36 = _mm256_set1_epi32(pair16(22, 36));
	const __m256i k_36_22 = _mm256_set1_epi32(pair16(36, 22));
	const __m256i k6 = _mm256_set1_epi32(6); /* (6, 0): the low lane */
	const __m256i eps = _mm256_set1_epi32(PH_ISP_HQ_EPS_G), r32 = _mm256_set1_epi32(32);
	const uint16_t *h0 = grad_h[0], *h1 = grad_h[1], *h2 = grad_h[2];
	unsigned x = 0;

#define LDI(p)	   _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define MADD(v, k) _mm256_madd_epi16(v, k)
/* Three rows of halved horizontal gradients summed, at columns from @c. */
#define GH3(c) _mm256_add_epi16(_mm256_add_epi16(LDI(h0 + (c)), LDI(h1 + (c))), LDI(h2 + (c)))
/* The C-site (low) halves of 32-bit lanes, unsigned. */
#define LOW(v) _mm256_and_si256(v, lo16)
	/*
	 * se at a C site x is T(x) + T(x + 1) + T(x + 2), T the three-row sum,
	 * and sw = the previous C site's se: se moved up one lane, the first
	 * lane from the previous step (before the first step: se at pc - 2).
	 */
	const __m256i up1 = _mm256_setr_epi32(7, 0, 1, 2, 3, 4, 5, 6);
	int32_t t0 = 0;

	for (int a = 0; a < 3; a++)
		for (int c = (int)pc - 2; c <= (int)pc; c++)
			t0 += grad_h[a][c];

	__m256i prev = _mm256_set1_epi32(t0);

	for (; x + 16 <= n; x += 16) {
		const ptrdiff_t b = (ptrdiff_t)(x + pc);
		__m256i t = GH3(b), t2 = GH3(b + 2);
		__m256i se = _mm256_add_epi32(_mm256_add_epi32(LOW(t), _mm256_srli_epi32(t, 16)),
					      LOW(t2));
		__m256i sw_up = _mm256_permutevar8x32_epi32(se, up1);
		__m256i sw = _mm256_blend_epi32(sw_up, prev, 0x01);
		__m256i v2 = LOW(LDI(grad_v[2] + b));
		__m256i sn = _mm256_add_epi32(
			_mm256_add_epi32(LOW(LDI(grad_v[0] + b)), LOW(LDI(grad_v[1] + b))), v2);
		__m256i ss = _mm256_add_epi32(
			_mm256_add_epi32(LOW(LDI(grad_v[3] + b)), LOW(LDI(grad_v[4] + b))), v2);

		prev = sw_up;

		const int16_t *hc = dh + b;
		__m256i ew = _mm256_add_epi32(MADD(LDI(hc - 1), k_22_36), MADD(LDI(hc - 2), k6));
		__m256i ee = _mm256_add_epi32(MADD(LDI(hc), k_36_22), MADD(LDI(hc + 2), k6));
		/* (V(0), V(-1)) and (V(0), V(1)) pairs in each lane, for one madd each. */
		__m256i v0 = LDI(dv[2] + b);
		__m256i en = _mm256_add_epi32(
			MADD(_mm256_blend_epi16(v0, _mm256_slli_epi32(LDI(dv[1] + b), 16), 0xaa),
			     k_36_22),
			MADD(LDI(dv[0] + b), k6));
		__m256i es = _mm256_add_epi32(
			MADD(_mm256_blend_epi16(v0, _mm256_slli_epi32(LDI(dv[3] + b), 16), 0xaa),
			     k_36_22),
			MADD(LDI(dv[4] + b), k6));
		__m256 tn = _mm256_cvtepi32_ps(_mm256_add_epi32(sn, eps));
		__m256 ts = _mm256_cvtepi32_ps(_mm256_add_epi32(ss, eps));
		__m256 tw = _mm256_cvtepi32_ps(_mm256_add_epi32(sw, eps));
		__m256 te = _mm256_cvtepi32_ps(_mm256_add_epi32(se, eps));
		__m256 qn = _mm256_mul_ps(tn, tn), qs = _mm256_mul_ps(ts, ts);
		__m256 qw = _mm256_mul_ps(tw, tw), qe = _mm256_mul_ps(te, te);
		__m256 pa = _mm256_mul_ps(qn, qs), pb = _mm256_mul_ps(qw, qe);
		__m256 wn = _mm256_mul_ps(qs, pb), ws = _mm256_mul_ps(qn, pb);
		__m256 ww = _mm256_mul_ps(qe, pa), we = _mm256_mul_ps(qw, pa);
		__m256 num =
			_mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(wn, _mm256_cvtepi32_ps(en)),
						    _mm256_mul_ps(ws, _mm256_cvtepi32_ps(es))),
				      _mm256_add_ps(_mm256_mul_ps(ww, _mm256_cvtepi32_ps(ew)),
						    _mm256_mul_ps(we, _mm256_cvtepi32_ps(ee))));
		__m256 den = _mm256_add_ps(_mm256_add_ps(wn, ws), _mm256_add_ps(ww, we));
		__m256i d = _mm256_cvtps_epi32(_mm256_div_ps(num, den));
		__m256i gv = _mm256_add_epi32(_mm256_slli_epi32(MADD(LDI(m + b), lo), 6), d);

		gv = clamp_w32(_mm256_srai_epi32(_mm256_add_epi32(gv, r32), 6));
		_mm256_storeu_si256((__m256i *)(g + x), put(&par, LDI(m + x), gv));
	}
#undef LOW
#undef GH3
#undef LDI
#undef MADD
	if (x < n) {
		const int16_t *const v5[5] = {dv[0] + x, dv[1] + x, dv[2] + x, dv[3] + x,
					      dv[4] + x};
		const uint16_t *const gh3[3] = {h0 + x, h1 + x, h2 + x};
		const uint16_t *const gv5[5] = {grad_v[0] + x, grad_v[1] + x, grad_v[2] + x,
						grad_v[3] + x, grad_v[4] + x};

		SC.dm_hq_green(m + x, dh + x, v5, gh3, gv5, n - x, g_first, g + x);
	}
}

/* rne(((float)da * (float)tb + (float)db * (float)ta) / (2.0f * (float)(ta + tb))). */
AVX2 static inline __m256i pair_blend(__m256i da, __m256i db, __m256i ta, __m256i tb)
{
	__m256 num = _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(da), _mm256_cvtepi32_ps(tb)),
				   _mm256_mul_ps(_mm256_cvtepi32_ps(db), _mm256_cvtepi32_ps(ta)));
	__m256 den =
		_mm256_mul_ps(_mm256_set1_ps(2.0f), _mm256_cvtepi32_ps(_mm256_add_epi32(ta, tb)));

	return _mm256_cvtps_epi32(_mm256_div_ps(num, den));
}

AVX2 static void dm_hq_cross(const uint16_t *const rows[3], const uint16_t *const grn[3],
			     unsigned n, unsigned g_first, uint16_t *xo)
{
	const struct parity pc = parity_of(g_first ^ 1);
	const uint16_t *mu = rows[0], *md = rows[2], *gu = grn[0], *g0 = grn[1], *gd = grn[2];
	const __m256i eps = _mm256_set1_epi32(PH_ISP_HQ_EPS);
	unsigned x = 0;

	for (; x + 16 <= n; x += 16) {
		const ptrdiff_t b = (ptrdiff_t)(x + (g_first ^ 1));
		__m256i gc = low_ld(g0 + b), gc2 = _mm256_add_epi32(gc, gc);
		__m256i mul = low_ld(mu + b - 1), mur = low_ld(mu + b + 1);
		__m256i mdl = low_ld(md + b - 1), mdr = low_ld(md + b + 1);
		__m256i gul = low_ld(gu + b - 1), gur = low_ld(gu + b + 1);
		__m256i gdl = low_ld(gd + b - 1), gdr = low_ld(gd + b + 1);
		__m256i da =
			_mm256_add_epi32(_mm256_sub_epi32(gul, mul), _mm256_sub_epi32(gdr, mdr));
		__m256i db =
			_mm256_add_epi32(_mm256_sub_epi32(gur, mur), _mm256_sub_epi32(gdl, mdl));
		__m256i ta = _mm256_add_epi32(
			_mm256_add_epi32(eps, absdiff32(mul, mdr)),
			_mm256_abs_epi32(_mm256_sub_epi32(_mm256_sub_epi32(gc2, gul), gdr)));
		__m256i tb = _mm256_add_epi32(
			_mm256_add_epi32(eps, absdiff32(mur, mdl)),
			_mm256_abs_epi32(_mm256_sub_epi32(_mm256_sub_epi32(gc2, gur), gdl)));
		__m256i v = clamp_w32(_mm256_sub_epi32(gc, pair_blend(da, db, ta, tb)));

		_mm256_storeu_si256((__m256i *)(xo + x), put(&pc, _mm256_setzero_si256(), v));
	}
	if (x < n) {
		const uint16_t *const r3[3] = {mu + x, rows[1] + x, md + x};
		const uint16_t *const g3[3] = {gu + x, g0 + x, gd + x};

		SC.dm_hq_cross(r3, g3, n - x, g_first, xo + x);
	}
}

AVX2 static void dm_hq_rgb(const uint16_t *const rows[3], const uint16_t *const grn[5],
			   const uint16_t *const xr[3], unsigned n, unsigned g_first, uint16_t *c,
			   uint16_t *g, uint16_t *o)
{
	const struct parity pg = parity_of(g_first);
	const uint16_t *mu = rows[0], *m = rows[1], *md = rows[2];
	const uint16_t *gu2 = grn[0], *gu = grn[1], *g0 = grn[2], *gd = grn[3], *gd2 = grn[4];
	const uint16_t *xu = xr[0], *x0 = xr[1], *xd = xr[2];
	const __m256i eps = _mm256_set1_epi32(PH_ISP_HQ_EPS);
	unsigned x = 0;

	for (; x + 16 <= n; x += 16) {
		const ptrdiff_t b = (ptrdiff_t)(x + g_first);
		__m256i graw = ld16(g0 + x);
		__m256i gc = low_ld(g0 + b), gc2 = _mm256_add_epi32(gc, gc);
		__m256i vu = low_ld(gu + b), vd = low_ld(gd + b);
		__m256i gl = low_ld(g0 + b - 1), gr = low_ld(g0 + b + 1);
		__m256i gv = _mm256_add_epi32(
			absdiff32(vu, vd),
			_mm256_abs_epi32(_mm256_sub_epi32(_mm256_sub_epi32(gc2, low_ld(gu2 + b)),
							  low_ld(gd2 + b))));
		__m256i gh = _mm256_add_epi32(
			absdiff32(gl, gr),
			_mm256_abs_epi32(_mm256_sub_epi32(_mm256_sub_epi32(gc2, low_ld(g0 + b - 2)),
							  low_ld(g0 + b + 2))));
		__m256i xu0 = low_ld(xu + b), xd0 = low_ld(xd + b);
		__m256i xl = low_ld(x0 + b - 1), xrr = low_ld(x0 + b + 1);
		__m256i ml = low_ld(m + b - 1), mr = low_ld(m + b + 1);
		__m256i mu0 = low_ld(mu + b), md0 = low_ld(md + b);
		__m256i tcv = _mm256_add_epi32(_mm256_add_epi32(eps, gv), absdiff32(xu0, xd0));
		__m256i tch = _mm256_add_epi32(_mm256_add_epi32(eps, gh), absdiff32(ml, mr));
		__m256i tov = _mm256_add_epi32(_mm256_add_epi32(eps, gv), absdiff32(mu0, md0));
		__m256i toh = _mm256_add_epi32(_mm256_add_epi32(eps, gh), absdiff32(xl, xrr));
		__m256i dcv =
			_mm256_add_epi32(_mm256_sub_epi32(vu, xu0), _mm256_sub_epi32(vd, xd0));
		__m256i dch = _mm256_add_epi32(_mm256_sub_epi32(gl, ml), _mm256_sub_epi32(gr, mr));
		__m256i dov =
			_mm256_add_epi32(_mm256_sub_epi32(vu, mu0), _mm256_sub_epi32(vd, md0));
		__m256i doh = _mm256_add_epi32(_mm256_sub_epi32(gl, xl), _mm256_sub_epi32(gr, xrr));
		__m256i cv = clamp_w32(_mm256_sub_epi32(gc, pair_blend(dcv, dch, tcv, tch)));
		__m256i ov = clamp_w32(_mm256_sub_epi32(gc, pair_blend(dov, doh, tov, toh)));

		_mm256_storeu_si256((__m256i *)(c + x), put(&pg, ld16(m + x), cv));
		_mm256_storeu_si256((__m256i *)(g + x), graw);
		_mm256_storeu_si256((__m256i *)(o + x), put(&pg, ld16(x0 + x), ov));
	}
	if (x < n) {
		const uint16_t *const r3[3] = {mu + x, m + x, md + x};
		const uint16_t *const g5[5] = {gu2 + x, gu + x, g0 + x, gd + x, gd2 + x};
		const uint16_t *const x3[3] = {xu + x, x0 + x, xd + x};

		SC.dm_hq_rgb(r3, g5, x3, n - x, g_first, c + x, g + x, o + x);
	}
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
 * Tone: gathers of 32-bit words from the expanded 8-bit curve (t->lut) and
 * from the 16-bit LUT. The index is clamped so the word read stays inside
 * the WMAX + 1 entries, and the wanted entry shifted down.
 */
AVX2 static inline __m256i gather8(const uint8_t *lut, __m128i src)
{
	const __m256i top = _mm256_set1_epi32(PH_ISP_WMAX - 3), ff = _mm256_set1_epi32(0xff);
	__m256i x = _mm256_cvtepu16_epi32(src), i = _mm256_min_epi32(x, top);
	__m256i v = _mm256_i32gather_epi32((const int *)(const void *)lut, i, 1);

	return _mm256_and_si256(_mm256_srlv_epi32(v, _mm256_slli_epi32(_mm256_sub_epi32(x, i), 3)),
				ff);
}

/* The 8-bit curve of 16 working values, as 16 16-bit lanes in order. */
AVX2 static inline __m256i tone8_16(const struct ph_isp_tone8 *t, __m256i x)
{
	__m256i a = gather8(t->lut, _mm256_castsi256_si128(x));
	__m256i b = gather8(t->lut, _mm256_extracti128_si256(x, 1));

	return _mm256_permute4x64_epi64(_mm256_packus_epi32(a, b), 0xd8);
}

AVX2 static inline __m256i gather16(const uint16_t *lut, __m128i src)
{
	const __m256i top = _mm256_set1_epi32(PH_ISP_WMAX - 1), ffff = _mm256_set1_epi32(0xffff);
	__m256i x = _mm256_cvtepu16_epi32(src), i = _mm256_min_epi32(x, top);
	__m256i v = _mm256_i32gather_epi32((const int *)(const void *)lut, i, 2);

	return _mm256_and_si256(_mm256_srlv_epi32(v, _mm256_slli_epi32(_mm256_sub_epi32(x, i), 4)),
				ffff);
}

AVX2 static void tone8(const uint16_t *src, unsigned n, const struct ph_isp_tone8 *t, uint8_t *dst)
{
	unsigned i = 0;

	for (; i + 16 <= n; i += 16) {
		__m256i v = tone8_16(t, _mm256_loadu_si256((const __m256i *)(src + i)));

		_mm_storeu_si128((__m128i *)(dst + i), to_u8(v));
	}
	if (i < n)
		SC.tone8(src + i, n - i, t, dst + i);
}

AVX2 static void ccm_tone8(const uint16_t *r, const uint16_t *g, const uint16_t *b, unsigned n,
			   const struct ph_isp_ccm *mat, const struct ph_isp_tone8 *t, uint8_t *ro,
			   uint8_t *go, uint8_t *bo)
{
	static const struct ph_isp_ccm unit = {{1 << PH_ISP_CCM_SHIFT, 0, 0, 0,
						1 << PH_ISP_CCM_SHIFT, 0, 0, 0,
						1 << PH_ISP_CCM_SHIFT},
					       {0, 0, 0}};
	const int16_t *m = (mat ? mat : &unit)->m;
	const int32_t *o = (mat ? mat : &unit)->offset;
	const __m256i k01[3] = {_mm256_set1_epi32(pair16(m[0], m[1])),
				_mm256_set1_epi32(pair16(m[3], m[4])),
				_mm256_set1_epi32(pair16(m[6], m[7]))};
	const __m256i k2[3] = {_mm256_set1_epi32(pair16(m[2], 0)),
			       _mm256_set1_epi32(pair16(m[5], 0)),
			       _mm256_set1_epi32(pair16(m[8], 0))};
	const int half = 1 << (PH_ISP_CCM_SHIFT - 1);
	const __m256i off[3] = {_mm256_set1_epi32(o[0] + half), _mm256_set1_epi32(o[1] + half),
				_mm256_set1_epi32(o[2] + half)};
	const __m256i zero = _mm256_setzero_si256(), wmax = _mm256_set1_epi16(PH_ISP_WMAX);
	uint8_t *const out[3] = {ro, go, bo};
	unsigned i = 0;

	for (; i + 16 <= n; i += 16) {
		__m256i v[3] = {_mm256_loadu_si256((const __m256i *)(r + i)),
				_mm256_loadu_si256((const __m256i *)(g + i)),
				_mm256_loadu_si256((const __m256i *)(b + i))};
		__m256i w[3] = {v[0], v[1], v[2]};

		for (unsigned c = 0; c < 3 && mat; c++)
			w[c] = _mm256_min_epi16(
				_mm256_max_epi16(dot3_ccm(v[0], v[1], v[2], k01[c], k2[c], off[c]),
						 zero),
				wmax);
		for (unsigned c = 0; c < 3; c++)
			_mm_storeu_si128((__m128i *)(out[c] + i), to_u8(tone8_16(t, w[c])));
	}
	if (i < n)
		SC.ccm_tone8(r + i, g + i, b + i, n - i, mat, t, ro + i, go + i, bo + i);
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

/* 24- and 32-bit RGB and RGB48 are lane shuffles: the SSE4.1 packers serve here too. */

AVX2 static inline __m128i load16(const uint8_t *p)
{
	return _mm_loadu_si128((const __m128i *)p);
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
	ph_isp_kernels_sse41(k); /* any kernel not below stays SSE4.1 (or scalar) */
	k->name = "avx2";
	k->unpack[PH_ISP_UNPACK_8] = unpack_8;
	k->unpack[PH_ISP_UNPACK_16] = unpack_16;
	k->unpack[PH_ISP_UNPACK_10P] = unpack_10p;
	k->unpack[PH_ISP_UNPACK_12P] = unpack_12p;
	k->linearise = linearise;
	k->linearise_lsc = linearise_lsc;
	k->stats = stats;
	k->demosaic_fast = demosaic_fast;
	k->dm_hq_diff = dm_hq_diff;
	k->dm_hq_grad = dm_hq_grad;
	k->dm_hq_green = dm_hq_green;
	k->dm_hq_cross = dm_hq_cross;
	k->dm_hq_rgb = dm_hq_rgb;
	k->bin2x2 = bin2x2;
	k->ccm = ccm;
	k->tone8 = tone8;
	k->tone16 = tone16;
	k->ccm_tone8 = ccm_tone8;
	k->pack[PH_ISP_PACK_RGB565] = pack_rgb565;
	k->luma = luma;
	k->chroma420 = chroma420;
	k->yuyv = yuyv;
	k->uyvy = uyvy;
}

#else
typedef int ph_isp_kernels_avx2_unused; /* not an empty translation unit */
#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SSE4.1 kernels for x86-64 CPUs without AVX2, bit-exact with the scalar
 * reference (kernels-scalar.c; the arithmetic is in kernels.h). Every
 * function carries target("sse4.1"); isp.c only picks these kernels when
 * the CPU runs them.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "isp/isp.h"
#include "isp/kernels.h"

#if defined(__x86_64__)

#include <immintrin.h>

#define SSE41 __attribute__((target("sse4.1")))

#define SC ph_isp_kernels_scalar

/* Two 16-bit values as one 32-bit lane, @a in the low half (madd pairs, per-parity constants). */
static inline int pair16(int a, int b)
{
	return (int)((uint32_t)(uint16_t)a | (uint32_t)(uint16_t)b << 16);
}

/* ---- black level and gains ---------------------------------------------------------------- */

struct lin_consts {
	__m128i shift, k;
	__m128i black, round, wmax;
};

SSE41 static inline struct lin_consts lin_setup(const struct ph_isp_lin *lin)
{
	struct lin_consts c;

	c.shift = _mm_cvtsi32_si128(lin->shift);
	c.k = _mm_cvtsi32_si128(lin->gain_shift);
	c.black = _mm_set1_epi32((int)(lin->black[0] | (uint32_t)lin->black[1] << 16));
	c.round = _mm_set1_epi32(1 << (lin->gain_shift - 1));
	c.wmax = _mm_set1_epi16(PH_ISP_WMAX);
	return c;
}

/* 8 samples: min((sat(raw << shift - black) * gain + round) >> k, WMAX), exact in 32 bits. */
SSE41 static inline __m128i lin16(const struct lin_consts *c, __m128i raw, __m128i gain)
{
	__m128i v = _mm_subs_epu16(_mm_sll_epi16(raw, c->shift), c->black);
	__m128i lo = _mm_mullo_epi16(v, gain), hi = _mm_mulhi_epu16(v, gain);
	__m128i p0 = _mm_unpacklo_epi16(lo, hi), p1 = _mm_unpackhi_epi16(lo, hi);

	p0 = _mm_srl_epi32(_mm_add_epi32(p0, c->round), c->k);
	p1 = _mm_srl_epi32(_mm_add_epi32(p1, c->round), c->k);
	return _mm_min_epu16(_mm_packus_epi32(p0, p1), c->wmax);
}

SSE41 static void linearise(const uint16_t *raw, unsigned n, const struct ph_isp_lin *lin,
			    uint16_t *dst)
{
	struct lin_consts c = lin_setup(lin);
	__m128i gain = _mm_set1_epi32((int)(lin->gain[0] | (uint32_t)lin->gain[1] << 16));
	unsigned i = 0;

	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(dst + i),
				 lin16(&c, _mm_loadu_si128((const __m128i *)(raw + i)), gain));
	if (i < n)
		SC.linearise(raw + i, n - i, lin, dst + i);
}

SSE41 static void linearise_lsc(const uint16_t *raw, unsigned n, const struct ph_isp_lin *lin,
				const uint16_t *gains, uint16_t *dst)
{
	struct lin_consts c = lin_setup(lin);
	unsigned i = 0;

	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(dst + i),
				 lin16(&c, _mm_loadu_si128((const __m128i *)(raw + i)),
				       _mm_loadu_si128((const __m128i *)(gains + i))));
	if (i < n)
		SC.linearise_lsc(raw + i, n - i, lin, gains + i, dst + i);
}

/* ---- demosaic ----------------------------------------------------------------------------- */

SSE41 static inline __m128i ld16(const uint16_t *p)
{
	return _mm_loadu_si128((const __m128i *)p);
}

/* avg2(avg2(a, b), avg2(c, d)) (kernels.h). */
SSE41 static inline __m128i avg4(__m128i a, __m128i b, __m128i c, __m128i d)
{
	return _mm_avg_epu16(_mm_avg_epu16(a, b), _mm_avg_epu16(c, d));
}

SSE41 static inline __m128i clamp_r(__m128i v, __m128i lo, __m128i hi)
{
	return _mm_min_epi16(_mm_max_epi16(v, lo), hi);
}

/*
 * FAST: both the C-site and the G-site formulas on 8 columns, in int16
 * (kernels.h bounds every intermediate by 30719), then a blend by column
 * parity.
 */
SSE41 static void demosaic_fast(const uint16_t *const rows[5], unsigned n, unsigned g_first,
				uint16_t *c, uint16_t *g, uint16_t *o)
{
	const uint16_t *u2 = rows[0], *u1 = rows[1], *m = rows[2], *d1 = rows[3], *d2 = rows[4];
	/* The green lanes (x is even at every vector's start). */
	const __m128i green = _mm_set1_epi32(g_first ? (int)0xffff0000u : 0xffff);
	unsigned x = 0;

	for (; x + 8 <= n; x += 8) {
		__m128i p = ld16(m + x), nn = ld16(u1 + x), ss = ld16(d1 + x);
		__m128i ww = ld16(m + x - 1), ee = ld16(m + x + 1);
		__m128i nw = ld16(u1 + x - 1), ne = ld16(u1 + x + 1);
		__m128i sw = ld16(d1 + x - 1), se = ld16(d1 + x + 1);
		__m128i n2 = ld16(u2 + x), s2 = ld16(d2 + x), w2 = ld16(m + x - 2),
			e2 = ld16(m + x + 2);
		__m128i diag = avg4(nw, ne, sw, se);
		__m128i dlo = _mm_min_epi16(_mm_min_epi16(nw, ne), _mm_min_epi16(sw, se));
		__m128i dhi = _mm_max_epi16(_mm_max_epi16(nw, ne), _mm_max_epi16(sw, se));
		__m128i ns_lo = _mm_min_epi16(nn, ss), ns_hi = _mm_max_epi16(nn, ss);
		__m128i we_lo = _mm_min_epi16(ww, ee), we_hi = _mm_max_epi16(ww, ee);

		/* C sites */
		__m128i ns = _mm_avg_epu16(nn, ss), we = _mm_avg_epu16(ww, ee);
		__m128i ns2 = _mm_avg_epu16(n2, s2), we2 = _mm_avg_epu16(w2, e2);
		__m128i h = _mm_srai_epi16(_mm_sub_epi16(p, _mm_avg_epu16(ns2, we2)), 1);
		__m128i gc = clamp_r(_mm_add_epi16(_mm_avg_epu16(ns, we), h),
				     _mm_min_epi16(ns_lo, we_lo), _mm_max_epi16(ns_hi, we_hi));
		__m128i oc = clamp_r(_mm_add_epi16(_mm_add_epi16(diag, h), _mm_srai_epi16(h, 1)),
				     dlo, dhi);

		/* G sites */
		__m128i e = _mm_srai_epi16(_mm_sub_epi16(p, diag), 1);
		__m128i fh = _mm_sub_epi16(p, we2), fv = _mm_sub_epi16(p, ns2);
		__m128i cg = _mm_add_epi16(_mm_add_epi16(we, e), _mm_srai_epi16(fh, 2));
		__m128i og = _mm_add_epi16(_mm_add_epi16(ns, e), _mm_srai_epi16(fv, 2));

		cg = clamp_r(_mm_sub_epi16(cg, _mm_srai_epi16(fv, 3)), we_lo, we_hi);
		og = clamp_r(_mm_sub_epi16(og, _mm_srai_epi16(fh, 3)), ns_lo, ns_hi);

		_mm_storeu_si128((__m128i *)(c + x), _mm_blendv_epi8(p, cg, green));
		_mm_storeu_si128((__m128i *)(g + x), _mm_blendv_epi8(gc, p, green));
		_mm_storeu_si128((__m128i *)(o + x), _mm_blendv_epi8(oc, og, green));
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
 * parity P take 8 columns, move the P columns' 16-bit values to 4 int32
 * lanes (sel) and put the 8 results back into their columns (put).
 */

struct parity {
	__m128i up;   /* shift left before the arithmetic shift right by 16: selects P */
	__m128i pl;   /* shift left that places a result in the P half of a 32-bit lane */
	__m128i keep; /* the other parity's halves */
};

SSE41 static inline struct parity parity_of(unsigned p)
{
	struct parity r;

	r.up = _mm_cvtsi32_si128(p ? 0 : 16);
	r.pl = _mm_cvtsi32_si128(p ? 16 : 0);
	r.keep = _mm_set1_epi32(p ? 0xffff : (int)0xffff0000u);
	return r;
}

SSE41 static inline __m128i sel(const struct parity *p, __m128i v)
{
	return _mm_srai_epi32(_mm_sll_epi32(v, p->up), 16);
}

SSE41 static inline __m128i sel_ld(const struct parity *p, const void *v)
{
	return sel(p, _mm_loadu_si128((const __m128i *)v));
}

/* @r (0..WMAX in 8 int32 lanes) into the P columns, the others from @base. */
SSE41 static inline __m128i put(const struct parity *p, __m128i base, __m128i r)
{
	return _mm_or_si128(_mm_and_si128(base, p->keep), _mm_sll_epi32(r, p->pl));
}

SSE41 static inline __m128i clamp_w32(__m128i v)
{
	return _mm_min_epi32(_mm_max_epi32(v, _mm_setzero_si128()), _mm_set1_epi32(PH_ISP_WMAX));
}

/* |a - b| of 16-bit lanes whose difference fits int16. */
SSE41 static inline __m128i absdiff16(__m128i a, __m128i b)
{
	return _mm_abs_epi16(_mm_sub_epi16(a, b));
}

SSE41 static inline __m128i absdiff32(__m128i a, __m128i b)
{
	return _mm_abs_epi32(_mm_sub_epi32(a, b));
}

SSE41 static void dm_hq_diff(const uint16_t *const rows[5], unsigned n, unsigned g_first,
			     int16_t *dh, int16_t *dv)
{
	const uint16_t *u2 = rows[0], *u1 = rows[1], *m = rows[2], *d1 = rows[3], *d2 = rows[4];
	/* -1 at the green lanes, +1 at the others. */
	const __m128i sign = _mm_set1_epi32(g_first ? (int)0xffff0001u : 0x0001ffff);
	unsigned x = 0;

	for (; x + 8 <= n; x += 8) {
		__m128i p = ld16(m + x);
		__m128i ah = _mm_avg_epu16(ld16(m + x - 1), ld16(m + x + 1));
		__m128i bh = _mm_avg_epu16(ld16(m + x - 2), ld16(m + x + 2));
		__m128i av = _mm_avg_epu16(ld16(u1 + x), ld16(d1 + x));
		__m128i bv = _mm_avg_epu16(ld16(u2 + x), ld16(d2 + x));
		__m128i h = _mm_sub_epi16(ah, _mm_avg_epu16(p, bh));
		__m128i v = _mm_sub_epi16(av, _mm_avg_epu16(p, bv));

		_mm_storeu_si128((__m128i *)(dh + x), _mm_sign_epi16(h, sign));
		_mm_storeu_si128((__m128i *)(dv + x), _mm_sign_epi16(v, sign));
	}
	if (x < n) {
		const uint16_t *const r[5] = {u2 + x, u1 + x, m + x, d1 + x, d2 + x};

		SC.dm_hq_diff(r, n - x, g_first, dh + x, dv + x);
	}
}

/* madd multiplier: the low (even) lane of each pair. */
#define MADD_LO 0x00000001

/* The halved gradients of a row's differences (kernels.h), 8 columns per step. */
SSE41 static void dm_hq_grad(const int16_t *dh, const int16_t *const dv[2], unsigned n,
			     uint16_t *grad_h, uint16_t *grad_v)
{
	const int16_t *u = dv[0], *d = dv[1];
	unsigned x = 0;

#define LDI(p)		   _mm_loadu_si128((const __m128i *)(const void *)(p))
#define HALF_ABSDIFF(a, b) _mm_srli_epi16(absdiff16(a, b), 1)
	for (; x + 8 <= n; x += 8) {
		__m128i v = _mm_add_epi16(HALF_ABSDIFF(LDI(u + x - 1), LDI(d + x - 1)),
					  HALF_ABSDIFF(LDI(u + x), LDI(d + x)));

		v = _mm_add_epi16(v, HALF_ABSDIFF(LDI(u + x + 1), LDI(d + x + 1)));
		_mm_storeu_si128((__m128i *)(grad_h + x),
				 HALF_ABSDIFF(LDI(dh + x - 1), LDI(dh + x + 1)));
		_mm_storeu_si128((__m128i *)(grad_v + x), v);
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
 * (<= 3 WMAX, unsigned). Loads reach b - 2 .. b + 9 <= n + 2: inside the
 * mirrored pad.
 */
SSE41 static void dm_hq_green(const uint16_t *m, const int16_t *dh, const int16_t *const dv[5],
			      const uint16_t *const grad_h[3], const uint16_t *const grad_v[5],
			      unsigned n, unsigned g_first, uint16_t *g)
{
	const unsigned pc = g_first ^ 1;
	const struct parity par = parity_of(pc);
	const __m128i lo = _mm_set1_epi32(MADD_LO), lo16 = _mm_set1_epi32(0xffff);
	const __m128i k_22_36 = _mm_set1_epi32(pair16(22, 36));
	const __m128i k_36_22 = _mm_set1_epi32(pair16(36, 22));
	const __m128i k6 = _mm_set1_epi32(6); /* (6, 0): the low lane */
	const __m128i eps = _mm_set1_epi32(PH_ISP_HQ_EPS_G), r32 = _mm_set1_epi32(32);
	const uint16_t *h0 = grad_h[0], *h1 = grad_h[1], *h2 = grad_h[2];
	unsigned x = 0;

#define LDI(p)	   _mm_loadu_si128((const __m128i *)(const void *)(p))
#define MADD(v, k) _mm_madd_epi16(v, k)
/* Three rows of halved horizontal gradients summed, at columns from @c. */
#define GH3(c) _mm_add_epi16(_mm_add_epi16(LDI(h0 + (c)), LDI(h1 + (c))), LDI(h2 + (c)))
/* The C-site (low) halves of 32-bit lanes, unsigned. */
#define LOW(v) _mm_and_si128(v, lo16)
	for (; x + 8 <= n; x += 8) {
		const ptrdiff_t b = (ptrdiff_t)(x + pc);
		__m128i tm2 = GH3(b - 2), t = GH3(b), t2 = GH3(b + 2);
		/* se = T(x) + T(x + 1) + T(x + 2), sw = T(x - 2) + T(x - 1) + T(x). */
		__m128i se = _mm_add_epi32(_mm_add_epi32(LOW(t), _mm_srli_epi32(t, 16)), LOW(t2));
		__m128i sw =
			_mm_add_epi32(_mm_add_epi32(LOW(tm2), _mm_srli_epi32(tm2, 16)), LOW(t));
		__m128i v2 = LOW(LDI(grad_v[2] + b));
		__m128i sn = _mm_add_epi32(
			_mm_add_epi32(LOW(LDI(grad_v[0] + b)), LOW(LDI(grad_v[1] + b))), v2);
		__m128i ss = _mm_add_epi32(
			_mm_add_epi32(LOW(LDI(grad_v[3] + b)), LOW(LDI(grad_v[4] + b))), v2);

		const int16_t *hc = dh + b;
		__m128i ew = _mm_add_epi32(MADD(LDI(hc - 1), k_22_36), MADD(LDI(hc - 2), k6));
		__m128i ee = _mm_add_epi32(MADD(LDI(hc), k_36_22), MADD(LDI(hc + 2), k6));
		/* (V(0), V(-1)) and (V(0), V(1)) pairs in each lane, for one madd each. */
		__m128i v0 = LDI(dv[2] + b);
		__m128i en = _mm_add_epi32(
			MADD(_mm_blend_epi16(v0, _mm_slli_epi32(LDI(dv[1] + b), 16), 0xaa),
			     k_36_22),
			MADD(LDI(dv[0] + b), k6));
		__m128i es = _mm_add_epi32(
			MADD(_mm_blend_epi16(v0, _mm_slli_epi32(LDI(dv[3] + b), 16), 0xaa),
			     k_36_22),
			MADD(LDI(dv[4] + b), k6));
		__m128 tn = _mm_cvtepi32_ps(_mm_add_epi32(sn, eps));
		__m128 ts = _mm_cvtepi32_ps(_mm_add_epi32(ss, eps));
		__m128 tw = _mm_cvtepi32_ps(_mm_add_epi32(sw, eps));
		__m128 te = _mm_cvtepi32_ps(_mm_add_epi32(se, eps));
		__m128 qn = _mm_mul_ps(tn, tn), qs = _mm_mul_ps(ts, ts);
		__m128 qw = _mm_mul_ps(tw, tw), qe = _mm_mul_ps(te, te);
		__m128 pa = _mm_mul_ps(qn, qs), pb = _mm_mul_ps(qw, qe);
		__m128 wn = _mm_mul_ps(qs, pb), ws = _mm_mul_ps(qn, pb);
		__m128 ww = _mm_mul_ps(qe, pa), we = _mm_mul_ps(qw, pa);
		__m128 num = _mm_add_ps(_mm_add_ps(_mm_mul_ps(wn, _mm_cvtepi32_ps(en)),
						   _mm_mul_ps(ws, _mm_cvtepi32_ps(es))),
					_mm_add_ps(_mm_mul_ps(ww, _mm_cvtepi32_ps(ew)),
						   _mm_mul_ps(we, _mm_cvtepi32_ps(ee))));
		__m128 den = _mm_add_ps(_mm_add_ps(wn, ws), _mm_add_ps(ww, we));
		__m128i d = _mm_cvtps_epi32(_mm_div_ps(num, den));
		__m128i gv = _mm_add_epi32(_mm_slli_epi32(MADD(LDI(m + b), lo), 6), d);

		gv = clamp_w32(_mm_srai_epi32(_mm_add_epi32(gv, r32), 6));
		_mm_storeu_si128((__m128i *)(g + x), put(&par, LDI(m + x), gv));
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
SSE41 static inline __m128i pair_blend(__m128i da, __m128i db, __m128i ta, __m128i tb)
{
	__m128 num = _mm_add_ps(_mm_mul_ps(_mm_cvtepi32_ps(da), _mm_cvtepi32_ps(tb)),
				_mm_mul_ps(_mm_cvtepi32_ps(db), _mm_cvtepi32_ps(ta)));
	__m128 den = _mm_mul_ps(_mm_set1_ps(2.0f), _mm_cvtepi32_ps(_mm_add_epi32(ta, tb)));

	return _mm_cvtps_epi32(_mm_div_ps(num, den));
}

SSE41 static void dm_hq_cross(const uint16_t *const rows[3], const uint16_t *const grn[3],
			      unsigned n, unsigned g_first, uint16_t *xo)
{
	const struct parity pc = parity_of(g_first ^ 1);
	const uint16_t *mu = rows[0], *md = rows[2], *gu = grn[0], *g0 = grn[1], *gd = grn[2];
	const __m128i eps = _mm_set1_epi32(PH_ISP_HQ_EPS);
	unsigned x = 0;

	for (; x + 8 <= n; x += 8) {
		__m128i gc = sel_ld(&pc, g0 + x), gc2 = _mm_add_epi32(gc, gc);
		__m128i mul = sel_ld(&pc, mu + x - 1), mur = sel_ld(&pc, mu + x + 1);
		__m128i mdl = sel_ld(&pc, md + x - 1), mdr = sel_ld(&pc, md + x + 1);
		__m128i gul = sel_ld(&pc, gu + x - 1), gur = sel_ld(&pc, gu + x + 1);
		__m128i gdl = sel_ld(&pc, gd + x - 1), gdr = sel_ld(&pc, gd + x + 1);
		__m128i da = _mm_add_epi32(_mm_sub_epi32(gul, mul), _mm_sub_epi32(gdr, mdr));
		__m128i db = _mm_add_epi32(_mm_sub_epi32(gur, mur), _mm_sub_epi32(gdl, mdl));
		__m128i ta =
			_mm_add_epi32(_mm_add_epi32(eps, absdiff32(mul, mdr)),
				      _mm_abs_epi32(_mm_sub_epi32(_mm_sub_epi32(gc2, gul), gdr)));
		__m128i tb =
			_mm_add_epi32(_mm_add_epi32(eps, absdiff32(mur, mdl)),
				      _mm_abs_epi32(_mm_sub_epi32(_mm_sub_epi32(gc2, gur), gdl)));
		__m128i v = clamp_w32(_mm_sub_epi32(gc, pair_blend(da, db, ta, tb)));

		_mm_storeu_si128((__m128i *)(xo + x), put(&pc, _mm_setzero_si128(), v));
	}
	if (x < n) {
		const uint16_t *const r3[3] = {mu + x, rows[1] + x, md + x};
		const uint16_t *const g3[3] = {gu + x, g0 + x, gd + x};

		SC.dm_hq_cross(r3, g3, n - x, g_first, xo + x);
	}
}

SSE41 static void dm_hq_rgb(const uint16_t *const rows[3], const uint16_t *const grn[5],
			    const uint16_t *const xr[3], unsigned n, unsigned g_first, uint16_t *c,
			    uint16_t *g, uint16_t *o)
{
	const struct parity pg = parity_of(g_first);
	const uint16_t *mu = rows[0], *m = rows[1], *md = rows[2];
	const uint16_t *gu2 = grn[0], *gu = grn[1], *g0 = grn[2], *gd = grn[3], *gd2 = grn[4];
	const uint16_t *xu = xr[0], *x0 = xr[1], *xd = xr[2];
	const __m128i eps = _mm_set1_epi32(PH_ISP_HQ_EPS);
	unsigned x = 0;

	for (; x + 8 <= n; x += 8) {
		__m128i graw = ld16(g0 + x);
		__m128i gc = sel(&pg, graw), gc2 = _mm_add_epi32(gc, gc);
		__m128i vu = sel_ld(&pg, gu + x), vd = sel_ld(&pg, gd + x);
		__m128i gl = sel_ld(&pg, g0 + x - 1), gr = sel_ld(&pg, g0 + x + 1);
		__m128i gv = _mm_add_epi32(
			absdiff32(vu, vd),
			_mm_abs_epi32(_mm_sub_epi32(_mm_sub_epi32(gc2, sel_ld(&pg, gu2 + x)),
						    sel_ld(&pg, gd2 + x))));
		__m128i gh = _mm_add_epi32(
			absdiff32(gl, gr),
			_mm_abs_epi32(_mm_sub_epi32(_mm_sub_epi32(gc2, sel_ld(&pg, g0 + x - 2)),
						    sel_ld(&pg, g0 + x + 2))));
		__m128i xu0 = sel_ld(&pg, xu + x), xd0 = sel_ld(&pg, xd + x);
		__m128i xl = sel_ld(&pg, x0 + x - 1), xrr = sel_ld(&pg, x0 + x + 1);
		__m128i ml = sel_ld(&pg, m + x - 1), mr = sel_ld(&pg, m + x + 1);
		__m128i mu0 = sel_ld(&pg, mu + x), md0 = sel_ld(&pg, md + x);
		__m128i tcv = _mm_add_epi32(_mm_add_epi32(eps, gv), absdiff32(xu0, xd0));
		__m128i tch = _mm_add_epi32(_mm_add_epi32(eps, gh), absdiff32(ml, mr));
		__m128i tov = _mm_add_epi32(_mm_add_epi32(eps, gv), absdiff32(mu0, md0));
		__m128i toh = _mm_add_epi32(_mm_add_epi32(eps, gh), absdiff32(xl, xrr));
		__m128i dcv = _mm_add_epi32(_mm_sub_epi32(vu, xu0), _mm_sub_epi32(vd, xd0));
		__m128i dch = _mm_add_epi32(_mm_sub_epi32(gl, ml), _mm_sub_epi32(gr, mr));
		__m128i dov = _mm_add_epi32(_mm_sub_epi32(vu, mu0), _mm_sub_epi32(vd, md0));
		__m128i doh = _mm_add_epi32(_mm_sub_epi32(gl, xl), _mm_sub_epi32(gr, xrr));
		__m128i cv = clamp_w32(_mm_sub_epi32(gc, pair_blend(dcv, dch, tcv, tch)));
		__m128i ov = clamp_w32(_mm_sub_epi32(gc, pair_blend(dov, doh, tov, toh)));

		_mm_storeu_si128((__m128i *)(c + x), put(&pg, ld16(m + x), cv));
		_mm_storeu_si128((__m128i *)(g + x), graw);
		_mm_storeu_si128((__m128i *)(o + x), put(&pg, ld16(x0 + x), ov));
	}
	if (x < n) {
		const uint16_t *const r3[3] = {mu + x, m + x, md + x};
		const uint16_t *const g5[5] = {gu2 + x, gu + x, g0 + x, gd + x, gd2 + x};
		const uint16_t *const x3[3] = {xu + x, x0 + x, xd + x};

		SC.dm_hq_rgb(r3, g5, x3, n - x, g_first, c + x, g + x, o + x);
	}
}

/* ---- binning ------------------------------------------------------------------------------ */

SSE41 static void bin2x2(const uint16_t *a, const uint16_t *b, unsigned n_out, uint16_t *dst)
{
	const __m128i ones = _mm_set1_epi16(1), two = _mm_set1_epi32(2);
	unsigned i = 0;

	for (; i + 8 <= n_out; i += 8) {
		const __m128i *pa = (const __m128i *)(a + 2 * i),
			      *pb = (const __m128i *)(b + 2 * i);
		__m128i s0 = _mm_add_epi32(_mm_madd_epi16(_mm_loadu_si128(pa), ones),
					   _mm_madd_epi16(_mm_loadu_si128(pb), ones));
		__m128i s1 = _mm_add_epi32(_mm_madd_epi16(_mm_loadu_si128(pa + 1), ones),
					   _mm_madd_epi16(_mm_loadu_si128(pb + 1), ones));

		s0 = _mm_srli_epi32(_mm_add_epi32(s0, two), 2);
		s1 = _mm_srli_epi32(_mm_add_epi32(s1, two), 2);
		_mm_storeu_si128((__m128i *)(dst + i), _mm_packus_epi32(s0, s1));
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
	SSE41 static inline __m128i name(__m128i x, __m128i y, __m128i z, __m128i k01, __m128i k2, \
					 __m128i off)                                              \
	{                                                                                          \
		__m128i zero = _mm_setzero_si128();                                                \
		__m128i s0 = _mm_add_epi32(_mm_madd_epi16(_mm_unpacklo_epi16(x, y), k01),          \
					   _mm_madd_epi16(_mm_unpacklo_epi16(z, zero), k2));       \
		__m128i s1 = _mm_add_epi32(_mm_madd_epi16(_mm_unpackhi_epi16(x, y), k01),          \
					   _mm_madd_epi16(_mm_unpackhi_epi16(z, zero), k2));       \
		s0 = _mm_srai_epi32(_mm_add_epi32(s0, off), shift);                                \
		s1 = _mm_srai_epi32(_mm_add_epi32(s1, off), shift);                                \
		return _mm_packs_epi32(s0, s1);                                                    \
	}

DOT3(dot3_ccm, PH_ISP_CCM_SHIFT)
DOT3(dot3_yuv, PH_ISP_YUV_SHIFT)

SSE41 static void ccm(const uint16_t *r, const uint16_t *g, const uint16_t *b, unsigned n,
		      const struct ph_isp_ccm *mat, uint16_t *ro, uint16_t *go, uint16_t *bo)
{
	const int16_t *m = mat->m;
	const __m128i k01[3] = {_mm_set1_epi32(pair16(m[0], m[1])),
				_mm_set1_epi32(pair16(m[3], m[4])),
				_mm_set1_epi32(pair16(m[6], m[7]))};
	const __m128i k2[3] = {_mm_set1_epi32(pair16(m[2], 0)), _mm_set1_epi32(pair16(m[5], 0)),
			       _mm_set1_epi32(pair16(m[8], 0))};
	const int half = 1 << (PH_ISP_CCM_SHIFT - 1);
	const __m128i off[3] = {_mm_set1_epi32(mat->offset[0] + half),
				_mm_set1_epi32(mat->offset[1] + half),
				_mm_set1_epi32(mat->offset[2] + half)};
	const __m128i zero = _mm_setzero_si128(), wmax = _mm_set1_epi16(PH_ISP_WMAX);
	uint16_t *const out[3] = {ro, go, bo};
	unsigned i = 0;

	for (; i + 8 <= n; i += 8) {
		__m128i vr = _mm_loadu_si128((const __m128i *)(r + i));
		__m128i vg = _mm_loadu_si128((const __m128i *)(g + i));
		__m128i vb = _mm_loadu_si128((const __m128i *)(b + i));

		for (unsigned c = 0; c < 3; c++) {
			__m128i v = dot3_ccm(vr, vg, vb, k01[c], k2[c], off[c]);

			v = _mm_min_epi16(_mm_max_epi16(v, zero), wmax);
			_mm_storeu_si128((__m128i *)(out[c] + i), v);
		}
	}
	if (i < n)
		SC.ccm(r + i, g + i, b + i, n - i, mat, ro + i, go + i, bo + i);
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
SSE41 static inline void interleave3(__m128i a, __m128i b, __m128i c, const int8_t (*t)[3][16],
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

SSE41 static inline __m128i load16(const uint8_t *p)
{
	return _mm_loadu_si128((const __m128i *)p);
}

SSE41 static void pack_rgb888(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
			      uint8_t *dst)
{
	unsigned i = 0;

	for (; i + 16 <= n; i += 16)
		interleave3(load16(r + i), load16(g + i), load16(b + i), shuf_rgb888, dst + 3 * i);
	if (i < n)
		SC.pack[PH_ISP_PACK_RGB888](r + i, g + i, b + i, n - i, dst + 3 * i);
}

SSE41 static void pack_bgr888(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
			      uint8_t *dst)
{
	unsigned i = 0;

	for (; i + 16 <= n; i += 16)
		interleave3(load16(b + i), load16(g + i), load16(r + i), shuf_rgb888, dst + 3 * i);
	if (i < n)
		SC.pack[PH_ISP_PACK_BGR888](r + i, g + i, b + i, n - i, dst + 3 * i);
}

/* Bytes c0, c1, c2, 0xff per pixel. */
SSE41 static inline void interleave4(__m128i c0, __m128i c1, __m128i c2, uint8_t *d)
{
	const __m128i ff = _mm_set1_epi8(-1);
	__m128i lo01 = _mm_unpacklo_epi8(c0, c1), hi01 = _mm_unpackhi_epi8(c0, c1);
	__m128i lo2f = _mm_unpacklo_epi8(c2, ff), hi2f = _mm_unpackhi_epi8(c2, ff);

	_mm_storeu_si128((__m128i *)d, _mm_unpacklo_epi16(lo01, lo2f));
	_mm_storeu_si128((__m128i *)(d + 16), _mm_unpackhi_epi16(lo01, lo2f));
	_mm_storeu_si128((__m128i *)(d + 32), _mm_unpacklo_epi16(hi01, hi2f));
	_mm_storeu_si128((__m128i *)(d + 48), _mm_unpackhi_epi16(hi01, hi2f));
}

SSE41 static void pack_xrgb8888(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
				uint8_t *dst)
{
	unsigned i = 0;

	for (; i + 16 <= n; i += 16)
		interleave4(load16(b + i), load16(g + i), load16(r + i), dst + 4 * i);
	if (i < n)
		SC.pack[PH_ISP_PACK_XRGB8888](r + i, g + i, b + i, n - i, dst + 4 * i);
}

SSE41 static void pack_xbgr8888(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
				uint8_t *dst)
{
	unsigned i = 0;

	for (; i + 16 <= n; i += 16)
		interleave4(load16(r + i), load16(g + i), load16(b + i), dst + 4 * i);
	if (i < n)
		SC.pack[PH_ISP_PACK_XBGR8888](r + i, g + i, b + i, n - i, dst + 4 * i);
}

SSE41 static void pack_rgb48(const uint16_t *r, const uint16_t *g, const uint16_t *b, unsigned n,
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

/* Colour matrix in SSE4.1, then the tone of each channel, 64 pixels at a time. */
SSE41 static void ccm_tone8(const uint16_t *r, const uint16_t *g, const uint16_t *b, unsigned n,
			    const struct ph_isp_ccm *mat, const struct ph_isp_tone8 *t, uint8_t *ro,
			    uint8_t *go, uint8_t *bo)
{
	uint16_t cc[3][64];

	if (!mat) {
		SC.tone8(r, n, t, ro);
		SC.tone8(g, n, t, go);
		SC.tone8(b, n, t, bo);
		return;
	}
	for (unsigned x = 0; x < n; x += 64) {
		unsigned m = n - x < 64 ? n - x : 64;

		ccm(r + x, g + x, b + x, m, mat, cc[0], cc[1], cc[2]);
		SC.tone8(cc[0], m, t, ro + x);
		SC.tone8(cc[1], m, t, go + x);
		SC.tone8(cc[2], m, t, bo + x);
	}
}

void ph_isp_kernels_sse41(struct ph_isp_kernels *k)
{
	*k = ph_isp_kernels_scalar; /* any kernel not below stays scalar */
	k->name = "sse4.1";
	k->linearise = linearise;
	k->linearise_lsc = linearise_lsc;
	k->demosaic_fast = demosaic_fast;
	k->dm_hq_diff = dm_hq_diff;
	k->dm_hq_grad = dm_hq_grad;
	k->dm_hq_green = dm_hq_green;
	k->dm_hq_cross = dm_hq_cross;
	k->dm_hq_rgb = dm_hq_rgb;
	k->bin2x2 = bin2x2;
	k->ccm = ccm;
	k->ccm_tone8 = ccm_tone8;
	k->pack[PH_ISP_PACK_RGB888] = pack_rgb888;
	k->pack[PH_ISP_PACK_BGR888] = pack_bgr888;
	k->pack[PH_ISP_PACK_XRGB8888] = pack_xrgb8888;
	k->pack[PH_ISP_PACK_XBGR8888] = pack_xbgr8888;
	k->pack_rgb48 = pack_rgb48;
}

#else
typedef int ph_isp_kernels_sse41_unused; /* not an empty translation unit */
#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scalar reference kernels: the definition of the arithmetic in
 * kernels.h, and the fallback on CPUs without SIMD. Loops are kept simple
 * (no early exits, restrict pointers, fixed strides) so the compiler can
 * vectorise them.
 */
#include <stddef.h>
#include <stdint.h>

#include "isp/isp.h"
#include "isp/kernels.h"

static inline uint16_t min_u32(uint32_t a, uint32_t b)
{
	return (uint16_t)(a < b ? a : b);
}

/* ---- unpacking ---------------------------------------------------------------------------- */

static void unpack_8(const uint8_t *line, unsigned x0, unsigned n, unsigned depth, uint16_t *dst)
{
	const uint8_t *restrict s = line + x0;
	uint16_t *restrict d = dst;

	for (unsigned i = 0; i < n; i++)
		d[i] = s[i];
}

static void unpack_16(const uint8_t *line, unsigned x0, unsigned n, unsigned depth, uint16_t *dst)
{
	const uint8_t *restrict s = line + 2 * (size_t)x0;
	uint16_t *restrict d = dst;
	uint16_t mask = (uint16_t)((1u << depth) - 1);

	for (unsigned i = 0; i < n; i++)
		d[i] = (uint16_t)((s[2 * i] | s[2 * i + 1] << 8) & mask);
}

static inline uint16_t get_10p(const uint8_t *line, unsigned x)
{
	const uint8_t *g = line + x / 4 * 5;
	unsigned j = x % 4;

	return (uint16_t)(g[j] << 2 | ((g[4] >> (2 * j)) & 3));
}

static void unpack_10p(const uint8_t *line, unsigned x0, unsigned n, unsigned depth, uint16_t *dst)
{
	unsigned i = 0;

	for (; i < n && (x0 + i) % 4; i++)
		dst[i] = get_10p(line, x0 + i);
	const uint8_t *restrict s = line + (x0 + i) / 4 * 5;
	uint16_t *restrict d = dst + i;
	unsigned groups = (n - i) / 4;

	for (unsigned k = 0; k < groups; k++) {
		const uint8_t *g = s + 5 * k;
		uint8_t lo = g[4];

		d[4 * k + 0] = (uint16_t)(g[0] << 2 | (lo & 3));
		d[4 * k + 1] = (uint16_t)(g[1] << 2 | ((lo >> 2) & 3));
		d[4 * k + 2] = (uint16_t)(g[2] << 2 | ((lo >> 4) & 3));
		d[4 * k + 3] = (uint16_t)(g[3] << 2 | (lo >> 6));
	}
	for (i += groups * 4; i < n; i++)
		dst[i] = get_10p(line, x0 + i);
}

static inline uint16_t get_12p(const uint8_t *line, unsigned x)
{
	const uint8_t *g = line + x / 2 * 3;
	unsigned j = x % 2;

	return (uint16_t)(g[j] << 4 | ((g[2] >> (4 * j)) & 15));
}

static void unpack_12p(const uint8_t *line, unsigned x0, unsigned n, unsigned depth, uint16_t *dst)
{
	unsigned i = 0;

	for (; i < n && (x0 + i) % 2; i++)
		dst[i] = get_12p(line, x0 + i);
	const uint8_t *restrict s = line + (x0 + i) / 2 * 3;
	uint16_t *restrict d = dst + i;
	unsigned groups = (n - i) / 2;

	for (unsigned k = 0; k < groups; k++) {
		const uint8_t *g = s + 3 * k;

		d[2 * k + 0] = (uint16_t)(g[0] << 4 | (g[2] & 15));
		d[2 * k + 1] = (uint16_t)(g[1] << 4 | (g[2] >> 4));
	}
	for (i += groups * 2; i < n; i++)
		dst[i] = get_12p(line, x0 + i);
}

/* ---- black level and gains ---------------------------------------------------------------- */

static inline uint16_t lin1(uint16_t raw, unsigned shift, uint16_t black, uint32_t gain, unsigned k)
{
	uint32_t s = (uint32_t)raw << shift;
	uint32_t v = s > black ? s - black : 0;

	return min_u32((v * gain + (1u << (k - 1))) >> k, PH_ISP_WMAX);
}

static void linearise(const uint16_t *raw, unsigned n, const struct ph_isp_lin *lin, uint16_t *dst)
{
	const uint16_t *restrict s = raw;
	uint16_t *restrict d = dst;
	unsigned shift = lin->shift, k = lin->gain_shift, pairs = n / 2;
	uint16_t b0 = lin->black[0], b1 = lin->black[1];
	uint32_t g0 = lin->gain[0], g1 = lin->gain[1];

	for (unsigned i = 0; i < pairs; i++) {
		d[2 * i] = lin1(s[2 * i], shift, b0, g0, k);
		d[2 * i + 1] = lin1(s[2 * i + 1], shift, b1, g1, k);
	}
	if (n & 1)
		d[n - 1] = lin1(s[n - 1], shift, b0, g0, k);
}

static void linearise_lsc(const uint16_t *raw, unsigned n, const struct ph_isp_lin *lin,
			  const uint16_t *gains, uint16_t *dst)
{
	const uint16_t *restrict s = raw;
	const uint16_t *restrict gn = gains;
	uint16_t *restrict d = dst;
	unsigned shift = lin->shift, k = lin->gain_shift, pairs = n / 2;
	uint16_t b0 = lin->black[0], b1 = lin->black[1];

	for (unsigned i = 0; i < pairs; i++) {
		d[2 * i] = lin1(s[2 * i], shift, b0, gn[2 * i], k);
		d[2 * i + 1] = lin1(s[2 * i + 1], shift, b1, gn[2 * i + 1], k);
	}
	if (n & 1)
		d[n - 1] = lin1(s[n - 1], shift, b0, gn[n - 1], k);
}

/* ---- statistics --------------------------------------------------------------------------- */

static unsigned stats(const uint16_t *raw0, const uint16_t *raw1, const struct ph_isp_stats_row *p,
		      struct ph_isp_zone *zones, uint32_t (*hist)[PH_ISP_HIST_BINS])
{
	unsigned shift = p->shift, count = 0;

	for (unsigned q = 0; q < p->quads; q += p->step) {
		uint32_t s[4] = {(uint32_t)raw0[2 * q] << shift, (uint32_t)raw0[2 * q + 1] << shift,
				 (uint32_t)raw1[2 * q] << shift,
				 (uint32_t)raw1[2 * q + 1] << shift};
		uint32_t v[4], r, g, b, y;
		bool sat = false;

		for (unsigned i = 0; i < 4; i++) {
			v[i] = s[i] > p->black[i] ? s[i] - p->black[i] : 0;
			sat |= s[i] >= p->white;
		}
		if (p->mono) {
			r = g = b = (v[0] + v[1] + v[2] + v[3] + 2) >> 2;
		} else {
			r = v[p->site_r];
			b = v[3 - p->site_r];
			g = (v[1 ^ p->site_r] + v[2 ^ p->site_r] + 1) >> 1;
		}
		y = (306 * r + 601 * g + 117 * b + 512) >> 10;
		uint64_t bin = ((uint64_t)y * p->hist_scale) >> 16;
		hist[count % PH_ISP_HIST_COPIES][bin > 255 ? 255 : bin]++;

		struct ph_isp_zone *z = &zones[p->zone[q]];
		if (sat) {
			z->saturated++;
		} else {
			z->sum_r += r;
			z->sum_g += g;
			z->sum_b += b;
			z->counted++;
		}
		count++;
	}
	return count;
}

/* ---- demosaic ----------------------------------------------------------------------------- */

static inline uint16_t clamp_w(int32_t v)
{
	return (uint16_t)(v < 0 ? 0 : v > PH_ISP_WMAX ? PH_ISP_WMAX : v);
}

/* Arithmetic shift right, rounding down (gcc, clang: >> on a negative int is arithmetic). */
static inline int32_t asr(int32_t a, unsigned s)
{
	return a >> s;
}

/* avg2 of kernels.h, of non-negative values. */
static inline int32_t avg2(int32_t a, int32_t b)
{
	return (a + b + 1) >> 1;
}

static inline int32_t min2(int32_t a, int32_t b)
{
	return a < b ? a : b;
}

static inline int32_t max2(int32_t a, int32_t b)
{
	return a > b ? a : b;
}

static inline int32_t min4(int32_t a, int32_t b, int32_t c, int32_t d)
{
	return min2(min2(a, b), min2(c, d));
}

static inline int32_t max4(int32_t a, int32_t b, int32_t c, int32_t d)
{
	return max2(max2(a, b), max2(c, d));
}

static inline uint16_t clamp_in(int32_t v, int32_t lo, int32_t hi)
{
	return (uint16_t)(v < lo ? lo : v > hi ? hi : v);
}

/*
 * Malvar-He-Cutler in 16-bit steps, clamped to the neighbours' range
 * (kernels.h). The values at the
 * non-green and at the green columns are computed in two passes of stride
 * 2, so each loop body is branch-free.
 */
static void demosaic_fast(const uint16_t *const rows[5], unsigned n, unsigned g_first, uint16_t *c,
			  uint16_t *g, uint16_t *o)
{
	const uint16_t *restrict u2 = rows[0], *restrict u1 = rows[1], *restrict m = rows[2];
	const uint16_t *restrict d1 = rows[3], *restrict d2 = rows[4];
	unsigned cf = g_first ^ 1;

	for (ptrdiff_t x = cf; x < (ptrdiff_t)n; x += 2) { /* C sites */
		int32_t cross = avg2(avg2(u1[x], d1[x]), avg2(m[x - 1], m[x + 1]));
		int32_t diag = avg2(avg2(u1[x - 1], u1[x + 1]), avg2(d1[x - 1], d1[x + 1]));
		int32_t ring = avg2(avg2(u2[x], d2[x]), avg2(m[x - 2], m[x + 2]));
		int32_t h = asr(m[x] - ring, 1);

		c[x] = m[x];
		g[x] = clamp_in(cross + h, min4(u1[x], d1[x], m[x - 1], m[x + 1]),
				max4(u1[x], d1[x], m[x - 1], m[x + 1]));
		o[x] = clamp_in(diag + h + asr(h, 1),
				min4(u1[x - 1], u1[x + 1], d1[x - 1], d1[x + 1]),
				max4(u1[x - 1], u1[x + 1], d1[x - 1], d1[x + 1]));
	}
	for (ptrdiff_t x = g_first; x < (ptrdiff_t)n; x += 2) { /* G sites */
		int32_t we = avg2(m[x - 1], m[x + 1]), ns = avg2(u1[x], d1[x]);
		int32_t diag = avg2(avg2(u1[x - 1], u1[x + 1]), avg2(d1[x - 1], d1[x + 1]));
		int32_t we2 = avg2(m[x - 2], m[x + 2]), ns2 = avg2(u2[x], d2[x]);
		int32_t e = asr(m[x] - diag, 1);
		int32_t fh = m[x] - we2, fv = m[x] - ns2;

		g[x] = m[x];
		c[x] = clamp_in(we + e + asr(fh, 2) - asr(fv, 3), min2(m[x - 1], m[x + 1]),
				max2(m[x - 1], m[x + 1]));
		o[x] = clamp_in(ns + e + asr(fv, 2) - asr(fh, 3), min2(u1[x], d1[x]),
				max2(u1[x], d1[x]));
	}
}

/* Round a float to the nearest integer, ties to even; |v| < 2^22 (kernels.h). */
static inline int32_t round_even(float v)
{
	const float magic = 12582912.0f; /* 1.5 * 2^23: its ulp is 1 */

	return (int32_t)((v + magic) - magic);
}

static inline int32_t iabs(int32_t v)
{
	return v < 0 ? -v : v;
}

/* HQ stage 1: directional colour differences (kernels.h). */
static void dm_hq_diff(const uint16_t *const rows[5], unsigned n, unsigned g_first, int16_t *dh,
		       int16_t *dv)
{
	const uint16_t *restrict u2 = rows[0], *restrict u1 = rows[1], *restrict m = rows[2];
	const uint16_t *restrict d1 = rows[3], *restrict d2 = rows[4];

	for (ptrdiff_t x = 0; x < (ptrdiff_t)n; x++) {
		int32_t ah = (m[x - 1] + m[x + 1] + 1) >> 1, bh = (m[x - 2] + m[x + 2] + 1) >> 1;
		int32_t av = (u1[x] + d1[x] + 1) >> 1, bv = (u2[x] + d2[x] + 1) >> 1;
		int32_t h = ah - ((m[x] + bh + 1) >> 1), v = av - ((m[x] + bv + 1) >> 1);
		int32_t sign = (unsigned)(x & 1) == g_first ? -1 : 1;

		dh[x] = (int16_t)(sign * h);
		dv[x] = (int16_t)(sign * v);
	}
}

/* HQ stage 2: green at the non-green sites (kernels.h). */
static void dm_hq_grad(const int16_t *dh, const int16_t *const dv[2], unsigned n, uint16_t *grad_h,
		       uint16_t *grad_v)
{
	const int16_t *restrict u = dv[0], *restrict d = dv[1];

	for (int x = 0; x < (int)n; x++) {
		grad_h[x] = (uint16_t)(iabs(dh[x - 1] - dh[x + 1]) >> 1);
		grad_v[x] = (uint16_t)((iabs(u[x - 1] - d[x - 1]) >> 1) + (iabs(u[x] - d[x]) >> 1) +
				       (iabs(u[x + 1] - d[x + 1]) >> 1));
	}
}

static void dm_hq_green(const uint16_t *m, const int16_t *dh, const int16_t *const dv[5],
			const uint16_t *const grad_h[3], const uint16_t *const grad_v[5],
			unsigned n, unsigned g_first, uint16_t *g)
{
	const int16_t *restrict v0 = dv[2];

	for (unsigned x = g_first; x < n; x += 2)
		g[x] = m[x];
	for (int x = (int)(g_first ^ 1); x < (int)n; x += 2) {
		int32_t sw = 0, se = 0;

		for (int a = 0; a < 3; a++)
			for (int k = 0; k < 3; k++) {
				sw += grad_h[a][x - k];
				se += grad_h[a][x + k];
			}

		int32_t sn = grad_v[0][x] + grad_v[1][x] + grad_v[2][x];
		int32_t ss = grad_v[2][x] + grad_v[3][x] + grad_v[4][x];
		int32_t ew = 36 * dh[x] + 22 * dh[x - 1] + 6 * dh[x - 2];
		int32_t ee = 36 * dh[x] + 22 * dh[x + 1] + 6 * dh[x + 2];
		int32_t en = 36 * v0[x] + 22 * dv[1][x] + 6 * dv[0][x];
		int32_t es = 36 * v0[x] + 22 * dv[3][x] + 6 * dv[4][x];
		float tn = (float)(sn + PH_ISP_HQ_EPS_G), ts = (float)(ss + PH_ISP_HQ_EPS_G);
		float tw = (float)(sw + PH_ISP_HQ_EPS_G), te = (float)(se + PH_ISP_HQ_EPS_G);
		float qn = tn * tn, qs = ts * ts, qw = tw * tw, qe = te * te;
		float a = qn * qs, b = qw * qe;
		float wn = qs * b, ws = qn * b, ww = qe * a, we = qw * a;
		float num = (wn * (float)en + ws * (float)es) + (ww * (float)ew + we * (float)ee);
		float den = (wn + ws) + (ww + we);
		int32_t d = round_even(num / den);

		g[x] = clamp_w((((int32_t)m[x] << 6) + d + 32) >> 6);
	}
}

/*
 * Colour-difference interpolation between two opposite pairs of
 * neighbours: each pair's sum of differences @da, @db weighted by the
 * inverse of its gradient @ta, @tb. @return the rounded mean difference.
 */
static inline int32_t pair_blend(int32_t da, int32_t db, int32_t ta, int32_t tb)
{
	float num = (float)da * (float)tb + (float)db * (float)ta;
	float den = 2.0f * (float)(ta + tb);

	return round_even(num / den);
}

/* HQ stage 3: the other colour at the non-green sites (kernels.h). */
static void dm_hq_cross(const uint16_t *const rows[3], const uint16_t *const grn[3], unsigned n,
			unsigned g_first, uint16_t *x_out)
{
	const uint16_t *restrict mu = rows[0], *restrict md = rows[2];
	const uint16_t *restrict gu = grn[0], *restrict g0 = grn[1], *restrict gd = grn[2];

	for (unsigned x = g_first; x < n; x += 2)
		x_out[x] = 0;
	for (int x = (int)(g_first ^ 1); x < (int)n; x += 2) {
		int32_t gc = g0[x];
		int32_t da = (gu[x - 1] - mu[x - 1]) + (gd[x + 1] - md[x + 1]);
		int32_t db = (gu[x + 1] - mu[x + 1]) + (gd[x - 1] - md[x - 1]);
		int32_t ta = PH_ISP_HQ_EPS + iabs(mu[x - 1] - md[x + 1]) +
			     iabs(2 * gc - gu[x - 1] - gd[x + 1]);
		int32_t tb = PH_ISP_HQ_EPS + iabs(mu[x + 1] - md[x - 1]) +
			     iabs(2 * gc - gu[x + 1] - gd[x - 1]);

		x_out[x] = clamp_w(gc - pair_blend(da, db, ta, tb));
	}
}

/* HQ stage 4: the output row (kernels.h). */
static void dm_hq_rgb(const uint16_t *const rows[3], const uint16_t *const grn[5],
		      const uint16_t *const xr[3], unsigned n, unsigned g_first, uint16_t *c,
		      uint16_t *g, uint16_t *o)
{
	const uint16_t *restrict mu = rows[0], *restrict m = rows[1], *restrict md = rows[2];
	const uint16_t *restrict gu2 = grn[0], *restrict gu = grn[1], *restrict g0 = grn[2];
	const uint16_t *restrict gd = grn[3], *restrict gd2 = grn[4];
	const uint16_t *restrict xu = xr[0], *restrict x0 = xr[1], *restrict xd = xr[2];

	for (unsigned x = g_first ^ 1; x < n; x += 2) { /* C sites */
		c[x] = m[x];
		g[x] = g0[x];
		o[x] = x0[x];
	}
	for (int x = (int)g_first; x < (int)n; x += 2) { /* G sites */
		int32_t gc = g0[x];
		int32_t gv = iabs(gu[x] - gd[x]) + iabs(2 * gc - gu2[x] - gd2[x]);
		int32_t gh = iabs(g0[x - 1] - g0[x + 1]) + iabs(2 * gc - g0[x - 2] - g0[x + 2]);
		/* C: raw west and east, estimated north and south; O the other way. */
		int32_t tcv = PH_ISP_HQ_EPS + gv + iabs(xu[x] - xd[x]);
		int32_t tch = PH_ISP_HQ_EPS + gh + iabs(m[x - 1] - m[x + 1]);
		int32_t tov = PH_ISP_HQ_EPS + gv + iabs(mu[x] - md[x]);
		int32_t toh = PH_ISP_HQ_EPS + gh + iabs(x0[x - 1] - x0[x + 1]);
		int32_t dcv = (gu[x] - xu[x]) + (gd[x] - xd[x]);
		int32_t dch = (g0[x - 1] - m[x - 1]) + (g0[x + 1] - m[x + 1]);
		int32_t dov = (gu[x] - mu[x]) + (gd[x] - md[x]);
		int32_t doh = (g0[x - 1] - x0[x - 1]) + (g0[x + 1] - x0[x + 1]);

		g[x] = (uint16_t)gc;
		c[x] = clamp_w(gc - pair_blend(dcv, dch, tcv, tch));
		o[x] = clamp_w(gc - pair_blend(dov, doh, tov, toh));
	}
}

static void bin2x2(const uint16_t *a, const uint16_t *b, unsigned n_out, uint16_t *dst)
{
	const uint16_t *restrict pa = a, *restrict pb = b;
	uint16_t *restrict d = dst;

	for (unsigned i = 0; i < n_out; i++)
		d[i] = (uint16_t)((pa[2 * i] + pa[2 * i + 1] + pb[2 * i] + pb[2 * i + 1] + 2) >> 2);
}

/* ---- colour ------------------------------------------------------------------------------- */

static inline uint16_t ccm1(int32_t s)
{
	s = (s + (1 << (PH_ISP_CCM_SHIFT - 1))) >> PH_ISP_CCM_SHIFT; /* arithmetic (gcc, clang) */
	s = s < 0 ? 0 : s;
	return (uint16_t)(s > PH_ISP_WMAX ? PH_ISP_WMAX : s);
}

static void ccm(const uint16_t *r, const uint16_t *g, const uint16_t *b, unsigned n,
		const struct ph_isp_ccm *mat, uint16_t *ro, uint16_t *go, uint16_t *bo)
{
	const uint16_t *restrict pr = r, *restrict pg = g, *restrict pb = b;
	uint16_t *restrict qr = ro, *restrict qg = go, *restrict qb = bo;
	const int32_t m0 = mat->m[0], m1 = mat->m[1], m2 = mat->m[2], m3 = mat->m[3];
	const int32_t m4 = mat->m[4], m5 = mat->m[5], m6 = mat->m[6], m7 = mat->m[7];
	const int32_t m8 = mat->m[8];
	const int32_t o0 = mat->offset[0], o1 = mat->offset[1], o2 = mat->offset[2];

	for (unsigned x = 0; x < n; x++) {
		int32_t vr = pr[x], vg = pg[x], vb = pb[x];

		qr[x] = ccm1(m0 * vr + m1 * vg + m2 * vb + o0);
		qg[x] = ccm1(m3 * vr + m4 * vg + m5 * vb + o1);
		qb[x] = ccm1(m6 * vr + m7 * vg + m8 * vb + o2);
	}
}

/*
 * The segment and fraction of kernels.h, branch-free: in u = min(16 v, v +
 * 15360) (16 v taken of min(v, 2047), large enough above 1024) every
 * segment is 256 wide, so i = u >> 8 and t = (u & 255) << 7.
 */
static inline uint8_t tone8_1(const struct ph_isp_tone8 *t, unsigned v)
{
	unsigned u = (v < 2047 ? v : 2047) << 4;

	u = u < v + 15360 ? u : v + 15360;

	int32_t f = (int32_t)(u & 255) << 7;
	int32_t y = t->k[u >> 8] + ((t->d[u >> 8] * f + (1 << 14)) >> 15); /* arithmetic */

	return (uint8_t)(y >> 7);
}

static void tone8(const uint16_t *src, unsigned n, const struct ph_isp_tone8 *t, uint8_t *dst)
{
	for (unsigned x = 0; x < n; x++)
		dst[x] = tone8_1(t, src[x]);
}

static void ccm_tone8(const uint16_t *r, const uint16_t *g, const uint16_t *b, unsigned n,
		      const struct ph_isp_ccm *m, const struct ph_isp_tone8 *t, uint8_t *ro,
		      uint8_t *go, uint8_t *bo)
{
	const uint16_t *restrict pr = r, *restrict pg = g, *restrict pb = b;
	uint8_t *restrict qr = ro, *restrict qg = go, *restrict qb = bo;

	if (!m) {
		for (unsigned x = 0; x < n; x++) {
			qr[x] = tone8_1(t, pr[x]);
			qg[x] = tone8_1(t, pg[x]);
			qb[x] = tone8_1(t, pb[x]);
		}
		return;
	}
	/* Coefficients in locals: the byte stores could alias them otherwise. */
	const int32_t m0 = m->m[0], m1 = m->m[1], m2 = m->m[2], m3 = m->m[3], m4 = m->m[4];
	const int32_t m5 = m->m[5], m6 = m->m[6], m7 = m->m[7], m8 = m->m[8];
	const int32_t o0 = m->offset[0], o1 = m->offset[1], o2 = m->offset[2];

	for (unsigned x = 0; x < n; x++) {
		int32_t vr = pr[x], vg = pg[x], vb = pb[x];

		qr[x] = tone8_1(t, ccm1(m0 * vr + m1 * vg + m2 * vb + o0));
		qg[x] = tone8_1(t, ccm1(m3 * vr + m4 * vg + m5 * vb + o1));
		qb[x] = tone8_1(t, ccm1(m6 * vr + m7 * vg + m8 * vb + o2));
	}
}

static void tone16(const uint16_t *src, unsigned n, const uint16_t *lut, uint16_t *dst)
{
	for (unsigned x = 0; x < n; x++)
		dst[x] = lut[src[x]];
}

/* ---- output packing ----------------------------------------------------------------------- */

#define PACK3(fname, i0, i1, i2)                                                                   \
	static void fname(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,        \
			  uint8_t *dst)                                                            \
	{                                                                                          \
		const uint8_t *restrict c[3] = {r, g, b};                                          \
		uint8_t *restrict d = dst;                                                         \
		const uint8_t *restrict c0 = c[i0], *restrict c1 = c[i1], *restrict c2 = c[i2];    \
		for (unsigned x = 0; x < n; x++) {                                                 \
			d[3 * x] = c0[x];                                                          \
			d[3 * x + 1] = c1[x];                                                      \
			d[3 * x + 2] = c2[x];                                                      \
		}                                                                                  \
	}

#define PACK4(fname, i0, i1, i2)                                                                   \
	static void fname(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,        \
			  uint8_t *dst)                                                            \
	{                                                                                          \
		const uint8_t *restrict c[3] = {r, g, b};                                          \
		uint8_t *restrict d = dst;                                                         \
		const uint8_t *restrict c0 = c[i0], *restrict c1 = c[i1], *restrict c2 = c[i2];    \
		for (unsigned x = 0; x < n; x++) {                                                 \
			d[4 * x] = c0[x];                                                          \
			d[4 * x + 1] = c1[x];                                                      \
			d[4 * x + 2] = c2[x];                                                      \
			d[4 * x + 3] = 0xff;                                                       \
		}                                                                                  \
	}

PACK3(pack_rgb888, 0, 1, 2)
PACK3(pack_bgr888, 2, 1, 0)
PACK4(pack_xrgb8888, 2, 1, 0)
PACK4(pack_xbgr8888, 0, 1, 2)

static void pack_rgb565(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
			uint8_t *dst)
{
	uint8_t *restrict d = dst;

	for (unsigned x = 0; x < n; x++) {
		uint16_t v = (uint16_t)((r[x] >> 3) << 11 | (g[x] >> 2) << 5 | (b[x] >> 3));

		d[2 * x] = (uint8_t)v;
		d[2 * x + 1] = (uint8_t)(v >> 8);
	}
}

static void pack_rgb48(const uint16_t *r, const uint16_t *g, const uint16_t *b, unsigned n,
		       uint8_t *dst)
{
	uint8_t *restrict d = dst;

	for (unsigned x = 0; x < n; x++) {
		d[6 * x + 0] = (uint8_t)r[x];
		d[6 * x + 1] = (uint8_t)(r[x] >> 8);
		d[6 * x + 2] = (uint8_t)g[x];
		d[6 * x + 3] = (uint8_t)(g[x] >> 8);
		d[6 * x + 4] = (uint8_t)b[x];
		d[6 * x + 5] = (uint8_t)(b[x] >> 8);
	}
}

/* ---- YUV ---------------------------------------------------------------------------------- */

static inline uint8_t clamp8(int32_t v)
{
	v >>= PH_ISP_YUV_SHIFT; /* v >= 0 for every value the coefficients can give */
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

static inline uint8_t luma1(const struct ph_isp_yuv *c, int32_t r, int32_t g, int32_t b)
{
	return clamp8(c->y[0] * r + c->y[1] * g + c->y[2] * b + c->y_offset);
}

#define C_OFFSET ((128 << PH_ISP_YUV_SHIFT) + (1 << (PH_ISP_YUV_SHIFT - 1)))

static void luma(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
		 const struct ph_isp_yuv *c, uint8_t *y)
{
	const int32_t kr = c->y[0], kg = c->y[1], kb = c->y[2], off = c->y_offset;

	for (unsigned x = 0; x < n; x++)
		y[x] = clamp8(kr * r[x] + kg * g[x] + kb * b[x] + off);
}

static void chroma420(const uint8_t *r0, const uint8_t *g0, const uint8_t *b0, const uint8_t *r1,
		      const uint8_t *g1, const uint8_t *b1, unsigned n, const struct ph_isp_yuv *c,
		      uint8_t *u, uint8_t *v, unsigned step)
{
	unsigned pairs = n / 2;

	for (unsigned i = 0; i < pairs; i++) {
		unsigned x = 2 * i;
		int32_t ra = (r0[x] + r0[x + 1] + r1[x] + r1[x + 1] + 2) >> 2;
		int32_t ga = (g0[x] + g0[x + 1] + g1[x] + g1[x + 1] + 2) >> 2;
		int32_t ba = (b0[x] + b0[x + 1] + b1[x] + b1[x + 1] + 2) >> 2;

		u[step * i] = clamp8(c->cb[0] * ra + c->cb[1] * ga + c->cb[2] * ba + C_OFFSET);
		v[step * i] = clamp8(c->cr[0] * ra + c->cr[1] * ga + c->cr[2] * ba + C_OFFSET);
	}
	if (n & 1) {
		unsigned x = n - 1;
		int32_t ra = (2 * r0[x] + 2 * r1[x] + 2) >> 2;
		int32_t ga = (2 * g0[x] + 2 * g1[x] + 2) >> 2;
		int32_t ba = (2 * b0[x] + 2 * b1[x] + 2) >> 2;

		u[step * pairs] = clamp8(c->cb[0] * ra + c->cb[1] * ga + c->cb[2] * ba + C_OFFSET);
		v[step * pairs] = clamp8(c->cr[0] * ra + c->cr[1] * ga + c->cr[2] * ba + C_OFFSET);
	}
}

/* One 4:2:2 macropixel: @pos gives the byte offsets of Y0, Cb, Y1, Cr. */
static inline void yuv422_1(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned x0,
			    unsigned x1, const struct ph_isp_yuv *c, uint8_t *d,
			    const unsigned pos[4])
{
	int32_t ra = (r[x0] + r[x1] + 1) >> 1, ga = (g[x0] + g[x1] + 1) >> 1;
	int32_t ba = (b[x0] + b[x1] + 1) >> 1;

	d[pos[0]] = luma1(c, r[x0], g[x0], b[x0]);
	d[pos[1]] = clamp8(c->cb[0] * ra + c->cb[1] * ga + c->cb[2] * ba + C_OFFSET);
	d[pos[2]] = luma1(c, r[x1], g[x1], b[x1]);
	d[pos[3]] = clamp8(c->cr[0] * ra + c->cr[1] * ga + c->cr[2] * ba + C_OFFSET);
}

static void yuv422(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
		   const struct ph_isp_yuv *c, uint8_t *dst, const unsigned pos[4])
{
	unsigned pairs = n / 2;

	for (unsigned i = 0; i < pairs; i++)
		yuv422_1(r, g, b, 2 * i, 2 * i + 1, c, dst + 4 * i, pos);
	if (n & 1)
		yuv422_1(r, g, b, n - 1, n - 1, c, dst + 4 * pairs, pos);
}

static void yuyv(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
		 const struct ph_isp_yuv *c, uint8_t *dst)
{
	static const unsigned pos[4] = {0, 1, 2, 3};

	yuv422(r, g, b, n, c, dst, pos);
}

static void uyvy(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
		 const struct ph_isp_yuv *c, uint8_t *dst)
{
	static const unsigned pos[4] = {1, 0, 3, 2};

	yuv422(r, g, b, n, c, dst, pos);
}

const struct ph_isp_kernels ph_isp_kernels_scalar = {
	.name = "scalar",
	.unpack = {unpack_8, unpack_16, unpack_10p, unpack_12p},
	.linearise = linearise,
	.linearise_lsc = linearise_lsc,
	.stats = stats,
	.demosaic_fast = demosaic_fast,
	.dm_hq_diff = dm_hq_diff,
	.dm_hq_grad = dm_hq_grad,
	.dm_hq_green = dm_hq_green,
	.dm_hq_cross = dm_hq_cross,
	.dm_hq_rgb = dm_hq_rgb,
	.bin2x2 = bin2x2,
	.ccm = ccm,
	.tone8 = tone8,
	.tone16 = tone16,
	.ccm_tone8 = ccm_tone8,
	.pack = {pack_rgb888, pack_bgr888, pack_xrgb8888, pack_xbgr8888, pack_rgb565},
	.pack_rgb48 = pack_rgb48,
	.luma = luma,
	.chroma420 = chroma420,
	.yuyv = yuyv,
	.uyvy = uyvy,
};

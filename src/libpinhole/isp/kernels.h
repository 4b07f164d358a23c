/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The ISP's per-row kernels and their arithmetic contract.
 *
 * Every implementation (scalar, SSE4.1, AVX2, AVX-512, NEON) fills a
 * struct ph_isp_kernels; isp.c picks one table at ph_isp_new() and only
 * ever calls through it. A SIMD kernel must give exactly the bytes the
 * scalar one (kernels-scalar.c) gives, for every n (odd, tiny, not a
 * multiple of the vector width) and every alignment. Kernels never
 * allocate, never fail and keep no state; they may be called concurrently
 * on different rows.
 *
 * Working range: after linearisation every sample is a uint16_t in
 * 0..PH_ISP_WMAX (14 bits), so that a sum of four samples fits 16 bits.
 * All sums below are exact integers; ">> k" on a value that may be
 * negative is written as the clamp it ends in, so it does not matter
 * whether an implementation shifts arithmetically or clamps first.
 *
 * Rows that kernels read as neighbours (demosaic) are padded: the row
 * buffers have PH_ISP_PAD defined samples left of index 0 and right of
 * index n-1, of which the PH_ISP_MIRROR nearest are filled by isp.c by
 * mirroring (CFA phase preserved; the demosaic reads no further), and row
 * buffers start 32-byte aligned at index 0. Kernels may read (never write)
 * up to PH_ISP_PAD samples beyond either end of an input row, and may
 * write nothing beyond n (dst rows are exact: they can be the caller's
 * output buffer).
 */

#include <stdbool.h>
#include <stdint.h>

#include "isp/isp.h"

#define PH_ISP_WBITS  14
#define PH_ISP_WMAX   ((1 << PH_ISP_WBITS) - 1) /* 16383 */
#define PH_ISP_PAD    16			/* readable samples beyond each end of a row */
#define PH_ISP_MIRROR 4 /* of which isp.c fills this many by mirroring (demosaic reads <= 3) */

/*
 * Gains are unsigned 16-bit fixed point with a per-frame number of
 * fraction bits, struct ph_isp_lin.gain_shift, 14 to 16: the most that lets
 * the frame's largest gain fit (16: gains below 1.0, 14: up to ~4.0).
 */
#define PH_ISP_GAIN_SHIFT_MIN 14
#define PH_ISP_GAIN_SHIFT_MAX 16
/* Colour matrix coefficients are signed Q3.12 in int16_t: 4096 = 1.0, range -8..8. */
#define PH_ISP_CCM_SHIFT 12
/* YUV coefficients are signed Q14 in int16_t. */
#define PH_ISP_YUV_SHIFT 14
/* EPS and EPS_G of the high-quality demosaic: keep its weights finite in flat areas. */
#define PH_ISP_HQ_EPS	32
#define PH_ISP_HQ_EPS_G 16 /* for the halved gradients of the green stage */

enum ph_isp_unpack {
	PH_ISP_UNPACK_8,   /* 1 byte per pixel */
	PH_ISP_UNPACK_16,  /* little-endian 16-bit word per pixel, masked to the depth */
	PH_ISP_UNPACK_10P, /* CSI-2 10-bit: 4 pixels in 5 bytes */
	PH_ISP_UNPACK_12P, /* CSI-2 12-bit: 2 pixels in 3 bytes */
	PH_ISP_UNPACK_COUNT,
};

enum ph_isp_pack {
	PH_ISP_PACK_RGB888,   /* bytes R, G, B */
	PH_ISP_PACK_BGR888,   /* bytes B, G, R */
	PH_ISP_PACK_XRGB8888, /* bytes B, G, R, 0xff */
	PH_ISP_PACK_XBGR8888, /* bytes R, G, B, 0xff */
	PH_ISP_PACK_RGB565,   /* LE word (R >> 3) << 11 | (G >> 2) << 5 | (B >> 3) (truncating) */
	PH_ISP_PACK_COUNT,
};

/* Linearisation of one row: per-column parity (even, odd) black level and gain. */
struct ph_isp_lin {
	uint8_t shift;	    /* 16 - bit depth: raw << shift is the value on the 16-bit scale */
	uint8_t gain_shift; /* fraction bits of the gains, 14..16 */
	uint16_t black[2];  /* 16-bit scale, for even and odd columns */
	uint16_t gain[2];   /* for even and odd columns (ignored by linearise_lsc) */
};

/*
 * The histogram a stats kernel counts into is this many copies of
 * PH_ISP_HIST_BINS counters, summed by isp.c at the end of the frame: a
 * kernel counts each quad in any one copy, so that runs of equal bins
 * (flat areas) need not wait on each other's increments.
 */
#define PH_ISP_HIST_COPIES 8

/* Statistics of one row of 2x2 quads. */
struct ph_isp_stats_row {
	unsigned quads;	   /* quads in the row (crop width / 2) */
	unsigned step;	   /* sample quads 0, step, 2*step, ... */
	uint8_t shift;	   /* 16 - bit depth */
	uint8_t mono;	   /* no CFA: r = g = b = rounded mean of the four sites */
	uint8_t site_r;	   /* index 0..3 (y * 2 + x in the quad) of R; B is 3 - site_r */
	uint16_t black[4]; /* per site, 16-bit scale */
	uint16_t white;	   /* 16-bit scale; a site with raw << shift >= white saturates the quad */
	uint32_t hist_scale; /* histogram bin = min(255, (Y * hist_scale) >> 16) */
	const uint8_t *zone; /* zone column of each quad column, 0..zones_x-1 */
};

struct ph_isp_zone;

/* Colour matrix: out_i = clamp((sum_j m[3i+j] * in_j + offset[i] + 2048) >> 12, 0, WMAX). */
struct ph_isp_ccm {
	int16_t m[9];	   /* Q3.12 */
	int32_t offset[3]; /* Q12 of working units, |offset| <= WMAX << 12 */
};

/*
 * The 8-bit tone curve, piecewise linear in the working value x (0..WMAX):
 * 64 segments of 16 values below 1024, where the sRGB curve bends most,
 * then 60 of 256 (so a vector permute can look the segments up):
 *   x < 1024:  i = x >> 4,         t = (x & 15) << 11
 *   else:      i = 60 + (x >> 8),  t = (x & 255) << 7
 *   v = k[i] + ((d[i] * t + (1 << 14)) >> 15)       (= pmulhrsw; t < 2^15)
 *   dst = v >> 7
 * k is the curve at each segment's start in Q7 (0..255 << 7) plus 64, the
 * half that makes v >> 7 round; d[i] the step to the next start, and isp.c
 * keeps k[i] + d[i] in 64..(255 << 7) + 64 too, so v lies between them
 * (64..32704) and every sum fits 16 bits. Entries past the
 * last segment (124..127) repeat the end of the curve with d = 0. lut is
 * the same curve evaluated at every x (isp.c runs the scalar kernel over
 * 0..WMAX), for CPUs that gather bytes more cheaply than they interpolate.
 */
#define PH_ISP_TONE_SEGS  128
#define PH_ISP_TONE_SPLIT 1024 /* first x of the coarse segments */
struct ph_isp_tone8 {
	uint16_t k[PH_ISP_TONE_SEGS];
	int16_t d[PH_ISP_TONE_SEGS];
	uint8_t lut[PH_ISP_WMAX + 1];
};

/* RGB (8-bit) to YUV. */
struct ph_isp_yuv {
	int16_t y[3];	  /* Q14 coefficients of R, G, B for Y */
	int16_t cb[3];	  /* ... for Cb; they sum to 0 */
	int16_t cr[3];	  /* ... for Cr; they sum to 0 */
	int32_t y_offset; /* (16 or 0) << 14, plus 1 << 13 for rounding */
};

struct ph_isp_kernels {
	const char *name;

	/*
	 * Unpack pixels x0 .. x0+n-1 of a raw line into native values (0 ..
	 * 2^depth - 1, 16-bit words masked with 2^depth - 1). Layouts are in
	 * doc/virtual-camera.md; packed kernels start mid-group when x0 is
	 * not a multiple of the group size.
	 */
	void (*unpack[PH_ISP_UNPACK_COUNT])(const uint8_t *line, unsigned x0, unsigned n,
					    unsigned depth, uint16_t *dst);

	/*
	 * Black level and gain, column parity p = x & 1:
	 *   v = max((raw[x] << shift) - black[p], 0)          (0..65535)
	 *   k = gain_shift
	 *   dst[x] = min((v * gain[p] + (1 << (k - 1))) >> k, WMAX)   (fits uint32)
	 * linearise_lsc takes the gain of each pixel from gains[x] instead.
	 */
	void (*linearise)(const uint16_t *raw, unsigned n, const struct ph_isp_lin *lin,
			  uint16_t *dst);
	void (*linearise_lsc)(const uint16_t *raw, unsigned n, const struct ph_isp_lin *lin,
			      const uint16_t *gains, uint16_t *dst);

	/*
	 * Statistics of the quads formed by raw rows @raw0 (even) and @raw1
	 * (odd), native values. For each sampled quad q (q % step == 0):
	 *   s_i = raw_i << shift; v_i = max(s_i - black[i], 0), i = site y*2+x;
	 *   Bayer: r = v[site_r], b = v[3 - site_r], g = (g1 + g2 + 1) >> 1
	 *   mono:  r = g = b = (v0 + v1 + v2 + v3 + 2) >> 2
	 *   Y = (306 r + 601 g + 117 b + 512) >> 10
	 *   hist[c][min(255, (Y * hist_scale) >> 16)]++   (64-bit product, any copy c)
	 *   if any s_i >= white: zones[zone[q]].saturated++
	 *   else: zones[zone[q]] sum_r += r, sum_g += g, sum_b += b, counted++
	 * @return the number of sampled quads.
	 */
	unsigned (*stats)(const uint16_t *raw0, const uint16_t *raw1,
			  const struct ph_isp_stats_row *p, struct ph_isp_zone *zones,
			  uint32_t (*hist)[PH_ISP_HIST_BINS]);

	/*
	 * Demosaic. The row's own non-green colour is C (R in an R/G row, B in a
	 * G/B row) and the other one O; columns x with (x & 1) == g_first are
	 * green. With rows[] a window of rows centred on the row itself, let
	 * P(dy, dx) = rows[centre + dy][x + dx]. All sums are exact integers;
	 * "a >> k" of a possibly negative a rounds down (arithmetic shift);
	 * clampW(v) = min(max(v, 0), WMAX).
	 *
	 * fast: Malvar-He-Cutler (2004) in 16-bit steps, each result clamped
	 * to the range of the samples it interpolates between (no overshoot at
	 * hard edges). rows[0..4] = y-2 .. y+2. Every intermediate fits int16
	 * (|v| <= 30719); avg2(a,b) = (a + b + 1) >> 1 (= pavgw), avg4(a,b,c,d)
	 * = avg2(avg2(a,b), avg2(c,d)) (the pair means are shared with the G
	 * sites' terms); clampR(v, a, b, ...) = min(max(v, min(a, b, ...)),
	 * max(a, b, ...)).
	 *   at C:  N = P(-1,0), S = P(1,0), W = P(0,-1), E = P(0,1)
	 *          NW = P(-1,-1), NE = P(-1,1), SW = P(1,-1), SE = P(1,1)
	 *          cross = avg4(N, S, W, E), diag = avg4(NW, NE, SW, SE)
	 *          ring  = avg4(P(-2,0), P(2,0), P(0,-2), P(0,2))
	 *          h = (P(0,0) - ring) >> 1
	 *          c = P(0,0)
	 *          g = clampR(cross + h, N, S, W, E)
	 *          o = clampR(diag + h + (h >> 1), NW, NE, SW, SE)
	 *   at G:  we = avg2(W, E), ns = avg2(N, S), diag as above
	 *          e = (P(0,0) - diag) >> 1
	 *          fh = P(0,0) - avg2(P(0,-2), P(0,2)), fv = P(0,0) - avg2(P(-2,0), P(2,0))
	 *          g = P(0,0)
	 *          c = clampR(we + e + (fh >> 2) - (fv >> 3), W, E)
	 *          o = clampR(ns + e + (fv >> 2) - (fh >> 3), N, S)
	 *
	 * hq: five row stages (isp.c keeps a ring of each stage's rows), after
	 * Hamilton-Adams directional estimates with gradient-weighted
	 * colour-difference fusion (in the spirit of Pekkucuksen-Altunbasak's
	 * GBTF) for green, then colour-difference interpolation weighted by
	 * gradients for R and B. Intermediate rows (dh, dv, grad_h, grad_v, green, cross) are
	 * padded like the linear rows (isp.c mirrors PH_ISP_MIRROR samples at
	 * each end); the kernels write exactly n samples of each. Float
	 * arithmetic is IEEE binary32, each operation rounded in the order
	 * written (parenthesised), no fused multiply-add, no reciprocal
	 * approximations; rne(v) = v rounded to the nearest integer, ties to
	 * even (|v| < 2^22: (int32)((v + 12582912.0f) - 12582912.0f), or
	 * cvtps2dq), EPS = 32, EPS_G = 16.
	 *
	 * dm_hq_diff: rows[0..4] = linear rows y-2 .. y+2; int16 outputs
	 * (|value| <= WMAX), s = -1 at G columns, +1 at C columns:
	 *   dh[x] = s * (avg2(P(0,-1), P(0,1)) - avg2(P(0,0), avg2(P(0,-2), P(0,2))))
	 *   dv[x] = s * (avg2(P(-1,0), P(1,0)) - avg2(P(0,0), avg2(P(-2,0), P(2,0))))
	 * (green minus the non-green colour along each direction).
	 *
	 * dm_hq_grad: the halved gradients of the differences of row y, uint16
	 * (each computed once per row; the green stage sums them over windows):
	 * dh = row y, dv[0], dv[1] = rows y-1, y+1 of dv:
	 *   grad_h[x] = |dh[x-1] - dh[x+1]| >> 1                            (<= WMAX)
	 *   grad_v[x] = sum over b = -1..1 of (|dv[0][x+b] - dv[1][x+b]| >> 1)   (<= 3 WMAX)
	 *
	 * dm_hq_green: m = linear row y, dh = row y, dv[0..4] = rows y-2 .. y+2,
	 * grad_h[0..2] = rows y-1 .. y+1, grad_v[0..4] = rows y-2 .. y+2. Let
	 * H(dx) = dh[x + dx], V(dy) = dv[2 + dy][x], GH(dy, dx) =
	 * grad_h[1 + dy][x + dx], GV(dy) = grad_v[2 + dy][x].
	 *   at G:  g = m[x]
	 *   at C:  sw = sum over a = -1..1, k = 0..2 of GH(a, -k), se alike of GH(a, k),
	 *          sn = GV(-2) + GV(-1) + GV(0), ss = GV(0) + GV(1) + GV(2)
	 *          ew = 36 H(0) + 22 H(-1) + 6 H(-2), ee = 36 H(0) + 22 H(1) + 6 H(2)
	 *          en = 36 V(0) + 22 V(-1) + 6 V(-2), es = 36 V(0) + 22 V(1) + 6 V(2)
	 *          tX = (float)(sX + EPS_G), qX = tX * tX    for X in n, s, w, e
	 *          a = qn * qs, b = qw * qe
	 *          wn = qs * b, ws = qn * b, ww = qe * a, we = qw * a
	 *          num = (wn * en + ws * es) + (ww * ew + we * ee)  (eX converted to float)
	 *          den = (wn + ws) + (ww + we)
	 *          g = clampW(((m[x] << 6) + rne(num / den) + 32) >> 6)
	 *        (wX is 1 / tX^2 times the product of all four qX: the inverse-square
	 *        gradient weights with one division; with sX <= 9 WMAX, tX < 2^17.2,
	 *        so every product stays below 2^126 and above float's normal minimum)
	 *
	 * Pair blend, used below: blend(da, db, ta, tb) =
	 *   rne(((float)da * (float)tb + (float)db * (float)ta) / (2.0f * (float)(ta + tb)))
	 * (the mean of two opposite pairs' colour differences, each weighted by
	 * the inverse of its gradient; ta, tb >= EPS).
	 *
	 * dm_hq_cross: rows[0..2] linear and grn[0..2] green rows y-1 .. y+1 (M, G);
	 * writes xo = the O value at the C columns, 0 at the G columns:
	 *   at C:  da = (G(-1,-1) - M(-1,-1)) + (G(1,1) - M(1,1))
	 *          db = (G(-1,1) - M(-1,1)) + (G(1,-1) - M(1,-1))
	 *          ta = EPS + |M(-1,-1) - M(1,1)| + |2 G(0,0) - G(-1,-1) - G(1,1)|
	 *          tb = EPS + |M(-1,1) - M(1,-1)| + |2 G(0,0) - G(-1,1) - G(1,-1)|
	 *          xo = clampW(G(0,0) - blend(da, db, ta, tb))
	 *
	 * dm_hq_rgb: rows[0..2] linear rows y-1 .. y+1 (M), grn[0..4] green rows
	 * y-2 .. y+2 (G), xr[0..2] cross rows y-1 .. y+1 (X); outputs c, g, o:
	 *   at C:  c = M(0,0), g = G(0,0), o = X(0,0)
	 *   at G:  g = G(0,0)
	 *          gv = |G(-1,0) - G(1,0)| + |2 G(0,0) - G(-2,0) - G(2,0)|
	 *          gh = |G(0,-1) - G(0,1)| + |2 G(0,0) - G(0,-2) - G(0,2)|
	 *          c = clampW(G(0,0) - blend((G(-1,0) - X(-1,0)) + (G(1,0) - X(1,0)),
	 *                                    (G(0,-1) - M(0,-1)) + (G(0,1) - M(0,1)),
	 *                                    EPS + gv + |X(-1,0) - X(1,0)|,
	 *                                    EPS + gh + |M(0,-1) - M(0,1)|))
	 *          o = clampW(G(0,0) - blend((G(-1,0) - M(-1,0)) + (G(1,0) - M(1,0)),
	 *                                    (G(0,-1) - X(0,-1)) + (G(0,1) - X(0,1)),
	 *                                    EPS + gv + |M(-1,0) - M(1,0)|,
	 *                                    EPS + gh + |X(0,-1) - X(0,1)|))
	 */
	void (*demosaic_fast)(const uint16_t *const rows[5], unsigned n, unsigned g_first,
			      uint16_t *c, uint16_t *g, uint16_t *o);
	void (*dm_hq_diff)(const uint16_t *const rows[5], unsigned n, unsigned g_first, int16_t *dh,
			   int16_t *dv);
	void (*dm_hq_grad)(const int16_t *dh, const int16_t *const dv[2], unsigned n,
			   uint16_t *grad_h, uint16_t *grad_v);
	void (*dm_hq_green)(const uint16_t *m, const int16_t *dh, const int16_t *const dv[5],
			    const uint16_t *const grad_h[3], const uint16_t *const grad_v[5],
			    unsigned n, unsigned g_first, uint16_t *g);
	void (*dm_hq_cross)(const uint16_t *const rows[3], const uint16_t *const grn[3], unsigned n,
			    unsigned g_first, uint16_t *xo);
	void (*dm_hq_rgb)(const uint16_t *const rows[3], const uint16_t *const grn[5],
			  const uint16_t *const xr[3], unsigned n, unsigned g_first, uint16_t *c,
			  uint16_t *g, uint16_t *o);

	/* 2x2 binning of one channel: dst[i] = (a[2i] + a[2i+1] + b[2i] + b[2i+1] + 2) >> 2. */
	void (*bin2x2)(const uint16_t *a, const uint16_t *b, unsigned n_out, uint16_t *dst);

	/* Colour matrix (struct ph_isp_ccm); outputs do not overlap inputs. */
	void (*ccm)(const uint16_t *r, const uint16_t *g, const uint16_t *b, unsigned n,
		    const struct ph_isp_ccm *m, uint16_t *ro, uint16_t *go, uint16_t *bo);

	/* Tone: the piecewise-linear curve above; tone16: dst[x] = lut[src[x]] (WMAX + 1 entries).
	 */
	void (*tone8)(const uint16_t *src, unsigned n, const struct ph_isp_tone8 *t, uint8_t *dst);
	void (*tone16)(const uint16_t *src, unsigned n, const uint16_t *lut, uint16_t *dst);
	/*
	 * Colour matrix (@m NULL: none) and 8-bit tone of three rows in one
	 * pass: exactly ccm, then tone8 of each channel.
	 */
	void (*ccm_tone8)(const uint16_t *r, const uint16_t *g, const uint16_t *b, unsigned n,
			  const struct ph_isp_ccm *m, const struct ph_isp_tone8 *t, uint8_t *ro,
			  uint8_t *go, uint8_t *bo);
	/*
	 * Optional, NULL in the sets that do not have it: ccm_tone8, then
	 * pack[PH_ISP_PACK_RGB888] (@bgr false) or pack[PH_ISP_PACK_BGR888] of
	 * the three rows into @dst, in one pass (the bytes stay in registers).
	 * isp.c uses it when that is a frame's only output.
	 */
	void (*ccm_tone8_pack3)(const uint16_t *r, const uint16_t *g, const uint16_t *b, unsigned n,
				const struct ph_isp_ccm *m, const struct ph_isp_tone8 *t, bool bgr,
				uint8_t *dst);

	/* Interleave 8-bit R, G, B rows into a packed RGB line (enum ph_isp_pack). */
	void (*pack[PH_ISP_PACK_COUNT])(const uint8_t *r, const uint8_t *g, const uint8_t *b,
					unsigned n, uint8_t *dst);
	/* RGB48: little-endian 16-bit R, G, B. */
	void (*pack_rgb48)(const uint16_t *r, const uint16_t *g, const uint16_t *b, unsigned n,
			   uint8_t *dst);

	/*
	 * Luma of one row: y[x] = clamp((c->y . (R, G, B) + c->y_offset) >> 14, 0, 255).
	 * Chroma, from the mean RGB of a site (pair or 2x2 block, a missing
	 * right column or lower row replaced by the one present):
	 *   4:2:0  Ra = (R00 + R01 + R10 + R11 + 2) >> 2   (same for G, B)
	 *   4:2:2  Ra = (R0 + R1 + 1) >> 1
	 *   Cb = clamp((c->cb . (Ra, Ga, Ba) + (128 << 14) + 8192) >> 14, 0, 255), Cr alike.
	 * chroma420 writes (n + 1) / 2 samples to u and v, each @step bytes apart
	 * (I420: 1; NV12: 2, u = CbCr plane, v = u + 1; NV21 the other way);
	 * row 1 (r1, g1, b1) may equal row 0 (last, odd line).
	 * yuyv / uyvy write whole macropixels: 4 bytes per pair, (n + 1) / 2 pairs; an odd
	 * last pixel is repeated as Y1.
	 */
	void (*luma)(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
		     const struct ph_isp_yuv *c, uint8_t *y);
	void (*chroma420)(const uint8_t *r0, const uint8_t *g0, const uint8_t *b0,
			  const uint8_t *r1, const uint8_t *g1, const uint8_t *b1, unsigned n,
			  const struct ph_isp_yuv *c, uint8_t *u, uint8_t *v, unsigned step);
	void (*yuyv)(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
		     const struct ph_isp_yuv *c, uint8_t *dst);
	void (*uyvy)(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
		     const struct ph_isp_yuv *c, uint8_t *dst);
};

extern const struct ph_isp_kernels ph_isp_kernels_scalar;

/*
 * Fill @k with the kernels called @name ("scalar", "sse4.1", "avx2",
 * "avx512", "neon") if this build and CPU run them. @return false if not.
 */
bool ph_isp_kernels_find(const char *name, struct ph_isp_kernels *k);

/*
 * Each SIMD file fills @k with the scalar kernels, then replaces those it
 * has (kernels of a lesser SIMD level where it has none of its own). Only
 * for CPUs that run them (ph_isp_kernels_find checks).
 */
#if defined(__x86_64__)
void ph_isp_kernels_sse41(struct ph_isp_kernels *k);  /* SSE4.1 (x86-64-v2) */
void ph_isp_kernels_avx2(struct ph_isp_kernels *k);   /* AVX2 */
void ph_isp_kernels_avx512(struct ph_isp_kernels *k); /* AVX-512 F, BW, VL, VBMI, VNNI */
#elif defined(__aarch64__)
void ph_isp_kernels_neon(struct ph_isp_kernels *k);
#endif

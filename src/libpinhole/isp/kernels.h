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
 * buffers have PH_ISP_PAD valid samples left of index 0 and right of
 * index n-1 (filled by isp.c by mirroring, CFA phase preserved), and row
 * buffers start 32-byte aligned at index 0. Kernels may read (never write)
 * up to PH_ISP_PAD samples beyond either end of an input row, and may
 * write nothing beyond n (dst rows are exact: they can be the caller's
 * output buffer).
 */

#include <stdint.h>

#define PH_ISP_WBITS 14
#define PH_ISP_WMAX  ((1 << PH_ISP_WBITS) - 1) /* 16383 */
#define PH_ISP_PAD   16			       /* readable samples beyond each end of a row */

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
	 *   hist[min(255, (Y * hist_scale) >> 16)]++   (64-bit product)
	 *   if any s_i >= white: zones[zone[q]].saturated++
	 *   else: zones[zone[q]] sum_r += r, sum_g += g, sum_b += b, counted++
	 * @return the number of sampled quads.
	 */
	unsigned (*stats)(const uint16_t *raw0, const uint16_t *raw1,
			  const struct ph_isp_stats_row *p, struct ph_isp_zone *zones,
			  uint32_t *hist);

	/*
	 * Demosaic one row. rows[0..4] are rows y-2 .. y+2 (padded, see
	 * above); rows[2] is the row itself. The row's own non-green colour
	 * is C (R in an R/G row, B in a G/B row) and the other one O; columns
	 * x with (x & 1) == g_first are green. Outputs C, G and O of n pixels.
	 * Let P(dy, dx) = rows[2 + dy][x + dx].
	 *
	 * fast (bilinear; reads rows 1..3 only):
	 *   at C:  c = P(0,0)
	 *          g = (P(-1,0) + P(1,0) + P(0,-1) + P(0,1) + 2) >> 2
	 *          o = (P(-1,-1) + P(-1,1) + P(1,-1) + P(1,1) + 2) >> 2
	 *   at G:  g = P(0,0), c = (P(0,-1) + P(0,1) + 1) >> 1, o = (P(-1,0) + P(1,0) + 1) >> 1
	 *
	 * hq (Malvar-He-Cutler, weights x16, s = weighted sum as int32):
	 *   at C:  c = P(0,0)
	 *          g: 8 P(0,0) + 4 (N + S + W + E) - 2 (P(-2,0) + P(2,0) + P(0,-2) + P(0,2))
	 *          o: 12 P(0,0) + 4 (4 diagonals) - 3 (P(-2,0) + P(2,0) + P(0,-2) + P(0,2))
	 *   at G:  g = P(0,0)
	 *          c: 10 P(0,0) + 8 (W + E) - 2 (P(0,-2) + P(0,2)) - 2 (4 diagonals)
	 *             + (P(-2,0) + P(2,0))
	 *          o: 10 P(0,0) + 8 (N + S) - 2 (P(-2,0) + P(2,0)) - 2 (4 diagonals)
	 *             + (P(0,-2) + P(0,2))
	 *   value = s + 8 < 0 ? 0 : min((s + 8) >> 4, WMAX)
	 */
	void (*demosaic_fast)(const uint16_t *const rows[5], unsigned n, unsigned g_first,
			      uint16_t *c, uint16_t *g, uint16_t *o);
	void (*demosaic_hq)(const uint16_t *const rows[5], unsigned n, unsigned g_first,
			    uint16_t *c, uint16_t *g, uint16_t *o);

	/* 2x2 binning of one channel: dst[i] = (a[2i] + a[2i+1] + b[2i] + b[2i+1] + 2) >> 2. */
	void (*bin2x2)(const uint16_t *a, const uint16_t *b, unsigned n_out, uint16_t *dst);

	/* Colour matrix (struct ph_isp_ccm); outputs do not overlap inputs. */
	void (*ccm)(const uint16_t *r, const uint16_t *g, const uint16_t *b, unsigned n,
		    const struct ph_isp_ccm *m, uint16_t *ro, uint16_t *go, uint16_t *bo);

	/* Tone: dst[x] = lut[src[x]], src <= WMAX (LUTs have WMAX + 1 entries). */
	void (*tone8)(const uint16_t *src, unsigned n, const uint8_t *lut, uint8_t *dst);
	void (*tone16)(const uint16_t *src, unsigned n, const uint16_t *lut, uint16_t *dst);

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

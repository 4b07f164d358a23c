/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * NEON kernels for aarch64 (where NEON is always present), bit-exact with
 * the scalar reference (kernels-scalar.c; the arithmetic is in kernels.h).
 * Each kernel runs whole vectors of 8 or 16 pixels and hands the rest to
 * the scalar kernel; vector code writes nothing past n and reads padded
 * rows (demosaic) only within the mirrored samples. The high-quality
 * demosaic, statistics and YUV stay scalar here. Tested on x86 machines by
 * a cross build run under qemu-aarch64 (test/unit/test-isp-neon.c).
 */
#include <stddef.h>
#include <stdint.h>

#include "isp/isp.h"
#include "isp/kernels.h"

#if defined(__aarch64__)

#include <arm_neon.h>

#define SC ph_isp_kernels_scalar

/* ---- unpacking ---------------------------------------------------------------------------- */

static void unpack_8(const uint8_t *line, unsigned x0, unsigned n, unsigned depth, uint16_t *dst)
{
	const uint8_t *s = line + x0;
	unsigned i = 0;

	for (; i + 16 <= n; i += 16) {
		uint8x16_t v = vld1q_u8(s + i);

		vst1q_u16(dst + i, vmovl_u8(vget_low_u8(v)));
		vst1q_u16(dst + i + 8, vmovl_high_u8(v));
	}
	if (i < n)
		SC.unpack[PH_ISP_UNPACK_8](line, x0 + i, n - i, depth, dst + i);
}

static void unpack_16(const uint8_t *line, unsigned x0, unsigned n, unsigned depth, uint16_t *dst)
{
	const uint8_t *s = line + 2 * (size_t)x0;
	const uint16x8_t mask = vdupq_n_u16((uint16_t)((1u << depth) - 1));
	unsigned i = 0;

	for (; i + 8 <= n; i += 8)
		vst1q_u16(dst + i,
			  vandq_u16(vreinterpretq_u16_u8(vld1q_u8(s + 2 * (size_t)i)), mask));
	if (i < n)
		SC.unpack[PH_ISP_UNPACK_16](line, x0 + i, n - i, depth, dst + i);
}

/* ---- black level and gains ---------------------------------------------------------------- */

/* 8 samples: min((sat(raw << shift - black) * gain + round) >> k, WMAX), exact in 32 bits. */
static inline uint16x8_t lin8(const struct ph_isp_lin *lin, uint16x8_t raw, uint16x8_t black,
			      uint16x8_t gain)
{
	uint16x8_t v = vqsubq_u16(vshlq_u16(raw, vdupq_n_s16((int16_t)lin->shift)), black);
	const uint32x4_t round = vdupq_n_u32(1u << (lin->gain_shift - 1));
	const int32x4_t k = vdupq_n_s32(-(int32_t)lin->gain_shift);
	uint32x4_t lo = vmlal_u16(round, vget_low_u16(v), vget_low_u16(gain));
	uint32x4_t hi = vmlal_high_u16(round, v, gain);
	uint16x8_t r = vcombine_u16(vqmovn_u32(vshlq_u32(lo, k)), vqmovn_u32(vshlq_u32(hi, k)));

	return vminq_u16(r, vdupq_n_u16(PH_ISP_WMAX));
}

/* The per-parity pair (even, odd) repeated over 8 lanes. */
static inline uint16x8_t parity_pair(uint16_t even, uint16_t odd)
{
	return vreinterpretq_u16_u32(vdupq_n_u32(even | (uint32_t)odd << 16));
}

static void linearise(const uint16_t *raw, unsigned n, const struct ph_isp_lin *lin, uint16_t *dst)
{
	const uint16x8_t black = parity_pair(lin->black[0], lin->black[1]);
	const uint16x8_t gain = parity_pair(lin->gain[0], lin->gain[1]);
	unsigned i = 0;

	for (; i + 8 <= n; i += 8)
		vst1q_u16(dst + i, lin8(lin, vld1q_u16(raw + i), black, gain));
	if (i < n)
		SC.linearise(raw + i, n - i, lin, dst + i);
}

static void linearise_lsc(const uint16_t *raw, unsigned n, const struct ph_isp_lin *lin,
			  const uint16_t *gains, uint16_t *dst)
{
	const uint16x8_t black = parity_pair(lin->black[0], lin->black[1]);
	unsigned i = 0;

	for (; i + 8 <= n; i += 8)
		vst1q_u16(dst + i, lin8(lin, vld1q_u16(raw + i), black, vld1q_u16(gains + i)));
	if (i < n)
		SC.linearise_lsc(raw + i, n - i, lin, gains + i, dst + i);
}

/* ---- demosaic ----------------------------------------------------------------------------- */

static inline int16x8_t ld(const uint16_t *p)
{
	return vreinterpretq_s16_u16(vld1q_u16(p));
}

/* (a + b + 1) >> 1 of 14-bit values. */
static inline int16x8_t avg2(int16x8_t a, int16x8_t b)
{
	return vreinterpretq_s16_u16(
		vrhaddq_u16(vreinterpretq_u16_s16(a), vreinterpretq_u16_s16(b)));
}

/* avg2(avg2(a, b), avg2(c, d)) (kernels.h). */
static inline int16x8_t avg4(int16x8_t a, int16x8_t b, int16x8_t c, int16x8_t d)
{
	return avg2(avg2(a, b), avg2(c, d));
}

static inline int16x8_t clamp_r(int16x8_t v, int16x8_t lo, int16x8_t hi)
{
	return vminq_s16(vmaxq_s16(v, lo), hi);
}

/* FAST: both formulas on 8 columns in int16 (kernels.h bounds them), then a blend by parity. */
static void demosaic_fast(const uint16_t *const rows[5], unsigned n, unsigned g_first, uint16_t *c,
			  uint16_t *g, uint16_t *o)
{
	const uint16_t *u2 = rows[0], *u1 = rows[1], *m = rows[2], *d1 = rows[3], *d2 = rows[4];
	/* The green lanes (x is even at every vector's start). */
	const uint16x8_t green =
		vreinterpretq_u16_u32(vdupq_n_u32(g_first ? 0xffff0000u : 0xffffu));
	unsigned x = 0;

	for (; x + 8 <= n; x += 8) {
		int16x8_t p = ld(m + x), nn = ld(u1 + x), ss = ld(d1 + x);
		int16x8_t ww = ld(m + x - 1), ee = ld(m + x + 1);
		int16x8_t nw = ld(u1 + x - 1), ne = ld(u1 + x + 1);
		int16x8_t sw = ld(d1 + x - 1), se = ld(d1 + x + 1);
		int16x8_t n2 = ld(u2 + x), s2 = ld(d2 + x), w2 = ld(m + x - 2), e2 = ld(m + x + 2);
		int16x8_t diag = avg4(nw, ne, sw, se);
		int16x8_t dlo = vminq_s16(vminq_s16(nw, ne), vminq_s16(sw, se));
		int16x8_t dhi = vmaxq_s16(vmaxq_s16(nw, ne), vmaxq_s16(sw, se));
		int16x8_t ns_lo = vminq_s16(nn, ss), ns_hi = vmaxq_s16(nn, ss);
		int16x8_t we_lo = vminq_s16(ww, ee), we_hi = vmaxq_s16(ww, ee);

		/* C sites */
		int16x8_t ns = avg2(nn, ss), we = avg2(ww, ee), ns2 = avg2(n2, s2),
			  we2 = avg2(w2, e2);
		int16x8_t h = vshrq_n_s16(vsubq_s16(p, avg2(ns2, we2)), 1);
		int16x8_t gc = clamp_r(vaddq_s16(avg2(ns, we), h), vminq_s16(ns_lo, we_lo),
				       vmaxq_s16(ns_hi, we_hi));
		int16x8_t oc = clamp_r(vaddq_s16(vaddq_s16(diag, h), vshrq_n_s16(h, 1)), dlo, dhi);

		/* G sites */
		int16x8_t e = vshrq_n_s16(vsubq_s16(p, diag), 1);
		int16x8_t fh = vsubq_s16(p, we2), fv = vsubq_s16(p, ns2);
		int16x8_t cg = vaddq_s16(vaddq_s16(we, e), vshrq_n_s16(fh, 2));
		int16x8_t og = vaddq_s16(vaddq_s16(ns, e), vshrq_n_s16(fv, 2));

		cg = clamp_r(vsubq_s16(cg, vshrq_n_s16(fv, 3)), we_lo, we_hi);
		og = clamp_r(vsubq_s16(og, vshrq_n_s16(fh, 3)), ns_lo, ns_hi);

		vst1q_u16(c + x, vreinterpretq_u16_s16(vbslq_s16(green, cg, p)));
		vst1q_u16(g + x, vreinterpretq_u16_s16(vbslq_s16(green, p, gc)));
		vst1q_u16(o + x, vreinterpretq_u16_s16(vbslq_s16(green, og, oc)));
	}
	if (x < n) {
		const uint16_t *const r[5] = {u2 + x, u1 + x, m + x, d1 + x, d2 + x};

		SC.demosaic_fast(r, n - x, g_first, c + x, g + x, o + x);
	}
}

/* ---- binning ------------------------------------------------------------------------------ */

static void bin2x2(const uint16_t *a, const uint16_t *b, unsigned n_out, uint16_t *dst)
{
	unsigned i = 0;

	for (; i + 4 <= n_out; i += 4) {
		uint32x4_t s = vaddq_u32(vpaddlq_u16(vld1q_u16(a + 2 * i)),
					 vpaddlq_u16(vld1q_u16(b + 2 * i)));

		vst1_u16(dst + i, vmovn_u32(vshrq_n_u32(vaddq_u32(s, vdupq_n_u32(2)), 2)));
	}
	if (i < n_out)
		SC.bin2x2(a + 2 * i, b + 2 * i, n_out - i, dst + i);
}

/* ---- colour ------------------------------------------------------------------------------- */

/* One output row of the colour matrix on 4 pixels: exact int32 sums, clamped to 0..WMAX. */
static inline uint16x4_t ccm4(int16x4_t r, int16x4_t g, int16x4_t b, const int16_t *k, int32_t off)
{
	int32x4_t s = vdupq_n_s32(off + (1 << (PH_ISP_CCM_SHIFT - 1)));

	s = vmlal_n_s16(s, r, k[0]);
	s = vmlal_n_s16(s, g, k[1]);
	s = vmlal_n_s16(s, b, k[2]);
	return vmin_u16(vqmovun_s32(vshrq_n_s32(s, PH_ISP_CCM_SHIFT)), vdup_n_u16(PH_ISP_WMAX));
}

static void ccm(const uint16_t *r, const uint16_t *g, const uint16_t *b, unsigned n,
		const struct ph_isp_ccm *mat, uint16_t *ro, uint16_t *go, uint16_t *bo)
{
	uint16_t *const out[3] = {ro, go, bo};
	unsigned i = 0;

	for (; i + 8 <= n; i += 8) {
		int16x8_t vr = vreinterpretq_s16_u16(vld1q_u16(r + i));
		int16x8_t vg = vreinterpretq_s16_u16(vld1q_u16(g + i));
		int16x8_t vb = vreinterpretq_s16_u16(vld1q_u16(b + i));

		for (unsigned c = 0; c < 3; c++) {
			const int16_t *k = &mat->m[3 * c];
			uint16x4_t lo = ccm4(vget_low_s16(vr), vget_low_s16(vg), vget_low_s16(vb),
					     k, mat->offset[c]);
			uint16x4_t hi = ccm4(vget_high_s16(vr), vget_high_s16(vg),
					     vget_high_s16(vb), k, mat->offset[c]);

			vst1q_u16(out[c] + i, vcombine_u16(lo, hi));
		}
	}
	if (i < n)
		SC.ccm(r + i, g + i, b + i, n - i, mat, ro + i, go + i, bo + i);
}

/* Colour matrix in NEON, then the (scalar) tone of each channel, 64 pixels at a time. */
static void ccm_tone8(const uint16_t *r, const uint16_t *g, const uint16_t *b, unsigned n,
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

/* ---- output packing: the structured stores interleave ------------------------------------- */

static void pack_rgb888(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
			uint8_t *dst)
{
	unsigned i = 0;

	for (; i + 16 <= n; i += 16)
		vst3q_u8(dst + 3 * i,
			 (uint8x16x3_t){{vld1q_u8(r + i), vld1q_u8(g + i), vld1q_u8(b + i)}});
	if (i < n)
		SC.pack[PH_ISP_PACK_RGB888](r + i, g + i, b + i, n - i, dst + 3 * i);
}

static void pack_bgr888(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
			uint8_t *dst)
{
	unsigned i = 0;

	for (; i + 16 <= n; i += 16)
		vst3q_u8(dst + 3 * i,
			 (uint8x16x3_t){{vld1q_u8(b + i), vld1q_u8(g + i), vld1q_u8(r + i)}});
	if (i < n)
		SC.pack[PH_ISP_PACK_BGR888](r + i, g + i, b + i, n - i, dst + 3 * i);
}

static void pack_xrgb8888(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
			  uint8_t *dst)
{
	unsigned i = 0;

	for (; i + 16 <= n; i += 16)
		vst4q_u8(dst + 4 * i, (uint8x16x4_t){{vld1q_u8(b + i), vld1q_u8(g + i),
						      vld1q_u8(r + i), vdupq_n_u8(0xff)}});
	if (i < n)
		SC.pack[PH_ISP_PACK_XRGB8888](r + i, g + i, b + i, n - i, dst + 4 * i);
}

static void pack_xbgr8888(const uint8_t *r, const uint8_t *g, const uint8_t *b, unsigned n,
			  uint8_t *dst)
{
	unsigned i = 0;

	for (; i + 16 <= n; i += 16)
		vst4q_u8(dst + 4 * i, (uint8x16x4_t){{vld1q_u8(r + i), vld1q_u8(g + i),
						      vld1q_u8(b + i), vdupq_n_u8(0xff)}});
	if (i < n)
		SC.pack[PH_ISP_PACK_XBGR8888](r + i, g + i, b + i, n - i, dst + 4 * i);
}

/* RGB48: little-endian words, as aarch64 Linux stores them. */
static void pack_rgb48(const uint16_t *r, const uint16_t *g, const uint16_t *b, unsigned n,
		       uint8_t *dst)
{
	unsigned i = 0;

	for (; i + 8 <= n; i += 8)
		vst3q_u16((uint16_t *)(void *)(dst + 6 * i),
			  (uint16x8x3_t){{vld1q_u16(r + i), vld1q_u16(g + i), vld1q_u16(b + i)}});
	if (i < n)
		SC.pack_rgb48(r + i, g + i, b + i, n - i, dst + 6 * i);
}

void ph_isp_kernels_neon(struct ph_isp_kernels *k)
{
	*k = ph_isp_kernels_scalar; /* any kernel not below stays scalar */
	k->name = "neon";
	k->unpack[PH_ISP_UNPACK_8] = unpack_8;
	k->unpack[PH_ISP_UNPACK_16] = unpack_16;
	k->linearise = linearise;
	k->linearise_lsc = linearise_lsc;
	k->demosaic_fast = demosaic_fast;
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
typedef int ph_isp_kernels_neon_unused; /* not an empty translation unit */
#endif

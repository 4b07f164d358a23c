/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ISP driver: checks a frame's description, turns the parameters into
 * fixed-point tables (only when they change), splits the crop into bands
 * and runs them on the thread pool. Each band unpacks, linearises and
 * demosaics its rows (plus rows of context above and below: 2 for the
 * fast demosaic, HQ_CTX for the high-quality one) in small rings of row
 * buffers, and writes finished rows straight into the outputs. All pixel arithmetic happens in the
 * kernels (kernels.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/threadpool.h"
#include "core/internal.h"
#include "isp/isp.h"
#include "isp/kernels.h"

#define MAX_OUTPUTS 2
#define MAX_THREADS 64
#define RING	    16 /* linearised rows kept per band: a power of two >= 2 * HQ_CTX + 2 */

/*
 * The high-quality demosaic runs in five row stages (kernels.h), each
 * keeping a ring of its rows: the directional differences of row r need
 * linear rows r-2 .. r+2, the gradients of r differences r-1 .. r+1, green
 * r differences and gradients r-2 .. r+2, cross r needs green r-1 .. r+1
 * and output row y needs green y-2 .. y+2 and cross y-1 .. y+1. So output
 * row y needs linear rows up to y + HQ_CTX.
 */
#define HQ_DIFF_AHEAD  5 /* differences computed up to y + 5 */
#define HQ_GRAD_AHEAD  4
#define HQ_GREEN_AHEAD 2
#define HQ_CROSS_AHEAD 1
#define HQ_CTX	       (HQ_DIFF_AHEAD + 2)
#define HQ_RING	       8 /* rows of each HQ stage kept: a power of two >= 7 */

/* Scratch memory of one thread, for rows up to @width pixels. */
struct scratch {
	uint16_t *raw[2];    /* unpacked rows, by row parity */
	uint16_t *lin[RING]; /* linearised rows, padded, by logical row & (RING - 1) */
	uint16_t *dm[2][3];  /* demosaiced R, G, B of the row pair */
	int16_t *hq_dh[HQ_RING], *hq_dv[HQ_RING]; /* HQ stages, padded, by row & (HQ_RING - 1) */
	uint16_t *hq_grad_h[HQ_RING], *hq_grad_v[HQ_RING];
	uint16_t *hq_green[HQ_RING], *hq_cross[HQ_RING];
	uint16_t *cc[3];     /* after the colour matrix */
	uint8_t *o8[2][3];   /* toned 8-bit rows of the pair */
	uint16_t *o16[2][3]; /* toned 16-bit rows of the pair */
	uint16_t *bl[3];     /* binned linear row */
	uint8_t *b8[2][3];   /* toned binned rows, by binned row parity */
	uint16_t *b16[2][3]; /* ... 16-bit */
	uint16_t *lsc_gain;  /* per-pixel gains of the row */
	float *lsc_col;	     /* lens shading grid interpolated to the row: 3 x PH_ISP_LSC_MAX */
	struct ph_isp_stats *stats;	    /* this thread's sums (the histogram in @hist) */
	uint32_t (*hist)[PH_ISP_HIST_BINS]; /* PH_ISP_HIST_COPIES copies (kernels.h) */
};

enum out_kind {
	OUT_PACK,
	OUT_RGB48,
	OUT_420,
	OUT_YUYV,
	OUT_UYVY,
};

struct out_plan {
	enum out_kind kind;
	enum ph_isp_pack pack;
	bool binning;
	unsigned width;
	uint8_t *plane[3]; /* OUT_420: Y, Cb, Cr (Cr = Cb + 1 for NV12) */
	uint32_t stride[3];
	unsigned step; /* OUT_420: bytes between chroma samples */
	struct ph_isp_yuv yuv;
};

struct ph_isp {
	const struct ph_isp_kernels *k; /* = &kernels */
	struct ph_isp_kernels kernels;	/* the implementation in use, filled at ph_isp_new */
	struct ph_threadpool *pool;
	unsigned threads;
	struct scratch *scratch[MAX_THREADS];
	void *scratch_mem[MAX_THREADS];
	unsigned scratch_width;
	/* Stats zone of each quad column, for @zone_quads quads and @zone_count zones. */
	uint8_t *zone_tab;
	unsigned zone_cap, zone_quads, zone_count;
	/* Derived from the parameters, rebuilt when they change. */
	bool tone_valid, ccm_valid;
	bool gamma;
	float brightness, contrast;
	float ccm_src[9], ccm_off_src[3], saturation;
	struct ph_isp_ccm ccm;
	bool ccm_identity;
	struct ph_isp_tone8 tone8;
	uint16_t lut16[PH_ISP_WMAX + 1];
};

/* Everything one frame's bands need; read-only while they run. */
struct frame {
	struct ph_isp *isp;
	const struct ph_isp_kernels *k;
	const struct ph_isp_params *params;
	const uint8_t *data;
	uint32_t stride, x0, y0, w, h;
	enum ph_isp_unpack unpack;
	size_t crop_first, crop_bytes; /* the bytes of a raw line holding the crop */
	unsigned depth;
	bool mono, hq;
	unsigned order;		  /* Bayer order of the crop's top-left quad */
	int ctx;		  /* rows of context: 0 (mono), 2 (fast) or HQ_CTX */
	struct ph_isp_lin lin[2]; /* by row parity */
	float base_gain[4];	  /* per site, for lens shading */
	unsigned site_colour[4];  /* 0 R, 1 G, 2 B */
	bool lsc;
	struct out_plan out[MAX_OUTPUTS];
	unsigned out_count;
	bool full8, full16, bin8, bin16, binned;
	bool fused_pack; /* the only output is RGB888 or BGR888: ccm_tone8_pack3 writes it */
	unsigned bin_w, bin_h;
	bool stats;
	struct ph_isp_stats_row srow;
	unsigned zones_x, zones_y, quads_y;
	unsigned band_rows, bands;
};

/* ---- parameters --------------------------------------------------------------------------- */

void ph_isp_params_identity(struct ph_isp_params *params)
{
	memset(params, 0, sizeof(*params));
	for (unsigned i = 0; i < 3; i++) {
		params->wb_gains[i] = 1.0f;
		params->ccm[4 * i] = 1.0f;
	}
	params->contrast = 1.0f;
	params->saturation = 1.0f;
	params->gamma = false;
	params->demosaic = PH_ISP_DEMOSAIC_FAST;
}

static bool finite_in(float v, float lo, float hi)
{
	return isfinite(v) && v >= lo && v <= hi;
}

static int check_params(const struct ph_isp_params *p)
{
	for (unsigned i = 0; i < 3; i++)
		if (!finite_in(p->wb_gains[i], 0, 1e6f) ||
		    !finite_in(p->ccm_offsets[i], -1e6f, 1e6f))
			return -EINVAL;
	for (unsigned i = 0; i < 9; i++)
		if (!finite_in(p->ccm[i], -1e6f, 1e6f))
			return -EINVAL;
	if (!finite_in(p->brightness, -1e6f, 1e6f) || !finite_in(p->contrast, 0, 1e6f) ||
	    !finite_in(p->saturation, 0, 1e6f))
		return -EINVAL;
	if (p->demosaic != PH_ISP_DEMOSAIC_FAST && p->demosaic != PH_ISP_DEMOSAIC_HQ)
		return -EINVAL;
	if (p->lsc_width > PH_ISP_LSC_MAX || p->lsc_height > PH_ISP_LSC_MAX ||
	    (p->lsc_width && !p->lsc_height))
		return -EINVAL;
	for (unsigned c = 0; c < 3 && p->lsc_width; c++)
		for (unsigned i = 0; i < p->lsc_width * p->lsc_height; i++)
			if (!finite_in(p->lsc[c][i], 0, 1e6f))
				return -EINVAL;
	return 0;
}

static double srgb_oetf(double x)
{
	return x <= 0.0031308 ? 12.92 * x : 1.055 * pow(x, 1 / 2.4) - 0.055;
}

/* The tone curve at working value @x: optional sRGB curve, contrast about 0.5, + brightness. */
static double tone_value(const struct ph_isp_params *p, unsigned x)
{
	double v = (double)x / PH_ISP_WMAX;

	if (p->gamma)
		v = srgb_oetf(v);
	v = (v - 0.5) * p->contrast + 0.5 + p->brightness;
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* The tone tables: 16-bit LUT, 8-bit piecewise-linear curve (kernels.h). */
static void update_tone(struct ph_isp *isp, const struct ph_isp_params *p)
{
	struct ph_isp_tone8 *t = &isp->tone8;
	const unsigned segs = 60 + ((PH_ISP_WMAX + 1) >> 8); /* 124 */
	uint16_t knot[PH_ISP_TONE_SEGS + 1];

	if (isp->tone_valid && isp->gamma == p->gamma && isp->brightness == p->brightness &&
	    isp->contrast == p->contrast)
		return;
	for (unsigned i = 0; i <= PH_ISP_WMAX; i++)
		isp->lut16[i] = (uint16_t)lrint(tone_value(p, i) * 65535);
	/* Knot i at the start of segment i, the ones from @segs on at WMAX + 1 (the end). */
	for (unsigned i = 0; i <= PH_ISP_TONE_SEGS; i++) {
		unsigned x = i < 64 ? 16 * i : i <= segs ? 256 * (i - 60) : PH_ISP_WMAX + 1;

		knot[i] = (uint16_t)lrint(tone_value(p, x) * (255 << 7));
	}
	for (unsigned i = 0; i < PH_ISP_TONE_SEGS; i++) {
		t->k[i] = (uint16_t)(knot[i] + 64); /* kernels.h: rounds v >> 7 */
		t->d[i] = (int16_t)(knot[i + 1] - knot[i]);
	}
	for (unsigned x = 0; x <= PH_ISP_WMAX;
	     x += 256) { /* the expanded curve, by the reference */
		uint16_t ramp[256];

		for (unsigned i = 0; i < 256; i++)
			ramp[i] = (uint16_t)(x + i);
		ph_isp_kernels_scalar.tone8(ramp, 256, t, t->lut + x);
	}
	isp->gamma = p->gamma;
	isp->brightness = p->brightness;
	isp->contrast = p->contrast;
	isp->tone_valid = true;
}

static int32_t clamp_round(double v, double lo, double hi)
{
	v = v < lo ? lo : v > hi ? hi : v;
	return (int32_t)lrint(v);
}

/*
 * The colour matrix in Q12 with saturation folded in: M' = S M, where S
 * keeps the luma (BT.709 weights, as the values are linear) and scales
 * the difference from it: S = s I + (1 - s) [1 1 1]^T [0.2126 0.7152 0.0722].
 */
static void update_ccm(struct ph_isp *isp, const struct ph_isp_params *p)
{
	static const double luma[3] = {0.2126, 0.7152, 0.0722};
	double s = p->saturation;
	bool identity = true;

	if (isp->ccm_valid && !memcmp(isp->ccm_src, p->ccm, sizeof(p->ccm)) &&
	    !memcmp(isp->ccm_off_src, p->ccm_offsets, sizeof(p->ccm_offsets)) &&
	    isp->saturation == p->saturation)
		return;
	for (unsigned i = 0; i < 3; i++) {
		for (unsigned j = 0; j < 3; j++) {
			double v = 0;

			for (unsigned k = 0; k < 3; k++)
				v += (s * (i == k) + (1 - s) * luma[k]) * p->ccm[3 * k + j];
			isp->ccm.m[3 * i + j] = (int16_t)clamp_round(v * (1 << PH_ISP_CCM_SHIFT),
								     INT16_MIN, INT16_MAX);
			identity &= isp->ccm.m[3 * i + j] == (i == j ? 1 << PH_ISP_CCM_SHIFT : 0);
		}
		isp->ccm.offset[i] = clamp_round((double)p->ccm_offsets[i] * PH_ISP_WMAX *
							 (1 << PH_ISP_CCM_SHIFT),
						 -(double)(PH_ISP_WMAX << PH_ISP_CCM_SHIFT),
						 (double)(PH_ISP_WMAX << PH_ISP_CCM_SHIFT));
		identity &= isp->ccm.offset[i] == 0;
	}
	memcpy(isp->ccm_src, p->ccm, sizeof(p->ccm));
	memcpy(isp->ccm_off_src, p->ccm_offsets, sizeof(p->ccm_offsets));
	isp->saturation = p->saturation;
	isp->ccm_identity = identity;
	isp->ccm_valid = true;
}

/*
 * YUV coefficients in Q14. Y = Kr R + Kg G + Kb B, Cb = (B - Y) / (2 (1 - Kb)),
 * Cr = (R - Y) / (2 (1 - Kr)); limited range scales Y by 219/255 (+16) and
 * C by 224/255. Kg, and the G coefficients of Cb and Cr, are taken as the
 * remainders so that white is exact and greys have no chroma.
 */
static void yuv_coefficients(struct ph_isp_yuv *c, enum ph_isp_colorspace cs, bool full)
{
	double kr = cs == PH_ISP_BT709 ? 0.2126 : 0.299, kb = cs == PH_ISP_BT709 ? 0.0722 : 0.114;
	double ys = full ? 1.0 : 219.0 / 255, s = full ? 1.0 : 224.0 / 255;
	double one = 1 << PH_ISP_YUV_SHIFT;

	c->y[0] = (int16_t)lrint(kr * ys * one);
	c->y[2] = (int16_t)lrint(kb * ys * one);
	c->y[1] = (int16_t)(lrint(ys * one) - c->y[0] - c->y[2]);
	c->cb[0] = (int16_t)lrint(-kr / (2 * (1 - kb)) * s * one);
	c->cb[2] = (int16_t)lrint(0.5 * s * one);
	c->cb[1] = (int16_t)(-c->cb[0] - c->cb[2]);
	c->cr[0] = (int16_t)lrint(0.5 * s * one);
	c->cr[2] = (int16_t)lrint(-kb / (2 * (1 - kr)) * s * one);
	c->cr[1] = (int16_t)(-c->cr[0] - c->cr[2]);
	c->y_offset = ((full ? 0 : 16) << PH_ISP_YUV_SHIFT) + (1 << (PH_ISP_YUV_SHIFT - 1));
}

/* ---- checks ------------------------------------------------------------------------------- */

static int plan_output(const struct ph_isp_output *o, unsigned cw, unsigned ch,
		       struct out_plan *plan)
{
	unsigned w = o->binning ? cw / 2 : cw, h = o->binning ? ch / 2 : ch;
	uint64_t half = ((uint64_t)w + 1) / 2, min[3] = {0, 0, 0};
	unsigned planes = 1;

	if (!w || !h || o->width != w || o->height != h)
		return -EINVAL;
	memset(plan, 0, sizeof(*plan));
	plan->binning = o->binning;
	plan->width = w;
	switch (o->fourcc) {
	case PH_FORMAT_RGB888:
	case PH_FORMAT_BGR888:
		plan->pack =
			o->fourcc == PH_FORMAT_RGB888 ? PH_ISP_PACK_RGB888 : PH_ISP_PACK_BGR888;
		min[0] = 3 * (uint64_t)w;
		break;
	case PH_FORMAT_XRGB8888:
	case PH_FORMAT_XBGR8888:
		plan->pack = o->fourcc == PH_FORMAT_XRGB8888 ? PH_ISP_PACK_XRGB8888
							     : PH_ISP_PACK_XBGR8888;
		min[0] = 4 * (uint64_t)w;
		break;
	case PH_FORMAT_RGB565:
		plan->pack = PH_ISP_PACK_RGB565;
		min[0] = 2 * (uint64_t)w;
		break;
	case PH_FORMAT_RGB48:
		plan->kind = OUT_RGB48;
		min[0] = 6 * (uint64_t)w;
		break;
	case PH_FORMAT_YUYV:
	case PH_FORMAT_UYVY:
		plan->kind = o->fourcc == PH_FORMAT_YUYV ? OUT_YUYV : OUT_UYVY;
		min[0] = 4 * half;
		break;
	case PH_FORMAT_NV12:
	case PH_FORMAT_NV21:
		plan->kind = OUT_420;
		plan->step = 2;
		planes = 2;
		min[0] = w;
		min[1] = 2 * half;
		break;
	case PH_FORMAT_YUV420:
		plan->kind = OUT_420;
		plan->step = 1;
		planes = 3;
		min[0] = w;
		min[1] = min[2] = half;
		break;
	default:
		return -EINVAL;
	}
	if (plan->kind >= OUT_420 &&
	    (o->colorspace != PH_ISP_BT601 && o->colorspace != PH_ISP_BT709))
		return -EINVAL;
	for (unsigned i = 0; i < planes; i++) {
		if (!o->planes[i] || o->strides[i] < min[i])
			return -EINVAL;
		plan->plane[i] = o->planes[i];
		plan->stride[i] = o->strides[i];
	}
	if (o->fourcc == PH_FORMAT_NV12 || o->fourcc == PH_FORMAT_NV21) {
		bool nv21 = o->fourcc == PH_FORMAT_NV21;

		plan->plane[1] = o->planes[1] + nv21;
		plan->plane[2] = o->planes[1] + !nv21;
		plan->stride[2] = o->strides[1];
	}
	if (plan->kind >= OUT_420)
		yuv_coefficients(&plan->yuv, o->colorspace, o->full_range);
	return 0;
}

static int check_input(const struct ph_isp_input *in, const struct ph_format_info **infop,
		       uint32_t crop[4])
{
	const struct ph_format_info *info = ph_format_get_info(in->fourcc);
	uint32_t min_stride;

	if (!info || (info->bayer > PH_BAYER_BGGR && info->bayer != PH_BAYER_MONO))
		return -EINVAL;
	min_stride = ph_format_min_stride(in->fourcc, in->width);
	if (!in->data || !in->width || !in->height || in->height > 16384 || !min_stride ||
	    in->stride < min_stride)
		return -EINVAL;
	if (!in->crop_x && !in->crop_y && !in->crop_width && !in->crop_height) {
		crop[0] = crop[1] = 0;
		crop[2] = in->width;
		crop[3] = in->height;
	} else {
		crop[0] = in->crop_x;
		crop[1] = in->crop_y;
		crop[2] = in->crop_width;
		crop[3] = in->crop_height;
	}
	if (!crop[2] || !crop[3] || (uint64_t)crop[0] + crop[2] > in->width ||
	    (uint64_t)crop[1] + crop[3] > in->height)
		return -EINVAL;
	/* The demosaic mirrors at the crop's edges: it needs both CFA phases each way. */
	if (info->bayer != PH_BAYER_MONO && (crop[2] < 2 || crop[3] < 2))
		return -EINVAL;
	*infop = info;
	return 0;
}

static void default_kernels(struct ph_isp_kernels *k);

/* The unpack kernel of a raw format's storage. */
static enum ph_isp_unpack unpack_kind(const struct ph_format_info *info)
{
	if (info->packed)
		return info->bit_depth == 10 ? PH_ISP_UNPACK_10P : PH_ISP_UNPACK_12P;
	return info->bit_depth == 8 ? PH_ISP_UNPACK_8 : PH_ISP_UNPACK_16;
}

int ph_isp_unpack(const struct ph_isp_input *input, uint16_t *dst, size_t dst_stride)
{
	const struct ph_format_info *info;
	struct ph_isp_kernels k;
	uint32_t crop[4];
	int ret;

	if (!input || !dst)
		return -EINVAL;
	ret = check_input(input, &info, crop);
	if (ret)
		return ret;
	if (dst_stride < crop[2])
		return -EINVAL;
	default_kernels(&k);
	for (uint32_t y = 0; y < crop[3]; y++)
		k.unpack[unpack_kind(info)](input->data + (size_t)(crop[1] + y) * input->stride,
					    crop[0], crop[2], info->bit_depth,
					    dst + (size_t)y * dst_stride);
	return 0;
}

/* ---- memory ------------------------------------------------------------------------------- */

static size_t row_bytes(unsigned width, size_t elem)
{
	return ((width + 2 * PH_ISP_PAD) * elem + 63) & ~(size_t)63;
}

/* Carve @bytes from @cursor (64-byte aligned); with @base NULL, only count. */
static void *carve(uint8_t *base, size_t *cursor, size_t bytes)
{
	void *p = base ? base + *cursor : NULL;

	*cursor += (bytes + 63) & ~(size_t)63;
	return p;
}

static size_t layout_scratch(struct scratch *s, uint8_t *base, unsigned w)
{
	size_t at = 0, r16 = row_bytes(w, 2), r8 = row_bytes(w, 1);
	size_t pad = PH_ISP_PAD * 2;

	for (unsigned i = 0; i < 2; i++)
		s->raw[i] = carve(base, &at, r16);
	for (unsigned i = 0; i < RING; i++) {
		uint8_t *row = carve(base, &at, r16);

		s->lin[i] = row ? (uint16_t *)(row + pad) : NULL;
	}
	for (unsigned i = 0; i < HQ_RING; i++) {
		uint8_t *row[6];

		for (unsigned j = 0; j < 6; j++)
			row[j] = carve(base, &at, r16);
		s->hq_dh[i] = row[0] ? (int16_t *)(row[0] + pad) : NULL;
		s->hq_dv[i] = row[1] ? (int16_t *)(row[1] + pad) : NULL;
		s->hq_grad_h[i] = row[2] ? (uint16_t *)(row[2] + pad) : NULL;
		s->hq_grad_v[i] = row[3] ? (uint16_t *)(row[3] + pad) : NULL;
		s->hq_green[i] = row[4] ? (uint16_t *)(row[4] + pad) : NULL;
		s->hq_cross[i] = row[5] ? (uint16_t *)(row[5] + pad) : NULL;
	}
	for (unsigned c = 0; c < 3; c++) {
		for (unsigned i = 0; i < 2; i++) {
			s->dm[i][c] = carve(base, &at, r16);
			s->o8[i][c] = carve(base, &at, r8);
			s->o16[i][c] = carve(base, &at, r16);
			s->b8[i][c] = carve(base, &at, r8);
			s->b16[i][c] = carve(base, &at, r16);
		}
		s->cc[c] = carve(base, &at, r16);
		s->bl[c] = carve(base, &at, r16);
	}
	s->lsc_gain = carve(base, &at, r16);
	s->lsc_col = carve(base, &at, 3 * PH_ISP_LSC_MAX * sizeof(float));
	s->stats = carve(base, &at, sizeof(struct ph_isp_stats));
	s->hist = carve(base, &at, PH_ISP_HIST_COPIES * sizeof(*s->hist));
	return at;
}

static int ensure_scratch(struct ph_isp *isp, unsigned w)
{
	struct scratch probe;
	size_t bytes;

	if (w <= isp->scratch_width)
		return 0;
	w = (w + 63) & ~63u; /* grow in steps, not by every pixel */
	bytes = layout_scratch(&probe, NULL, w);
	for (unsigned t = 0; t < isp->threads; t++) {
		void *mem = aligned_alloc(64, bytes);
		struct scratch *s = malloc(sizeof(*s));

		if (!mem || !s) {
			free(mem);
			free(s);
			return -ENOMEM; /* the old, smaller buffers stay valid */
		}
		/* Valgrind-clean: pads and unused tails read by vector code are defined. */
		memset(mem, 0, bytes);
		layout_scratch(s, mem, w);
		free(isp->scratch_mem[t]);
		free(isp->scratch[t]);
		isp->scratch_mem[t] = mem;
		isp->scratch[t] = s;
	}
	isp->scratch_width = w;
	return 0;
}

static int ensure_zones(struct ph_isp *isp, unsigned quads, unsigned zones)
{
	if (quads > isp->zone_cap) {
		uint8_t *tab = realloc(isp->zone_tab, quads);

		if (!tab)
			return -ENOMEM;
		isp->zone_tab = tab;
		isp->zone_cap = quads;
		isp->zone_quads = 0;
	}
	if (isp->zone_quads != quads || isp->zone_count != zones) {
		for (unsigned q = 0; q < quads; q++)
			isp->zone_tab[q] = (uint8_t)((uint64_t)q * zones / quads);
		isp->zone_quads = quads;
		isp->zone_count = zones;
	}
	return 0;
}

/* ---- bands -------------------------------------------------------------------------------- */

/* Mirror @r into 0..@n-1 keeping its parity (CFA phase); @n >= 2, or 1 for mono. */
static unsigned reflect(int r, unsigned n)
{
	if (r < 0)
		r = -r;
	if (r >= (int)n)
		r = 2 * ((int)n - 1) - r;
	if (r < 0 || r >= (int)n) /* tiny sizes */
		r = n >= 2 ? (r & 1) : 0;
	return (unsigned)r;
}

static void lsc_row(const struct frame *f, struct scratch *s, unsigned y)
{
	const struct ph_isp_params *p = f->params;
	unsigned lw = p->lsc_width, lh = p->lsc_height, j = 0;
	float t = 0, *col = s->lsc_col;

	if (lh > 1 && f->h > 1) {
		float v = (float)y * (float)(lh - 1) / (float)(f->h - 1);

		j = (unsigned)v;
		if (j >= lh - 1)
			j = lh - 2;
		t = v - (float)j;
	}
	for (unsigned c = 0; c < 3; c++)
		for (unsigned i = 0; i < lw; i++) {
			const float *g = &p->lsc[c][j * lw + i];

			col[c * PH_ISP_LSC_MAX + i] = lh > 1 ? g[0] * (1 - t) + g[lw] * t : g[0];
		}
	for (unsigned x = 0; x < f->w; x++) {
		unsigned site = (y & 1) * 2 + (x & 1);
		const float *cc = &col[f->site_colour[site] * PH_ISP_LSC_MAX];
		float l = cc[0], gain;

		if (lw > 1 && f->w > 1) {
			float u = (float)x * (float)(lw - 1) / (float)(f->w - 1);
			unsigned i = (unsigned)u;

			if (i >= lw - 1)
				i = lw - 2;
			l = cc[i] * (1 - (u - (float)i)) + cc[i + 1] * (u - (float)i);
		}
		gain = f->base_gain[site] * l * (float)(1 << f->lin[0].gain_shift) + 0.5f;
		s->lsc_gain[x] = (uint16_t)(gain >= 65535 ? 65535 : gain);
	}
}

/* Fill PH_ISP_MIRROR samples beyond each end of a padded row by mirroring (CFA phase kept). */
static void mirror_ends(uint16_t *row, unsigned w)
{
	for (int i = 1; i <= PH_ISP_MIRROR; i++) {
		row[-i] = row[reflect(-i, w)];
		row[(int)w - 1 + i] = row[reflect((int)w - 1 + i, w)];
	}
}

static void mirror_ends_s16(int16_t *row, unsigned w)
{
	for (int i = 1; i <= PH_ISP_MIRROR; i++) {
		row[-i] = row[reflect(-i, w)];
		row[(int)w - 1 + i] = row[reflect((int)w - 1 + i, w)];
	}
}

/* Unpack and linearise logical row @r (may lie outside the crop: mirrored). */
static void load_row(const struct frame *f, struct scratch *s, int r, unsigned y0, unsigned y1)
{
	unsigned phys = reflect(r, f->h);
	const uint8_t *line = f->data + (size_t)(f->y0 + phys) * f->stride;
	uint16_t *raw = s->raw[phys & 1], *lin = s->lin[(r + RING) & (RING - 1)];

	f->k->unpack[f->unpack](line, f->x0, f->w, f->depth, raw);
	/*
	 * Ask for the next row's bytes now, into L2 (not L1, where the rings
	 * are): on frames bigger than the last-level cache they come from
	 * memory, and the hardware prefetcher restarts at every page.
	 */
	if (phys + 1 < f->h)
		for (size_t b = 0; b < f->crop_bytes; b += 64)
			__builtin_prefetch(line + f->stride + f->crop_first + b, 0, 1);
	if (f->stats && (unsigned)r == phys && phys >= y0 && phys < y1 && (phys & 1)) {
		unsigned qy = phys / 2;

		if (qy % f->srow.step == 0) {
			unsigned zy = (unsigned)((uint64_t)qy * f->zones_y / f->quads_y);

			s->stats->quads += f->k->stats(s->raw[0], s->raw[1], &f->srow,
						       &s->stats->zones[zy * f->zones_x], s->hist);
		}
	}
	if (f->lsc) {
		lsc_row(f, s, phys);
		f->k->linearise_lsc(raw, f->w, &f->lin[phys & 1], s->lsc_gain, lin);
	} else {
		f->k->linearise(raw, f->w, &f->lin[phys & 1], lin);
	}
	if (f->mono)
		return;
	mirror_ends(lin, f->w);
}

struct rgb8 {
	const uint8_t *c[3];
};

struct rgb16 {
	const uint16_t *c[3];
};

/* Colour matrix and tone of one linear row into 8- and/or 16-bit rows. */
static void finish_row(const struct frame *f, struct scratch *s, uint16_t *const lin[3], unsigned n,
		       bool want8, bool want16, uint8_t *const d8[3], uint16_t *const d16[3],
		       struct rgb8 *r8, struct rgb16 *r16)
{
	const struct ph_isp_kernels *k = f->k;
	const uint16_t *src[3] = {lin[0], lin[1], lin[2]};
	unsigned channels = f->mono ? 1 : 3;

	if (want8 && f->mono)
		k->tone8(lin[0], n, &f->isp->tone8, d8[0]);
	else if (want8)
		k->ccm_tone8(lin[0], lin[1], lin[2], n, f->isp->ccm_identity ? NULL : &f->isp->ccm,
			     &f->isp->tone8, d8[0], d8[1], d8[2]);
	if (want16 && !f->mono && !f->isp->ccm_identity) {
		k->ccm(lin[0], lin[1], lin[2], n, &f->isp->ccm, s->cc[0], s->cc[1], s->cc[2]);
		for (unsigned c = 0; c < 3; c++)
			src[c] = s->cc[c];
	}
	for (unsigned c = 0; c < channels && want16; c++)
		k->tone16(src[c], n, f->isp->lut16, d16[c]);
	for (unsigned c = 0; c < 3; c++) {
		r8->c[c] = d8[f->mono ? 0 : c];
		r16->c[c] = d16[f->mono ? 0 : c];
	}
}

/* Write @count (1 or 2) rows starting at output row @oy (even when count is 2). */
static void emit(const struct frame *f, const struct out_plan *o, const struct rgb8 *r8,
		 const struct rgb16 *r16, unsigned count, unsigned oy)
{
	const struct ph_isp_kernels *k = f->k;
	unsigned w = o->width;

	for (unsigned i = 0; i < count; i++) {
		uint8_t *line = o->plane[0] + (size_t)(oy + i) * o->stride[0];
		const uint8_t *const *c = r8[i].c;

		switch (o->kind) {
		case OUT_PACK:
			k->pack[o->pack](c[0], c[1], c[2], w, line);
			break;
		case OUT_RGB48:
			k->pack_rgb48(r16[i].c[0], r16[i].c[1], r16[i].c[2], w, line);
			break;
		case OUT_420:
			k->luma(c[0], c[1], c[2], w, &o->yuv, line);
			break;
		case OUT_YUYV:
			k->yuyv(c[0], c[1], c[2], w, &o->yuv, line);
			break;
		case OUT_UYVY:
			k->uyvy(c[0], c[1], c[2], w, &o->yuv, line);
			break;
		}
	}
	if (o->kind == OUT_420) {
		const uint8_t *const *a = r8[0].c, *const *b = r8[count - 1].c;
		size_t cy = oy / 2;

		k->chroma420(a[0], a[1], a[2], b[0], b[1], b[2], w, &o->yuv,
			     o->plane[1] + cy * o->stride[1], o->plane[2] + cy * o->stride[2],
			     o->step);
	}
}

static void emit_all(const struct frame *f, bool binned, const struct rgb8 *r8,
		     const struct rgb16 *r16, unsigned count, unsigned oy)
{
	for (unsigned i = 0; i < f->out_count; i++)
		if (f->out[i].binning == binned)
			emit(f, &f->out[i], r8, r16, count, oy);
}

/* Colour matrix, tone and RGB888/BGR888 packing of row @y in one kernel. */
static void pack3_row(const struct frame *f, uint16_t *const dm[3], unsigned y)
{
	const struct out_plan *o = &f->out[0];

	f->k->ccm_tone8_pack3(dm[0], dm[1], dm[2], f->w, f->isp->ccm_identity ? NULL : &f->isp->ccm,
			      &f->isp->tone8, o->pack == PH_ISP_PACK_BGR888,
			      o->plane[0] + (size_t)y * o->stride[0]);
}

/* Whether logical row @r is a G/B row, and the parity of its green columns. */
static bool b_row_of(const struct frame *f, int r)
{
	return (unsigned)(r & 1) != (f->order >> 1);
}

static unsigned g_first_of(const struct frame *f, int r)
{
	return (f->order & 1) ^ !b_row_of(f, r);
}

#define LIN(s, r)   ((s)->lin[(unsigned)((r) + 4 * RING) & (RING - 1)])
#define HQI(r)	    ((unsigned)((r) + 4 * HQ_RING) & (HQ_RING - 1))
#define HQ_DH(s, r) ((s)->hq_dh[HQI(r)])
#define HQ_DV(s, r) ((s)->hq_dv[HQI(r)])
#define HQ_GH(s, r) ((s)->hq_grad_h[HQI(r)])
#define HQ_GV(s, r) ((s)->hq_grad_v[HQI(r)])
#define HQ_G(s, r)  ((s)->hq_green[HQI(r)])
#define HQ_X(s, r)  ((s)->hq_cross[HQI(r)])

/* Next logical row of each HQ stage to compute in a band. */
struct hq_state {
	int diff, grad, green, cross;
};

static void hq_start(struct hq_state *st, unsigned y0)
{
	st->diff = (int)y0 - HQ_DIFF_AHEAD;
	st->grad = (int)y0 - HQ_GRAD_AHEAD;
	st->green = (int)y0 - HQ_GREEN_AHEAD;
	st->cross = (int)y0 - HQ_CROSS_AHEAD;
}

/* HQ stage 1 (directional differences) of logical row @r. */
static void hq_diff(const struct frame *f, struct scratch *s, int r)
{
	const uint16_t *win[5];

	for (int d = 0; d < 5; d++)
		win[d] = LIN(s, r + d - 2);
	f->k->dm_hq_diff(win, f->w, g_first_of(f, r), HQ_DH(s, r), HQ_DV(s, r));
	mirror_ends_s16(HQ_DH(s, r), f->w);
	mirror_ends_s16(HQ_DV(s, r), f->w);
}

/* HQ stage 2 (the halved gradients of the differences) of logical row @r. */
static void hq_grad(const struct frame *f, struct scratch *s, int r)
{
	const int16_t *dv[2] = {HQ_DV(s, r - 1), HQ_DV(s, r + 1)};

	f->k->dm_hq_grad(HQ_DH(s, r), dv, f->w, HQ_GH(s, r), HQ_GV(s, r));
	mirror_ends(HQ_GH(s, r), f->w);
	mirror_ends(HQ_GV(s, r), f->w);
}

/* HQ stage 3 (green) of logical row @r. */
static void hq_green(const struct frame *f, struct scratch *s, int r)
{
	const int16_t *dv[5];
	const uint16_t *gh[3], *gv[5];

	for (int d = 0; d < 3; d++)
		gh[d] = HQ_GH(s, r + d - 1);
	for (int d = 0; d < 5; d++) {
		dv[d] = HQ_DV(s, r + d - 2);
		gv[d] = HQ_GV(s, r + d - 2);
	}
	f->k->dm_hq_green(LIN(s, r), HQ_DH(s, r), dv, gh, gv, f->w, g_first_of(f, r), HQ_G(s, r));
	mirror_ends(HQ_G(s, r), f->w);
}

/* HQ stage 4 (the other colour at the non-green sites) of logical row @r. */
static void hq_cross(const struct frame *f, struct scratch *s, int r)
{
	const uint16_t *lin[3], *grn[3];

	for (int d = 0; d < 3; d++) {
		lin[d] = LIN(s, r + d - 1);
		grn[d] = HQ_G(s, r + d - 1);
	}
	f->k->dm_hq_cross(lin, grn, f->w, g_first_of(f, r), HQ_X(s, r));
	mirror_ends(HQ_X(s, r), f->w);
}

/*
 * High-quality demosaic of row @y (linear rows up to y + HQ_CTX are
 * loaded). Each stage runs only as far ahead as the next one needs, so
 * that no ring slot is overwritten while still in use.
 */
static void hq_row(const struct frame *f, struct scratch *s, struct hq_state *st, unsigned y,
		   uint16_t *const dm[3])
{
	const int yy = (int)y;

	for (; st->cross <= yy + HQ_CROSS_AHEAD; st->cross++) {
		for (; st->green <= st->cross + 1; st->green++) {
			for (; st->diff <= st->green + 3; st->diff++)
				hq_diff(f, s, st->diff);
			for (; st->grad <= st->green + 2; st->grad++)
				hq_grad(f, s, st->grad);
			hq_green(f, s, st->green);
		}
		hq_cross(f, s, st->cross);
	}

	const uint16_t *lin[3], *grn[5], *xr[3];
	bool b_row = b_row_of(f, yy);

	for (int d = 0; d < 5; d++)
		grn[d] = HQ_G(s, yy + d - 2);
	for (int d = 0; d < 3; d++) {
		lin[d] = LIN(s, yy + d - 1);
		xr[d] = HQ_X(s, yy + d - 1);
	}
	f->k->dm_hq_rgb(lin, grn, xr, f->w, g_first_of(f, yy), dm[b_row ? 2 : 0], dm[1],
			dm[b_row ? 0 : 2]);
}

static void band_job(void *data, unsigned band, unsigned worker)
{
	const struct frame *f = data;
	struct scratch *s = f->isp->scratch[worker];
	unsigned y0 = band * f->band_rows, y1 = y0 + f->band_rows;
	bool full = f->full8 || f->full16;
	struct rgb8 r8[2], b8[2];
	struct rgb16 r16[2], b16[2];
	int next = (int)y0 - f->ctx;
	struct hq_state hq;

	if (y1 > f->h)
		y1 = f->h;
	hq_start(&hq, y0);
	for (unsigned y = y0; y < y1; y += 2) {
		unsigned rows = y + 1 < y1 ? 2 : 1;

		for (unsigned i = 0; i < rows; i++) {
			unsigned row = y + i;
			uint16_t *dm[3] = {s->dm[i][0], s->dm[i][1], s->dm[i][2]};

			while (next <= (int)row + f->ctx)
				load_row(f, s, next++, y0, y1);
			if (f->mono) {
				dm[0] = dm[1] = dm[2] = s->lin[row & (RING - 1)];
			} else if (f->hq) {
				hq_row(f, s, &hq, row, dm);
			} else {
				const uint16_t *win[5];
				bool b_row = b_row_of(f, (int)row);

				for (int d = 0; d < 5; d++)
					win[d] = LIN(s, (int)row + d - 2);
				f->k->demosaic_fast(win, f->w, g_first_of(f, (int)row),
						    dm[b_row ? 2 : 0], dm[1], dm[b_row ? 0 : 2]);
			}
			if (f->fused_pack)
				pack3_row(f, dm, row);
			else if (full)
				finish_row(f, s, dm, f->w, f->full8, f->full16, s->o8[i], s->o16[i],
					   &r8[i], &r16[i]);
		}
		if (full && !f->fused_pack)
			emit_all(f, false, r8, r16, rows, y);
		if (f->binned && rows == 2) {
			unsigned by = y / 2, bi = by & 1;

			if (f->mono) {
				f->k->bin2x2(s->lin[y & (RING - 1)], s->lin[(y + 1) & (RING - 1)],
					     f->bin_w, s->bl[0]);
			} else {
				for (unsigned c = 0; c < 3; c++)
					f->k->bin2x2(s->dm[0][c], s->dm[1][c], f->bin_w, s->bl[c]);
			}
			finish_row(f, s, s->bl, f->bin_w, f->bin8, f->bin16, s->b8[bi], s->b16[bi],
				   &b8[bi], &b16[bi]);
			if (bi)
				emit_all(f, true, b8, b16, 2, by - 1);
			else if (by + 1 == f->bin_h)
				emit_all(f, true, b8, b16, 1, by);
		}
	}
}

/* ---- public ------------------------------------------------------------------------------- */

static const char *const impl_names[] = {"scalar", "sse4.1", "avx2", "avx512", "neon"};

bool ph_isp_kernels_find(const char *name, struct ph_isp_kernels *k)
{
	if (!strcmp(name, ph_isp_kernels_scalar.name)) {
		*k = ph_isp_kernels_scalar;
		return true;
	}
#if defined(__x86_64__)
	__builtin_cpu_init();
	if (!strcmp(name, "avx512") && __builtin_cpu_supports("avx512f") &&
	    __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
	    __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512vnni")) {
		ph_isp_kernels_avx512(k);
		return true;
	}
	if (!strcmp(name, "avx2") && __builtin_cpu_supports("avx2")) {
		ph_isp_kernels_avx2(k);
		return true;
	}
	if (!strcmp(name, "sse4.1") && __builtin_cpu_supports("sse4.1")) {
		ph_isp_kernels_sse41(k);
		return true;
	}
#elif defined(__aarch64__)
	if (!strcmp(name, "neon")) {
		ph_isp_kernels_neon(k);
		return true;
	}
#endif
	return false;
}

/*
 * The best kernels this CPU runs, or those PINHOLE_ISP_IMPL names (when
 * this CPU runs them): for debugging and for comparing implementations.
 */
static void default_kernels(struct ph_isp_kernels *k)
{
	static const char *const best[] = {"avx512", "avx2", "sse4.1", "neon"};
	const char *env = getenv("PINHOLE_ISP_IMPL");

	if (env && ph_isp_kernels_find(env, k))
		return;
	for (unsigned i = 0; i < sizeof(best) / sizeof(best[0]); i++)
		if (ph_isp_kernels_find(best[i], k))
			return;
	*k = ph_isp_kernels_scalar;
}

struct ph_isp *ph_isp_new(unsigned threads)
{
	struct ph_isp *isp = calloc(1, sizeof(*isp));

	if (!isp)
		return NULL;
	if (!threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		threads = n > 0 ? (unsigned)n : 1;
	}
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	/* No pool (out of memory) or fewer threads than asked: run on what there is. */
	isp->pool = threads > 1 ? ph_threadpool_new(threads - 1) : NULL;
	isp->threads = ph_threadpool_threads(isp->pool);
	default_kernels(&isp->kernels);
	isp->k = &isp->kernels;
	return isp;
}

void ph_isp_free(struct ph_isp *isp)
{
	if (!isp)
		return;
	ph_threadpool_free(isp->pool);
	for (unsigned t = 0; t < MAX_THREADS; t++) {
		free(isp->scratch_mem[t]);
		free(isp->scratch[t]);
	}
	free(isp->zone_tab);
	free(isp);
}

const char *ph_isp_get_impl(const struct ph_isp *isp)
{
	return isp->k->name;
}

int ph_isp_set_impl(struct ph_isp *isp, const char *name)
{
	if (!name)
		return -EINVAL;
	if (ph_isp_kernels_find(name, &isp->kernels))
		return 0;
	for (unsigned i = 0; i < sizeof(impl_names) / sizeof(impl_names[0]); i++)
		if (!strcmp(name, impl_names[i]))
			return -ENOTSUP;
	return -EINVAL;
}

static int setup_stats(struct ph_isp *isp, struct frame *f, const struct ph_isp_stats_config *sc,
		       const uint16_t black[4], uint16_t white)
{
	unsigned zx = sc ? sc->zones_x : 16, zy = sc ? sc->zones_y : 12;
	unsigned step = sc && sc->subsample ? sc->subsample : 1;
	unsigned range, mean_black = (black[0] + black[1] + black[2] + black[3] + 2u) / 4;
	int ret;

	if (!zx || !zy || zx > 32 || zy > 32)
		return -EINVAL;
	ret = ensure_zones(isp, f->w / 2, zx);
	if (ret)
		return ret;
	range = white > mean_black ? white - mean_black : 1;
	f->stats = true;
	f->zones_x = zx;
	f->zones_y = zy;
	f->quads_y = f->h / 2;
	f->srow = (struct ph_isp_stats_row){
		.quads = f->w / 2,
		.step = step,
		.shift = (uint8_t)(16 - f->depth),
		.mono = f->mono,
		.site_r = (uint8_t)((f->order >> 1) * 2 + (f->order & 1)),
		.white = white,
		.hist_scale = (256u << 16) / range,
		.zone = isp->zone_tab,
	};
	memcpy(f->srow.black, black, sizeof(f->srow.black));
	return 0;
}

int ph_isp_process(struct ph_isp *isp, const struct ph_isp_input *input,
		   const struct ph_isp_params *params, const struct ph_isp_output *outputs,
		   unsigned output_count, const struct ph_isp_stats_config *stats_config,
		   struct ph_isp_stats *stats)
{
	const struct ph_format_info *info;
	struct frame f;
	uint32_t crop[4];
	uint16_t white;
	double max_gain = 0;
	int ret;

	if (!isp || !input || !params || (!outputs && output_count) || output_count > MAX_OUTPUTS ||
	    (!output_count && !stats))
		return -EINVAL;
	ret = check_input(input, &info, crop);
	if (ret)
		return ret;
	ret = check_params(params);
	if (ret)
		return ret;
	memset(&f, 0, sizeof(f));
	f.isp = isp;
	f.k = isp->k;
	f.params = params;
	f.data = input->data;
	f.stride = input->stride;
	f.x0 = crop[0];
	f.y0 = crop[1];
	f.w = crop[2];
	f.h = crop[3];
	f.depth = info->bit_depth;
	f.mono = info->bayer == PH_BAYER_MONO;
	f.hq = params->demosaic == PH_ISP_DEMOSAIC_HQ;
	f.ctx = f.mono ? 0 : f.hq ? HQ_CTX : 2;
	f.order = f.mono ? 0 : (unsigned)info->bayer ^ ((crop[0] & 1) | (crop[1] & 1) << 1);
	f.unpack = unpack_kind(info);
	/* Bytes per 4 pixels: 4, 8, 5 or 6 (packed layouts: doc/virtual-camera.md). */
	unsigned quad_bytes = f.unpack == PH_ISP_UNPACK_8     ? 4
			      : f.unpack == PH_ISP_UNPACK_16  ? 8
			      : f.unpack == PH_ISP_UNPACK_10P ? 5
							      : 6;
	f.crop_first = (size_t)f.x0 * quad_bytes / 4;
	f.crop_bytes = ((size_t)(f.x0 + f.w) * quad_bytes + 3) / 4 - f.crop_first;
	for (unsigned i = 0; i < output_count; i++) {
		ret = plan_output(&outputs[i], f.w, f.h, &f.out[i]);
		if (ret)
			return ret;
		bool is16 = f.out[i].kind == OUT_RGB48;

		if (f.out[i].binning) {
			f.binned = true;
			f.bin8 |= !is16;
			f.bin16 |= is16;
		} else {
			f.full8 |= !is16;
			f.full16 |= is16;
		}
	}
	f.out_count = output_count;
	f.fused_pack = f.k->ccm_tone8_pack3 && !f.mono && output_count == 1 && !f.binned &&
		       f.out[0].kind == OUT_PACK &&
		       (f.out[0].pack == PH_ISP_PACK_RGB888 || f.out[0].pack == PH_ISP_PACK_BGR888);
	f.bin_w = f.w / 2;
	f.bin_h = f.h / 2;

	/* Black level and gains per site of the crop's 2x2 phase. */
	white = params->white_level ? params->white_level
				    : (uint16_t)(((1u << f.depth) - 1) << (16 - f.depth));
	for (unsigned site = 0; site < 4; site++) {
		unsigned sx = site & 1, sy = site >> 1, colour = 1;
		double gain;

		if (params->black_level[site] >= white)
			return -EINVAL;
		if (!f.mono && sx == (f.order & 1) && sy == (f.order >> 1))
			colour = 0;
		else if (!f.mono && sx != (f.order & 1) && sy != (f.order >> 1))
			colour = 2;
		f.site_colour[site] = colour;
		gain = (double)PH_ISP_WMAX / (white - params->black_level[site]) *
		       (f.mono ? 1.0 : params->wb_gains[colour]);
		f.base_gain[site] = (float)gain;
		f.lin[sy].shift = (uint8_t)(16 - f.depth);
		f.lin[sy].black[sx] = params->black_level[site];
		max_gain = gain > max_gain ? gain : max_gain;
	}
	f.lsc = params->lsc_width > 0;
	if (f.lsc) {
		float lsc_max = 0;

		for (unsigned c = 0; c < 3; c++)
			for (unsigned i = 0; i < params->lsc_width * params->lsc_height; i++)
				lsc_max = params->lsc[c][i] > lsc_max ? params->lsc[c][i] : lsc_max;
		max_gain *= lsc_max;
	}
	/* As many fraction bits as the largest gain allows. */
	unsigned gain_shift = PH_ISP_GAIN_SHIFT_MIN;
	while (gain_shift < PH_ISP_GAIN_SHIFT_MAX && max_gain * (1 << (gain_shift + 1)) < 65535.5)
		gain_shift++;
	for (unsigned site = 0; site < 4; site++) {
		f.lin[site >> 1].gain_shift = (uint8_t)gain_shift;
		f.lin[site >> 1].gain[site & 1] =
			(uint16_t)clamp_round(f.base_gain[site] * (1 << gain_shift), 0, 65535);
	}
	if (stats) {
		ret = setup_stats(isp, &f, stats_config, params->black_level, white);
		if (ret)
			return ret;
	}
	ret = ensure_scratch(isp, f.w);
	if (ret)
		return ret;
	update_tone(isp, params);
	update_ccm(isp, params);

	/* Bands: a multiple of 4 rows (4:2:0 pairs of binned rows), a few per thread. */
	unsigned bands = isp->threads > 1 ? isp->threads * 3 : 1;
	f.band_rows = (f.h + bands - 1) / bands;
	f.band_rows = (f.band_rows + 3) & ~3u;
	f.bands = (f.h + f.band_rows - 1) / f.band_rows;
	if (f.stats)
		for (unsigned t = 0; t < isp->threads; t++) {
			memset(isp->scratch[t]->stats, 0, sizeof(struct ph_isp_stats));
			memset(isp->scratch[t]->hist, 0,
			       PH_ISP_HIST_COPIES * sizeof(*isp->scratch[t]->hist));
		}

	ph_threadpool_run(isp->pool, band_job, &f, f.bands);

	if (stats) {
		memset(stats, 0, sizeof(*stats));
		stats->zones_x = f.zones_x;
		stats->zones_y = f.zones_y;
		for (unsigned t = 0; t < isp->threads; t++) {
			const struct ph_isp_stats *a = isp->scratch[t]->stats;
			uint32_t(*hist)[PH_ISP_HIST_BINS] = isp->scratch[t]->hist;

			for (unsigned z = 0; z < f.zones_x * f.zones_y; z++) {
				stats->zones[z].sum_r += a->zones[z].sum_r;
				stats->zones[z].sum_g += a->zones[z].sum_g;
				stats->zones[z].sum_b += a->zones[z].sum_b;
				stats->zones[z].counted += a->zones[z].counted;
				stats->zones[z].saturated += a->zones[z].saturated;
			}
			for (unsigned c = 0; c < PH_ISP_HIST_COPIES; c++)
				for (unsigned b = 0; b < PH_ISP_HIST_BINS; b++)
					stats->histogram[b] += hist[c][b];
			stats->quads += a->quads;
		}
	}
	return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The software ISP against values computed here independently: unpacking
 * of hand-packed lines, flat fields in every input format, Bayer order,
 * crop phase and output format, each parameter's effect, demosaic quality
 * on a synthetic image, statistics against a recount, thread-count
 * independence, dual outputs, binning and argument checks.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "isp/isp.h"
#include "isp/kernels.h"

#define SENTINEL 0xa5
#define GUARD	 7 /* bytes after each output line that must stay untouched */

/* ---- building raw frames ------------------------------------------------------------------ */

struct raw {
	uint32_t fourcc;
	unsigned w, h, stride, depth;
	uint8_t *data;
};

static void put_pixel(const struct raw *r, unsigned x, unsigned y, unsigned v)
{
	const struct ph_format_info *info = ph_format_get_info(r->fourcc);
	uint8_t *line = r->data + (size_t)y * r->stride;

	if (info->packed && info->bit_depth == 10) {
		uint8_t *g = line + x / 4 * 5;

		g[x % 4] = (uint8_t)(v >> 2);
		g[4] = (uint8_t)((g[4] & ~(3u << (2 * (x % 4)))) | (v & 3) << (2 * (x % 4)));
	} else if (info->packed) {
		uint8_t *g = line + x / 2 * 3;

		g[x % 2] = (uint8_t)(v >> 4);
		g[2] = (uint8_t)((g[2] & ~(15u << (4 * (x % 2)))) | (v & 15) << (4 * (x % 2)));
	} else if (info->bit_depth == 8) {
		line[x] = (uint8_t)v;
	} else {
		line[2 * x] = (uint8_t)v;
		line[2 * x + 1] = (uint8_t)(v >> 8);
	}
}

static unsigned min_stride(uint32_t fourcc, unsigned w)
{
	const struct ph_format_info *info = ph_format_get_info(fourcc);

	if (info->packed)
		return info->bit_depth == 10 ? (w + 3) / 4 * 5 : (w + 1) / 2 * 3;
	return info->bit_depth == 8 ? w : 2 * w;
}

static struct raw raw_new(uint32_t fourcc, unsigned w, unsigned h, unsigned pad)
{
	struct raw r = {fourcc, w, h, min_stride(fourcc, w) + pad, 0, NULL};

	r.depth = ph_format_get_info(fourcc)->bit_depth;
	r.data = malloc((size_t)r.stride * h);
	assert_non_null(r.data);
	memset(r.data, 0, (size_t)r.stride * h);
	return r;
}

/* An 8-bit value at @depth bits, by bit replication: v / 255 == result / (2^depth - 1) closely. */
static unsigned scale8(unsigned v, unsigned depth)
{
	if (depth == 8)
		return v;
	if (depth == 16)
		return v * 257;
	return v << (depth - 8) | v >> (16 - depth);
}

/* Colour (0 R, 1 G, 2 B) of pixel x, y in a Bayer order. */
static unsigned cfa_colour(enum ph_bayer_order order, unsigned x, unsigned y)
{
	unsigned rx = order & 1, ry = order >> 1;

	if ((x & 1) == rx && (y & 1) == ry)
		return 0;
	if ((x & 1) != rx && (y & 1) != ry)
		return 2;
	return 1;
}

/* A mosaic of a flat 8-bit colour (grey for mono). */
static struct raw raw_flat(uint32_t fourcc, unsigned w, unsigned h, unsigned pad,
			   const unsigned rgb[3])
{
	struct raw r = raw_new(fourcc, w, h, pad);
	enum ph_bayer_order order = ph_format_get_info(fourcc)->bayer;

	for (unsigned y = 0; y < h; y++)
		for (unsigned x = 0; x < w; x++) {
			unsigned c = order == PH_BAYER_MONO ? 1 : cfa_colour(order, x, y);

			put_pixel(&r, x, y, scale8(rgb[c], r.depth));
		}
	return r;
}

static struct ph_isp_input input_of(const struct raw *r)
{
	return (struct ph_isp_input){.fourcc = r->fourcc,
				     .width = r->w,
				     .height = r->h,
				     .stride = r->stride,
				     .data = r->data};
}

/* ---- outputs ------------------------------------------------------------------------------ */

struct out {
	struct ph_isp_output o;
	uint8_t *mem;
	size_t size;
};

static unsigned bytes_pp(uint32_t fourcc)
{
	switch (fourcc) {
	case PH_FORMAT_RGB888:
	case PH_FORMAT_BGR888:
		return 3;
	case PH_FORMAT_XRGB8888:
	case PH_FORMAT_XBGR8888:
		return 4;
	case PH_FORMAT_RGB48:
		return 6;
	default:
		return 2;
	}
}

static struct out out_new(uint32_t fourcc, unsigned w, unsigned h, bool binning,
			  enum ph_isp_colorspace cs, bool full)
{
	struct out o = {0};
	unsigned cw = (w + 1) / 2, ch = (h + 1) / 2;
	size_t s0, s1, s2 = 0;

	o.o = (struct ph_isp_output){.fourcc = fourcc,
				     .width = w,
				     .height = h,
				     .binning = binning,
				     .colorspace = cs,
				     .full_range = full};
	if (fourcc == PH_FORMAT_NV12 || fourcc == PH_FORMAT_NV21) {
		o.o.strides[0] = w + GUARD;
		o.o.strides[1] = 2 * cw + GUARD;
	} else if (fourcc == PH_FORMAT_YUV420) {
		o.o.strides[0] = w + GUARD;
		o.o.strides[1] = o.o.strides[2] = cw + GUARD;
	} else if (fourcc == PH_FORMAT_YUYV || fourcc == PH_FORMAT_UYVY) {
		o.o.strides[0] = 4 * cw + GUARD;
	} else {
		o.o.strides[0] = bytes_pp(fourcc) * w + GUARD;
	}
	s0 = (size_t)o.o.strides[0] * h;
	s1 = (size_t)o.o.strides[1] * ch;
	s2 = (size_t)o.o.strides[2] * ch;
	o.size = s0 + s1 + s2;
	o.mem = malloc(o.size);
	assert_non_null(o.mem);
	memset(o.mem, SENTINEL, o.size);
	o.o.planes[0] = o.mem;
	o.o.planes[1] = o.o.strides[1] ? o.mem + s0 : NULL;
	o.o.planes[2] = o.o.strides[2] ? o.mem + s0 + s1 : NULL;
	return o;
}

static void out_free(struct out *o)
{
	free(o->mem);
	o->mem = NULL;
}

static bool untouched(const struct out *o)
{
	for (size_t i = 0; i < o->size; i++)
		if (o->mem[i] != SENTINEL)
			return false;
	return true;
}

static uint8_t y_of(double r, double g, double b, enum ph_isp_colorspace cs, bool full)
{
	double kr = cs == PH_ISP_BT709 ? 0.2126 : 0.299, kb = cs == PH_ISP_BT709 ? 0.0722 : 0.114;
	double y = kr * r + (1 - kr - kb) * g + kb * b;

	return (uint8_t)lrint(full ? y : 16 + y * 219 / 255);
}

static uint8_t c_of(double r, double g, double b, enum ph_isp_colorspace cs, bool full, bool cr)
{
	double kr = cs == PH_ISP_BT709 ? 0.2126 : 0.299, kb = cs == PH_ISP_BT709 ? 0.0722 : 0.114;
	double y = kr * r + (1 - kr - kb) * g + kb * b;
	double c = cr ? (r - y) / (2 * (1 - kr)) : (b - y) / (2 * (1 - kb));
	double v = 128 + (full ? c : c * 224 / 255);

	return (uint8_t)lrint(v < 0 ? 0 : v > 255 ? 255 : v);
}

static bool near(int a, int b, int tol)
{
	return abs(a - b) <= tol;
}

/*
 * Every pixel of @o is the colour @rgb (8-bit; RGB48 within @tol16 of @rgb16, or rgb x 257),
 * YUV within @tol of the float formula, and the guard bytes are intact.
 */
static void check_flat(const struct out *out, const unsigned rgb[3], const double *rgb16, int tol,
		       int tol16)
{
	const struct ph_isp_output *o = &out->o;
	unsigned w = o->width, h = o->height, cw = (w + 1) / 2;
	unsigned r = rgb[0], g = rgb[1], b = rgb[2];
	uint8_t yy = y_of(r, g, b, o->colorspace, o->full_range);
	uint8_t cb = c_of(r, g, b, o->colorspace, o->full_range, false);
	uint8_t cr = c_of(r, g, b, o->colorspace, o->full_range, true);

	for (unsigned y = 0; y < h; y++) {
		const uint8_t *l = o->planes[0] + (size_t)y * o->strides[0];
		unsigned used = 0;

		switch (o->fourcc) {
		case PH_FORMAT_RGB888:
		case PH_FORMAT_BGR888:
		case PH_FORMAT_XRGB8888:
		case PH_FORMAT_XBGR8888: {
			bool bgr = o->fourcc == PH_FORMAT_BGR888 || o->fourcc == PH_FORMAT_XRGB8888;
			unsigned bpp = bytes_pp(o->fourcc);

			for (unsigned x = 0; x < w; x++) {
				assert_true(near(l[bpp * x], bgr ? b : r, tol));
				assert_true(near(l[bpp * x + 1], g, tol));
				assert_true(near(l[bpp * x + 2], bgr ? r : b, tol));
				if (bpp == 4)
					assert_int_equal(l[bpp * x + 3], 0xff);
			}
			used = bpp * w;
			break;
		}
		case PH_FORMAT_RGB565:
			for (unsigned x = 0; x < w; x++) {
				unsigned v = l[2 * x] | l[2 * x + 1] << 8;

				if (!tol)
					assert_int_equal(v,
							 (r >> 3) << 11 | (g >> 2) << 5 | b >> 3);
			}
			used = 2 * w;
			break;
		case PH_FORMAT_RGB48:
			for (unsigned x = 0; x < w; x++)
				for (unsigned c = 0; c < 3; c++) {
					int v = l[6 * x + 2 * c] | l[6 * x + 2 * c + 1] << 8;

					if (fabs(v - (rgb16 ? rgb16[c] : rgb[c] * 257.0)) > tol16)
						fail_msg("%x: %d vs %.1f", o->fourcc, v,
							 rgb16 ? rgb16[c] : rgb[c] * 257.0);
				}
			used = 6 * w;
			break;
		case PH_FORMAT_YUYV:
		case PH_FORMAT_UYVY: {
			bool u = o->fourcc == PH_FORMAT_UYVY;

			for (unsigned x = 0; x < cw; x++) {
				assert_true(near(l[4 * x + u], yy, tol));
				assert_true(near(l[4 * x + 2 + u], yy, tol));
				assert_true(near(l[4 * x + !u], cb, tol));
				assert_true(near(l[4 * x + 2 + !u], cr, tol));
			}
			used = 4 * cw;
			break;
		}
		default: /* 4:2:0 luma */
			for (unsigned x = 0; x < w; x++)
				assert_true(near(l[x], yy, tol));
			used = w;
			break;
		}
		for (unsigned i = used; i < o->strides[0]; i++)
			assert_int_equal(l[i], SENTINEL);
	}
	if (o->fourcc == PH_FORMAT_NV12 || o->fourcc == PH_FORMAT_NV21 ||
	    o->fourcc == PH_FORMAT_YUV420) {
		bool nv = o->fourcc != PH_FORMAT_YUV420, nv21 = o->fourcc == PH_FORMAT_NV21;

		for (unsigned y = 0; y < (h + 1) / 2; y++) {
			const uint8_t *l1 = o->planes[1] + (size_t)y * o->strides[1];
			const uint8_t *l2 = nv ? NULL : o->planes[2] + (size_t)y * o->strides[2];

			for (unsigned x = 0; x < cw; x++) {
				if (nv) {
					assert_true(near(l1[2 * x + nv21], cb, tol));
					assert_true(near(l1[2 * x + !nv21], cr, tol));
				} else {
					assert_true(near(l1[x], cb, tol));
					assert_true(near(l2[x], cr, tol));
				}
			}
			for (unsigned i = nv ? 2 * cw : cw; i < o->strides[1]; i++) {
				assert_int_equal(l1[i], SENTINEL);
				if (!nv)
					assert_int_equal(l2[i], SENTINEL);
			}
		}
	}
}

static const uint32_t out_formats[] = {
	PH_FORMAT_RGB888, PH_FORMAT_BGR888, PH_FORMAT_XRGB8888, PH_FORMAT_XBGR8888,
	PH_FORMAT_RGB565, PH_FORMAT_RGB48,  PH_FORMAT_NV12,	PH_FORMAT_NV21,
	PH_FORMAT_YUV420, PH_FORMAT_YUYV,   PH_FORMAT_UYVY,
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct ph_isp_params identity(void)
{
	struct ph_isp_params p;

	ph_isp_params_identity(&p);
	return p;
}

/* ---- unpacking ---------------------------------------------------------------------------- */

static void test_unpack_vectors(void **state)
{
	const struct ph_isp_kernels *k = &ph_isp_kernels_scalar;
	/* 10-bit: 0x3ff 0x001 0x2aa 0x155 | 0x200 (a partial last group). */
	static const uint8_t p10[10] = {0xff, 0x00, 0xaa, 0x55, 0x67, 0x80, 0, 0, 0, 0};
	static const uint16_t v10[5] = {0x3ff, 0x001, 0x2aa, 0x155, 0x200};
	/* 12-bit: 0xabc 0x123 | 0xfff. */
	static const uint8_t p12[6] = {0xab, 0x12, 0x3c, 0xff, 0x00, 0x0f};
	static const uint16_t v12[3] = {0xabc, 0x123, 0xfff};
	static const uint8_t w16[8] = {0xff, 0xff, 0x34, 0x12, 0x00, 0x80, 0x01, 0x00};
	uint16_t out[16];

	for (unsigned x0 = 0; x0 < 5; x0++)
		for (unsigned n = 0; x0 + n <= 5; n++) {
			memset(out, 0xee, sizeof(out));
			k->unpack[PH_ISP_UNPACK_10P](p10, x0, n, 10, out);
			for (unsigned i = 0; i < n; i++)
				assert_int_equal(out[i], v10[x0 + i]);
			assert_int_equal(out[n], 0xeeee);
		}
	for (unsigned x0 = 0; x0 < 3; x0++)
		for (unsigned n = 0; x0 + n <= 3; n++) {
			memset(out, 0xee, sizeof(out));
			k->unpack[PH_ISP_UNPACK_12P](p12, x0, n, 12, out);
			for (unsigned i = 0; i < n; i++)
				assert_int_equal(out[i], v12[x0 + i]);
			assert_int_equal(out[n], 0xeeee);
		}
	static const unsigned depths[] = {10, 12, 14, 16};
	for (unsigned d = 0; d < ARRAY_SIZE(depths); d++) {
		unsigned mask = (1u << depths[d]) - 1;

		k->unpack[PH_ISP_UNPACK_16](w16, 1, 3, depths[d], out);
		assert_int_equal(out[0], 0x1234 & mask);
		assert_int_equal(out[1], 0x8000 & mask);
		assert_int_equal(out[2], 1);
	}
	k->unpack[PH_ISP_UNPACK_8](w16, 2, 3, 8, out);
	assert_int_equal(out[0], 0x34);
	assert_int_equal(out[2], 0x00);

	/* The test's own packer agrees with the layout: 7 pixels of 1023, zero padded. */
	struct raw r = raw_new(PH_FORMAT_SRGGB10_CSI2P, 7, 2, 3);
	for (unsigned x = 0; x < 7; x++)
		for (unsigned y = 0; y < 2; y++)
			put_pixel(&r, x, y, 1023);
	assert_memory_equal(
		r.data, ((uint8_t[]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x3f}), 10);
	free(r.data);
}

/* Every input format: the values the unpacker sees, through a mono-like flat field. */
static const uint32_t bayer_formats[] = {
	PH_FORMAT_SRGGB8,	 PH_FORMAT_SGRBG8,	  PH_FORMAT_SGBRG8,
	PH_FORMAT_SBGGR8,	 PH_FORMAT_SRGGB10,	  PH_FORMAT_SGRBG10,
	PH_FORMAT_SGBRG10,	 PH_FORMAT_SBGGR10,	  PH_FORMAT_SRGGB12,
	PH_FORMAT_SGRBG12,	 PH_FORMAT_SGBRG12,	  PH_FORMAT_SBGGR12,
	PH_FORMAT_SRGGB14,	 PH_FORMAT_SGRBG14,	  PH_FORMAT_SGBRG14,
	PH_FORMAT_SBGGR14,	 PH_FORMAT_SRGGB16,	  PH_FORMAT_SGRBG16,
	PH_FORMAT_SGBRG16,	 PH_FORMAT_SBGGR16,	  PH_FORMAT_SRGGB10_CSI2P,
	PH_FORMAT_SGRBG10_CSI2P, PH_FORMAT_SGBRG10_CSI2P, PH_FORMAT_SBGGR10_CSI2P,
	PH_FORMAT_SRGGB12_CSI2P, PH_FORMAT_SGRBG12_CSI2P, PH_FORMAT_SGBRG12_CSI2P,
	PH_FORMAT_SBGGR12_CSI2P, PH_FORMAT_GREY,	  PH_FORMAT_Y10,
	PH_FORMAT_Y12,		 PH_FORMAT_Y16,
};

/*
 * A flat field develops to its value in every input format, order, crop
 * phase (odd crop offsets), odd size, padded stride and output format.
 */
static void test_flat_every_format(void **state)
{
	struct ph_isp *isp = ph_isp_new(1);
	struct ph_isp_params p = identity();
	static const unsigned grey[3] = {77, 77, 77}, colour[3] = {200, 100, 50};

	assert_non_null(isp);
	for (unsigned f = 0; f < ARRAY_SIZE(bayer_formats); f++) {
		bool mono = ph_format_get_info(bayer_formats[f])->bayer == PH_BAYER_MONO;

		for (unsigned c = 0; c < 2; c++) {
			const unsigned *rgb = c && !mono ? colour : grey;
			struct raw r = raw_flat(bayer_formats[f], 16, 12, 5, rgb);
			double want16[3];

			for (unsigned i = 0; i < 3; i++)
				want16[i] =
					scale8(rgb[i], r.depth) * 65535.0 / ((1u << r.depth) - 1);

			for (unsigned phase = 0; phase < 4; phase++) {
				struct ph_isp_input in = input_of(&r);

				in.crop_x = phase & 1;
				in.crop_y = phase >> 1;
				in.crop_width = 13 + (phase & 1);
				in.crop_height = 9 + (phase >> 1);
				p.demosaic =
					(phase + c) & 1 ? PH_ISP_DEMOSAIC_HQ : PH_ISP_DEMOSAIC_FAST;
				for (unsigned o = 0; o < ARRAY_SIZE(out_formats); o++) {
					unsigned variant = (o + phase + f) % 4;
					struct out out = out_new(out_formats[o], in.crop_width,
								 in.crop_height, false, variant & 1,
								 variant & 2);
					bool exact = rgb == grey || o < 4;

					assert_int_equal(
						ph_isp_process(isp, &in, &p, &out.o, 1, NULL, NULL),
						0);
					check_flat(&out, rgb, want16, exact ? 0 : 1, 4);
					out_free(&out);
				}
			}
			free(r.data);
		}
	}
	ph_isp_free(isp);
}

/* ---- parameters --------------------------------------------------------------------------- */

/* Develop a flat colour mosaic (8-bit values at @depth) to RGB888 and return the centre pixel. */
static void develop_flat(struct ph_isp *isp, uint32_t fourcc, const unsigned raw_rgb[3],
			 const struct ph_isp_params *p, unsigned got[3])
{
	struct raw r = raw_flat(fourcc, 12, 10, 0, raw_rgb);
	struct ph_isp_input in = input_of(&r);
	struct out out = out_new(PH_FORMAT_RGB888, 12, 10, false, 0, false);
	const uint8_t *px;

	assert_int_equal(ph_isp_process(isp, &in, p, &out.o, 1, NULL, NULL), 0);
	/* Flat: every pixel equal. */
	for (unsigned y = 0; y < 10; y++)
		assert_memory_equal(out.mem + y * out.o.strides[0], out.mem, 36);
	px = out.mem + 5 * out.o.strides[0] + 3 * 6;
	for (unsigned c = 0; c < 3; c++)
		got[c] = px[c];
	out_free(&out);
	free(r.data);
}

static void expect_rgb(const unsigned got[3], double r, double g, double b, double tol)
{
	double want[3] = {r, g, b};

	for (unsigned c = 0; c < 3; c++) {
		if (fabs(got[c] - want[c]) > tol)
			fail_msg("channel %u: got %u, want %.2f", c, got[c], want[c]);
	}
}

static double srgb(double x)
{
	return x <= 0.0031308 ? 12.92 * x : 1.055 * pow(x, 1 / 2.4) - 0.055;
}

static void test_params(void **state)
{
	struct ph_isp *isp = ph_isp_new(1);
	struct ph_isp_params p = identity();
	static const unsigned c0[3] = {200, 100, 50};
	unsigned got[3];

	assert_non_null(isp);
	develop_flat(isp, PH_FORMAT_SRGGB8, c0, &p, got);
	expect_rgb(got, 200, 100, 50, 0);

	/* Black level: 10-bit, black 64 DN; raw = 64 + x * (1023 - 64) develops to x * 255. */
	{
		struct raw r = raw_new(PH_FORMAT_SBGGR10, 8, 4, 0);
		struct out out = out_new(PH_FORMAT_RGB888, 8, 4, false, 0, false);
		struct ph_isp_input in = input_of(&r);

		for (unsigned y = 0; y < 4; y++)
			for (unsigned x = 0; x < 8; x++)
				put_pixel(&r, x, y, 64 + (1023 - 64) * 3 / 5);
		for (unsigned i = 0; i < 4; i++)
			p.black_level[i] = 64 << 6;
		assert_int_equal(ph_isp_process(isp, &in, &p, &out.o, 1, NULL, NULL), 0);
		for (unsigned i = 0; i < 3; i++)
			assert_true(near(out.mem[i], 153, 1)); /* 255 * 3 / 5 */
		for (unsigned i = 0; i < 4; i++)
			p.black_level[i] = 0;
		assert_int_equal(ph_isp_process(isp, &in, &p, &out.o, 1, NULL, NULL), 0);
		assert_true(near(out.mem[0], lrint(255.0 * (64 + 575) / 1023), 1));
		/* Black above the signal clips to 0. */
		for (unsigned i = 0; i < 4; i++)
			p.black_level[i] = 700 << 6;
		assert_int_equal(ph_isp_process(isp, &in, &p, &out.o, 1, NULL, NULL), 0);
		assert_int_equal(out.mem[0], 0);
		/* White level: half the range saturates the same value. */
		for (unsigned i = 0; i < 4; i++)
			p.black_level[i] = 0;
		p.white_level = 600 << 6;
		assert_int_equal(ph_isp_process(isp, &in, &p, &out.o, 1, NULL, NULL), 0);
		assert_int_equal(out.mem[0], 255);
		p.white_level = 0;
		out_free(&out);
		free(r.data);
	}

	/* White balance: R x2, B x4 turn (60, 120, 30) into grey 120. */
	p.wb_gains[0] = 2;
	p.wb_gains[2] = 4;
	develop_flat(isp, PH_FORMAT_SGRBG12, (unsigned[]){60, 120, 30}, &p, got);
	expect_rgb(got, 120, 120, 120, 1);
	p.wb_gains[0] = p.wb_gains[2] = 1;

	/* Lens shading: a flat 2.0 grid doubles every channel; combined with gains. */
	p.lsc_width = 3;
	p.lsc_height = 2;
	for (unsigned c = 0; c < 3; c++)
		for (unsigned i = 0; i < 6; i++)
			p.lsc[c][i] = c == 1 ? 2.0f : 1.0f;
	develop_flat(isp, PH_FORMAT_SRGGB10_CSI2P, (unsigned[]){100, 50, 100}, &p, got);
	expect_rgb(got, 100, 100, 100, 1);
	p.lsc_width = p.lsc_height = 0;

	/* CCM: swap R and B. */
	memset(p.ccm, 0, sizeof(p.ccm));
	p.ccm[2] = p.ccm[4] = p.ccm[6] = 1;
	develop_flat(isp, PH_FORMAT_SRGGB8, c0, &p, got);
	expect_rgb(got, 50, 100, 200, 0);
	/* Offsets: +0.1 of full scale. */
	p.ccm_offsets[1] = 0.1f;
	develop_flat(isp, PH_FORMAT_SRGGB8, c0, &p, got);
	expect_rgb(got, 50, 125.5, 200, 1);
	p = identity();

	/* Saturation 0: every channel becomes the BT.709 luma of the linear values. */
	p.saturation = 0;
	develop_flat(isp, PH_FORMAT_SRGGB8, c0, &p, got);
	double l = 0.2126 * 200 + 0.7152 * 100 + 0.0722 * 50;
	expect_rgb(got, l, l, l, 1);
	/* Saturation 2 moves away from luma. */
	p.saturation = 2;
	develop_flat(isp, PH_FORMAT_SRGGB8, (unsigned[]){120, 100, 80}, &p, got);
	l = 0.2126 * 120 + 0.7152 * 100 + 0.0722 * 80;
	expect_rgb(got, 2 * 120 - l, 2 * 100 - l, 2 * 80 - l, 1);
	p.saturation = 1;

	/* Gamma: the sRGB curve. */
	p.gamma = true;
	develop_flat(isp, PH_FORMAT_SRGGB8, c0, &p, got);
	expect_rgb(got, 255 * srgb(200 / 255.0), 255 * srgb(100 / 255.0), 255 * srgb(50 / 255.0),
		   1);
	p.gamma = false;

	/* Brightness and contrast. */
	p.brightness = 0.1f;
	develop_flat(isp, PH_FORMAT_SRGGB8, c0, &p, got);
	expect_rgb(got, 225.5, 125.5, 75.5, 1);
	p.brightness = 0;
	p.contrast = 1.5f;
	develop_flat(isp, PH_FORMAT_SRGGB8, c0, &p, got);
	expect_rgb(got, (200 - 127.5) * 1.5 + 127.5, (100 - 127.5) * 1.5 + 127.5,
		   (50 - 127.5) * 1.5 + 127.5, 1);
	p.contrast = 3;
	develop_flat(isp, PH_FORMAT_SRGGB8, c0, &p, got);
	expect_rgb(got, 255, 45, 0, 1);
	p.contrast = 1;

	/* Back to identity on the same ISP: the cached tables follow. */
	develop_flat(isp, PH_FORMAT_SRGGB8, c0, &p, got);
	expect_rgb(got, 200, 100, 50, 0);
	ph_isp_free(isp);
}

/* ---- demosaic quality --------------------------------------------------------------------- */

#define IW 96
#define IH 72

/* A synthetic scene: soft and hard edges, gradients, fine detail, mild colour. */
static void make_scene(uint8_t *rgb)
{
	for (unsigned y = 0; y < IH; y++)
		for (unsigned x = 0; x < IW; x++) {
			double l = 0.5 + 0.3 * sin(x * 0.21) * cos(y * 0.17);
			double dx = x - 48.0, dy = y - 36.0;

			if (dx * dx + dy * dy < 400)
				l = 0.85 - 0.003 * (x - 28);
			if (x > 70 && y > 10 && y < 40)
				l = 0.15 + 0.01 * (x - 70);
			if (y > 55)
				l = 0.5 + 0.35 * sin(x * 0.6);
			double tint[3] = {1.0 + 0.15 * sin(y * 0.05), 1.0,
					  0.9 + 0.2 * cos(x * 0.04)};

			for (unsigned c = 0; c < 3; c++) {
				double v = 255 * l * tint[c];

				rgb[3 * (y * IW + x) + c] = (uint8_t)lrint(v < 0     ? 0
									   : v > 255 ? 255
										     : v);
			}
		}
}

static double develop_psnr(struct ph_isp *isp, const uint8_t *scene, enum ph_isp_demosaic q)
{
	struct raw r = raw_new(PH_FORMAT_SRGGB8, IW, IH, 0);
	struct ph_isp_input in = input_of(&r);
	struct ph_isp_params p = identity();
	struct out out = out_new(PH_FORMAT_RGB888, IW, IH, false, 0, false);
	double se = 0;
	unsigned n = 0;

	for (unsigned y = 0; y < IH; y++)
		for (unsigned x = 0; x < IW; x++)
			put_pixel(&r, x, y,
				  scene[3 * (y * IW + x) + cfa_colour(PH_BAYER_RGGB, x, y)]);
	p.demosaic = q;
	assert_int_equal(ph_isp_process(isp, &in, &p, &out.o, 1, NULL, NULL), 0);
	for (unsigned y = 4; y < IH - 4; y++)
		for (unsigned x = 4; x < IW - 4; x++)
			for (unsigned c = 0; c < 3; c++) {
				double d = out.mem[y * out.o.strides[0] + 3 * x + c] -
					   scene[3 * (y * IW + x) + c];

				se += d * d;
				n++;
			}
	/* Sites keep their own value exactly. */
	for (unsigned y = 0; y < IH; y++)
		for (unsigned x = 0; x < IW; x++) {
			unsigned c = cfa_colour(PH_BAYER_RGGB, x, y);

			assert_int_equal(out.mem[y * out.o.strides[0] + 3 * x + c],
					 scene[3 * (y * IW + x) + c]);
		}
	out_free(&out);
	free(r.data);
	return 10 * log10(255.0 * 255.0 / (se / n));
}

static void test_demosaic_quality(void **state)
{
	struct ph_isp *isp = ph_isp_new(2);
	uint8_t *scene = malloc(IW * IH * 3);
	double fast, hq;

	assert_non_null(isp);
	assert_non_null(scene);
	make_scene(scene);
	fast = develop_psnr(isp, scene, PH_ISP_DEMOSAIC_FAST);
	hq = develop_psnr(isp, scene, PH_ISP_DEMOSAIC_HQ);
	printf("demosaic CPSNR on the synthetic scene: fast %.2f dB, hq %.2f dB\n", fast, hq);
	assert_true(fast > 24);
	assert_true(hq > fast + 1);
	free(scene);
	ph_isp_free(isp);
}

/* ---- statistics and threads --------------------------------------------------------------- */

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static struct raw random_frame(uint32_t fourcc, unsigned w, unsigned h, uint32_t seed)
{
	struct raw r = raw_new(fourcc, w, h, 3);
	unsigned max = (1u << r.depth) - 1;

	for (unsigned y = 0; y < h; y++)
		for (unsigned x = 0; x < w; x++) {
			unsigned v = lcg(&seed) % (max + 1);

			if (lcg(&seed) % 50 == 0)
				v = max; /* some saturated sites */
			/* Some structure, so the demosaic has edges. */
			if ((x / 7 + y / 5) & 1)
				v = v / 4;
			put_pixel(&r, x, y, v);
		}
	return r;
}

static unsigned raw_value(const struct raw *r, unsigned x, unsigned y)
{
	const struct ph_format_info *info = ph_format_get_info(r->fourcc);
	const uint8_t *line = r->data + (size_t)y * r->stride;

	if (info->packed && info->bit_depth == 10)
		return line[x / 4 * 5 + x % 4] << 2 | ((line[x / 4 * 5 + 4] >> (2 * (x % 4))) & 3);
	if (info->packed)
		return line[x / 2 * 3 + x % 2] << 4 | ((line[x / 2 * 3 + 2] >> (4 * (x % 2))) & 15);
	if (info->bit_depth == 8)
		return line[x];
	return line[2 * x] | line[2 * x + 1] << 8;
}

/* The statistics, recounted the obvious way. */
static void recount(const struct raw *r, const struct ph_isp_input *in, const uint16_t black[4],
		    unsigned white, const struct ph_isp_stats_config *sc, struct ph_isp_stats *st)
{
	const struct ph_format_info *info = ph_format_get_info(r->fourcc);
	unsigned qw = in->crop_width / 2, qh = in->crop_height / 2, shift = 16 - r->depth;
	unsigned order = info->bayer == PH_BAYER_MONO
				 ? 0
				 : info->bayer ^ ((in->crop_x & 1) | (in->crop_y & 1) << 1);
	unsigned range = white - (black[0] + black[1] + black[2] + black[3] + 2) / 4;

	memset(st, 0, sizeof(*st));
	st->zones_x = sc->zones_x;
	st->zones_y = sc->zones_y;
	for (unsigned qy = 0; qy < qh; qy += sc->subsample)
		for (unsigned qx = 0; qx < qw; qx += sc->subsample) {
			unsigned v[4], rgb[3] = {0, 0, 0}, gs = 0;
			bool sat = false;

			for (unsigned i = 0; i < 4; i++) {
				unsigned x = 2 * qx + (i & 1), y = 2 * qy + (i >> 1);
				unsigned s = raw_value(r, in->crop_x + x, in->crop_y + y) << shift;

				sat |= s >= white;
				v[i] = s > black[i] ? s - black[i] : 0;
				if (info->bayer == PH_BAYER_MONO)
					continue;
				unsigned c = cfa_colour(order, x, y);
				rgb[c] += v[i];
				gs += c == 1;
			}
			if (info->bayer == PH_BAYER_MONO)
				rgb[0] = rgb[1] = rgb[2] = (v[0] + v[1] + v[2] + v[3] + 2) / 4;
			else
				rgb[1] = (rgb[1] + 1) / 2;
			assert_true(info->bayer == PH_BAYER_MONO || gs == 2);
			unsigned yl = (306 * rgb[0] + 601 * rgb[1] + 117 * rgb[2] + 512) / 1024;
			unsigned bin = (unsigned)((uint64_t)yl * ((256u << 16) / range) >> 16);
			struct ph_isp_zone *z = &st->zones[(qy * sc->zones_y / qh) * sc->zones_x +
							   qx * sc->zones_x / qw];

			st->histogram[bin > 255 ? 255 : bin]++;
			st->quads++;
			if (sat) {
				z->saturated++;
			} else {
				z->sum_r += rgb[0];
				z->sum_g += rgb[1];
				z->sum_b += rgb[2];
				z->counted++;
			}
		}
}

static void compare_stats(const struct ph_isp_stats *a, const struct ph_isp_stats *b)
{
	assert_int_equal(a->zones_x, b->zones_x);
	assert_int_equal(a->zones_y, b->zones_y);
	assert_int_equal(a->quads, b->quads);
	for (unsigned z = 0; z < a->zones_x * a->zones_y; z++) {
		assert_int_equal(a->zones[z].sum_r, b->zones[z].sum_r);
		assert_int_equal(a->zones[z].sum_g, b->zones[z].sum_g);
		assert_int_equal(a->zones[z].sum_b, b->zones[z].sum_b);
		assert_int_equal(a->zones[z].counted, b->zones[z].counted);
		assert_int_equal(a->zones[z].saturated, b->zones[z].saturated);
	}
	assert_memory_equal(a->histogram, b->histogram, sizeof(a->histogram));
}

static void test_stats(void **state)
{
	static const uint32_t fmts[] = {PH_FORMAT_SGBRG10_CSI2P, PH_FORMAT_SRGGB12, PH_FORMAT_Y10,
					PH_FORMAT_SBGGR8};
	struct ph_isp *isp = ph_isp_new(2);
	struct ph_isp_stats *got = malloc(sizeof(*got)), *want = malloc(sizeof(*want));

	assert_non_null(isp);
	assert_non_null(got);
	assert_non_null(want);
	for (unsigned f = 0; f < ARRAY_SIZE(fmts); f++) {
		struct raw r = random_frame(fmts[f], 61, 47, f + 1);
		struct ph_isp_input in = input_of(&r);
		struct ph_isp_params p = identity();
		unsigned white = ((1u << r.depth) - 1) << (16 - r.depth);

		in.crop_x = f & 1;
		in.crop_y = (f >> 1) & 1;
		in.crop_width = 61 - in.crop_x - (f & 2);
		in.crop_height = 47 - in.crop_y;
		for (unsigned i = 0; i < 4; i++)
			p.black_level[i] = (uint16_t)(1000 + 300 * i);
		if (f == 1)
			p.white_level = (uint16_t)(white = 50000);
		for (unsigned sub = 1; sub <= 3; sub += 2) {
			struct ph_isp_stats_config sc = {f == 2 ? 1 : 5, f == 2 ? 1 : 3, sub};

			memset(got, 0x55, sizeof(*got));
			assert_int_equal(ph_isp_process(isp, &in, &p, NULL, 0, &sc, got), 0);
			recount(&r, &in, p.black_level, white, &sc, want);
			compare_stats(got, want);
			assert_true(want->quads > 0);
			if (sub == 1) {
				assert_int_equal(want->quads,
						 (in.crop_width / 2) * (in.crop_height / 2));
				uint32_t sat = 0;
				for (unsigned z = 0; z < sc.zones_x * sc.zones_y; z++)
					sat += want->zones[z].saturated;
				assert_true(sat > 0);
			}
		}
		free(r.data);
	}
	free(got);
	free(want);
	ph_isp_free(isp);
}

/* Output bytes and statistics do not depend on the thread count. */
static void test_threads_identical(void **state)
{
	struct raw r = random_frame(PH_FORMAT_SGRBG10_CSI2P, 203, 151, 7);
	struct ph_isp_input in = input_of(&r);
	struct ph_isp_params p = identity();
	struct ph_isp_stats_config sc = {16, 12, 1};
	struct ph_isp_stats *st[3];
	struct out ref[2], out[2];
	static const unsigned threads[3] = {1, 2, 4};

	in.crop_x = 1;
	in.crop_y = 3;
	in.crop_width = 201;
	in.crop_height = 147;
	p.gamma = true;
	p.wb_gains[0] = 1.7f;
	p.wb_gains[2] = 1.4f;
	p.saturation = 1.2f;
	p.ccm[1] = -0.2f;
	p.ccm[0] = 1.2f;
	for (unsigned q = 0; q < 2; q++) {
		p.demosaic = q ? PH_ISP_DEMOSAIC_HQ : PH_ISP_DEMOSAIC_FAST;
		for (unsigned t = 0; t < 3; t++) {
			struct ph_isp *isp = ph_isp_new(threads[t]);
			struct out *o = t ? out : ref;

			assert_non_null(isp);
			st[t] = malloc(sizeof(*st[t]));
			assert_non_null(st[t]);
			o[0] = out_new(PH_FORMAT_NV12, 201, 147, false, PH_ISP_BT709, false);
			o[1] = out_new(PH_FORMAT_RGB48, 100, 73, true, 0, false);
			struct ph_isp_output outs[2] = {o[0].o, o[1].o};
			assert_int_equal(ph_isp_process(isp, &in, &p, outs, 2, &sc, st[t]), 0);
			if (t) {
				for (unsigned i = 0; i < 2; i++) {
					assert_memory_equal(o[i].mem, ref[i].mem, o[i].size);
					out_free(&o[i]);
				}
				compare_stats(st[t], st[0]);
			}
			ph_isp_free(isp);
		}
		for (unsigned i = 0; i < 2; i++)
			out_free(&ref[i]);
		for (unsigned t = 0; t < 3; t++)
			free(st[t]);
	}
	free(r.data);
}

/* ---- dual outputs and binning ------------------------------------------------------------- */

static void test_dual_and_binning(void **state)
{
	struct raw r = random_frame(PH_FORMAT_SBGGR12_CSI2P, 90, 67, 3);
	struct ph_isp_input in = input_of(&r);
	struct ph_isp_params p = identity();
	struct ph_isp *isp = ph_isp_new(4);
	static const uint32_t pairs[][2] = {
		{PH_FORMAT_NV12, PH_FORMAT_RGB888},
		{PH_FORMAT_YUV420, PH_FORMAT_RGB48},
		{PH_FORMAT_UYVY, PH_FORMAT_XRGB8888},
	};

	assert_non_null(isp);
	in.crop_x = 3;
	in.crop_y = 1;
	in.crop_width = 85;
	in.crop_height = 63;
	for (unsigned i = 0; i < ARRAY_SIZE(pairs); i++)
		for (unsigned bin = 0; bin < 4; bin++) {
			struct out a[2], b[2];
			struct ph_isp_output outs[2];

			p.demosaic = bin & 1 ? PH_ISP_DEMOSAIC_HQ : PH_ISP_DEMOSAIC_FAST;
			p.gamma = i & 1;
			for (unsigned k = 0; k < 2; k++) {
				bool binned = (bin >> 1) == k;
				unsigned w = binned ? 42 : 85, h = binned ? 31 : 63;

				a[k] = out_new(pairs[i][k], w, h, binned, k, i == 2);
				b[k] = out_new(pairs[i][k], w, h, binned, k, i == 2);
				outs[k] = a[k].o;
			}
			assert_int_equal(ph_isp_process(isp, &in, &p, outs, 2, NULL, NULL), 0);
			for (unsigned k = 0; k < 2; k++) {
				assert_int_equal(
					ph_isp_process(isp, &in, &p, &b[k].o, 1, NULL, NULL), 0);
				assert_memory_equal(a[k].mem, b[k].mem, a[k].size);
				out_free(&a[k]);
				out_free(&b[k]);
			}
		}

	/* Binned output: the 2x2 mean of the full output (linear tone) within 1. */
	p = identity();
	for (unsigned q = 0; q < 2; q++) {
		struct out full = out_new(PH_FORMAT_RGB888, 85, 63, false, 0, false);
		struct out half = out_new(PH_FORMAT_RGB888, 42, 31, true, 0, false);
		struct ph_isp_output outs[2] = {full.o, half.o};

		p.demosaic = q;
		assert_int_equal(ph_isp_process(isp, &in, &p, outs, 2, NULL, NULL), 0);
		for (unsigned y = 0; y < 31; y++)
			for (unsigned x = 0; x < 42; x++)
				for (unsigned c = 0; c < 3; c++) {
					const uint8_t *f0 = full.mem + 2 * y * full.o.strides[0];
					const uint8_t *f1 = f0 + full.o.strides[0];
					double mean = (f0[6 * x + c] + f0[6 * x + 3 + c] +
						       f1[6 * x + c] + f1[6 * x + 3 + c]) /
						      4.0;
					int v = half.mem[y * half.o.strides[0] + 3 * x + c];

					if (fabs(v - mean) > 1.0)
						fail_msg("binned %u,%u,%u: %d vs mean %.2f", x, y,
							 c, v, mean);
				}
		check_flat(&(struct out){.o = half.o, .mem = half.mem, .size = 0},
			   (unsigned[]){0, 0, 0}, NULL, 255, 65535); /* guard bytes only */
		out_free(&full);
		out_free(&half);
	}
	ph_isp_free(isp);
	free(r.data);
}

/* ---- argument checks ---------------------------------------------------------------------- */

static void test_invalid(void **state)
{
	struct ph_isp *isp = ph_isp_new(2);
	struct raw r = raw_flat(PH_FORMAT_SRGGB10_CSI2P, 32, 16, 0, (unsigned[]){1, 2, 3});
	struct ph_isp_params p = identity();
	struct out out = out_new(PH_FORMAT_RGB888, 32, 16, false, 0, false);
	struct ph_isp_input in;
	struct ph_isp_output o, two[3];
	struct ph_isp_stats *st = malloc(sizeof(*st));
	struct ph_isp_stats_config sc = {0, 12, 1};

	assert_non_null(isp);
	assert_non_null(st);
	/* The default is the best this CPU runs (test-isp-simd.c compares them). */
	assert_int_equal(ph_isp_set_impl(isp, ph_isp_get_impl(isp)), 0);
	assert_int_equal(ph_isp_set_impl(isp, "bogus"), -EINVAL);
	assert_int_equal(ph_isp_set_impl(isp, "scalar"), 0);

#define EXPECT_EINVAL(in_, p_, o_, n_, sc_, st_)                                                   \
	do {                                                                                       \
		assert_int_equal(ph_isp_process(isp, in_, p_, o_, n_, sc_, st_), -EINVAL);         \
		assert_true(untouched(&out));                                                      \
	} while (0)

	in = input_of(&r);
	in.fourcc = PH_FORMAT_RGB888;
	EXPECT_EINVAL(&in, &p, &out.o, 1, NULL, NULL);
	in.fourcc = 0x12345678;
	EXPECT_EINVAL(&in, &p, &out.o, 1, NULL, NULL);
	in = input_of(&r);
	in.width = 0;
	EXPECT_EINVAL(&in, &p, &out.o, 1, NULL, NULL);
	in = input_of(&r);
	in.height = 0;
	EXPECT_EINVAL(&in, &p, &out.o, 1, NULL, NULL);
	in = input_of(&r);
	in.stride = 39; /* 32 pixels need 40 bytes */
	EXPECT_EINVAL(&in, &p, &out.o, 1, NULL, NULL);
	in = input_of(&r);
	in.data = NULL;
	EXPECT_EINVAL(&in, &p, &out.o, 1, NULL, NULL);
	in = input_of(&r);
	in.crop_x = 1;
	in.crop_width = 32;
	in.crop_height = 16;
	EXPECT_EINVAL(&in, &p, &out.o, 1, NULL, NULL);
	in.crop_x = 0;
	in.crop_y = 0xffffffffu;
	EXPECT_EINVAL(&in, &p, &out.o, 1, NULL, NULL);
	in.crop_y = 0;
	in.crop_width = 0;
	EXPECT_EINVAL(&in, &p, &out.o, 1, NULL, NULL);
	in = input_of(&r);
	EXPECT_EINVAL(&in, &p, &out.o, 3, NULL, NULL); /* too many outputs */
	EXPECT_EINVAL(&in, &p, &out.o, 0, NULL, NULL); /* nothing to do */
	EXPECT_EINVAL(&in, &p, NULL, 1, NULL, NULL);
	o = out.o;
	o.width = 31;
	EXPECT_EINVAL(&in, &p, &o, 1, NULL, NULL);
	o = out.o;
	o.binning = true; /* needs 16x8 */
	EXPECT_EINVAL(&in, &p, &o, 1, NULL, NULL);
	o = out.o;
	o.strides[0] = 95;
	EXPECT_EINVAL(&in, &p, &o, 1, NULL, NULL);
	o = out.o;
	o.fourcc = PH_FORMAT_SRGGB8;
	EXPECT_EINVAL(&in, &p, &o, 1, NULL, NULL);
	o = out.o;
	o.fourcc = PH_FORMAT_NV12; /* no second plane */
	o.strides[0] = 32;
	EXPECT_EINVAL(&in, &p, &o, 1, NULL, NULL);
	o = out.o;
	o.planes[0] = NULL;
	EXPECT_EINVAL(&in, &p, &o, 1, NULL, NULL);
	two[0] = two[1] = two[2] = out.o;
	two[1].width = 16;
	EXPECT_EINVAL(&in, &p, two, 2, NULL, NULL);
	EXPECT_EINVAL(&in, &p, &out.o, 1, &sc, st);
	sc.zones_x = 33;
	EXPECT_EINVAL(&in, &p, &out.o, 1, &sc, st);
	p.wb_gains[1] = NAN;
	EXPECT_EINVAL(&in, &p, &out.o, 1, NULL, NULL);
	p = identity();
	p.black_level[2] = 65535;
	EXPECT_EINVAL(&in, &p, &out.o, 1, NULL, NULL);
	p = identity();
	p.lsc_width = 33;
	p.lsc_height = 2;
	EXPECT_EINVAL(&in, &p, &out.o, 1, NULL, NULL);
	p = identity();
	p.demosaic = 7;
	EXPECT_EINVAL(&in, &p, &out.o, 1, NULL, NULL);
	p = identity();
	/* A one-pixel-wide Bayer crop has no CFA phase to interpolate from. */
	in.crop_width = 1;
	in.crop_height = 16;
	EXPECT_EINVAL(&in, &p, &out.o, 1, NULL, NULL);

	/* And the same frame is fine. */
	in = input_of(&r);
	assert_int_equal(ph_isp_process(isp, &in, &p, &out.o, 1, NULL, NULL), 0);
	assert_false(untouched(&out));
	out_free(&out);
	free(st);
	free(r.data);
	ph_isp_free(isp);
}

/* A wider frame after a narrow one grows the buffers; a narrower one reuses them. */
static void test_resize(void **state)
{
	struct ph_isp *isp = ph_isp_new(2);
	static const unsigned widths[] = {8, 300, 40, 1030, 2};
	static const unsigned grey[3] = {140, 140, 140};

	assert_non_null(isp);
	for (unsigned i = 0; i < ARRAY_SIZE(widths); i++) {
		struct raw r = raw_flat(PH_FORMAT_SGBRG12_CSI2P, widths[i], 6, 1, grey);
		struct ph_isp_input in = input_of(&r);
		struct ph_isp_params p = identity();
		struct out out = out_new(PH_FORMAT_YUYV, widths[i], 6, false, 0, true);

		p.demosaic = i & 1;
		assert_int_equal(ph_isp_process(isp, &in, &p, &out.o, 1, NULL, NULL), 0);
		check_flat(&out, grey, NULL, 0, 0);
		out_free(&out);
		free(r.data);
	}
	ph_isp_free(isp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unpack_vectors),
		cmocka_unit_test(test_flat_every_format),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_demosaic_quality),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_threads_identical),
		cmocka_unit_test(test_dual_and_binning),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_resize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the simulated raw sensor (src/libpinhole/pipeline/virtual/sim.c). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline/virtual/sim.h"

#define W 320
#define H 240

enum {
	R,
	G,
	B,
	ANY
};

/* Channel at (x & 1) + 2 * (y & 1), by order: written out independently of sim.c. */
static const int cfa[4][4] = {
	[PH_BAYER_RGGB] = {R, G, G, B},
	[PH_BAYER_GRBG] = {G, R, B, G},
	[PH_BAYER_GBRG] = {G, B, R, G},
	[PH_BAYER_BGGR] = {B, G, G, R},
};

static uint32_t raw_fourcc(enum ph_bayer_order order, unsigned depth, bool packed)
{
	return ph_format_raw(order, depth, packed);
}

static void small_params(struct ph_sim_params *p, uint32_t w, uint32_t h)
{
	ph_sim_params_default(p);
	p->width = w;
	p->height = h;
}

static struct ph_sim_frame frame_at(double exposure_us, double gain)
{
	return (struct ph_sim_frame){.exposure_us = exposure_us, .gain = gain};
}

/* Render unpacked and return the pixel values (caller frees). */
static uint16_t *render_u16(const struct ph_sim_scene *s, const struct ph_sim_params *p,
			    const struct ph_sim_frame *f)
{
	size_t n = (size_t)p->width * p->height;
	uint8_t *buf = malloc(2 * n);
	uint16_t *v = malloc(n * sizeof(*v));

	assert_non_null(buf);
	assert_non_null(v);
	assert_int_equal(ph_sim_render_raw(s, f, raw_fourcc(p->order, p->bit_depth, false), buf,
					   2 * p->width),
			 0);
	for (size_t i = 0; i < n; i++)
		v[i] = (uint16_t)(buf[2 * i] | buf[2 * i + 1] << 8);
	free(buf);
	return v;
}

struct stats {
	double mean, var;
	size_t n;
};

/* Mean and variance of channel @p ch (or ANY) in [x0, x1) x [y0, y1). */
static struct stats region_stats(const uint16_t *v, const struct ph_sim_params *p, int ch,
				 uint32_t x0, uint32_t y0, uint32_t x1, uint32_t y1)
{
	double sum = 0, sum2 = 0;
	struct stats st = {0, 0, 0};

	for (uint32_t y = y0; y < y1; y++)
		for (uint32_t x = x0; x < x1; x++) {
			if (ch != ANY && cfa[p->order][(x & 1) + 2 * (y & 1)] != ch)
				continue;
			double d = v[(size_t)y * p->width + x];
			sum += d;
			sum2 += d * d;
			st.n++;
		}
	assert_true(st.n > 0);
	st.mean = sum / st.n;
	st.var = sum2 / st.n - st.mean * st.mean;
	return st;
}

static struct stats centre_stats(const uint16_t *v, const struct ph_sim_params *p, int ch)
{
	return region_stats(v, p, ch, p->width / 4, p->height / 4, 3 * p->width / 4,
			    3 * p->height / 4);
}

static void test_defaults(void **state)
{
	struct ph_sim_params p;

	ph_sim_params_default(&p);
	assert_string_equal(p.model, "pinhole-sim");
	assert_int_equal(p.width, 1920);
	assert_int_equal(p.height, 1080);
	assert_int_equal(p.order, PH_BAYER_RGGB);
	assert_int_equal(p.bit_depth, 10);
	assert_int_equal(p.black_level, 64);
	assert_true(p.full_well == 10000.0f && p.read_noise == 3.0f && p.noise);
	assert_int_equal(p.scene, PH_SIM_SCENE_CHART);
	assert_true(p.lux == 400.0f && p.vignetting == 0.4f && p.object_speed == 0.25f);
	assert_int_equal(p.colour_temperature, 5000);
	assert_int_equal(p.seed, 1);
}

/* Default exposure calibration: 18% grey, 10 ms, gain 1 -> about 18% of full scale. */
static void test_calibration(void **state)
{
	struct ph_sim_params p;
	struct ph_sim_frame f = frame_at(10000, 1);

	small_params(&p, W, H);
	struct ph_sim_scene *s = ph_sim_scene_new(&p);
	assert_non_null(s);
	double level = ph_sim_expected_level(s, &f, 0.18);
	assert_true(fabs(level / (0.18 * (1023 - 64)) - 1) < 0.03);
	assert_true(ph_sim_scene_lux(s) == 400.0f);
	f.gain = 2;
	assert_true(fabs(ph_sim_expected_level(s, &f, 0.18) / level - 2) < 1e-6);
	f.exposure_us = 1e6; /* clipped at full scale */
	assert_true(ph_sim_expected_level(s, &f, 0.18) == 1023 - 64);
	ph_sim_scene_free(s);
}

/* Raw level above black scales linearly with exposure and with gain, as predicted. */
static void test_exposure_gain_linear(void **state)
{
	struct ph_sim_params p;

	small_params(&p, W, H);
	p.scene = PH_SIM_SCENE_FLAT;
	p.vignetting = 0;
	struct ph_sim_scene *s = ph_sim_scene_new(&p);
	assert_non_null(s);

	struct ph_sim_frame f5 = frame_at(5000, 1), f10 = frame_at(10000, 1),
			    g2 = frame_at(5000, 2);
	uint16_t *a = render_u16(s, &p, &f5), *b = render_u16(s, &p, &f10),
		 *c = render_u16(s, &p, &g2);
	double la = centre_stats(a, &p, G).mean - p.black_level;
	double lb = centre_stats(b, &p, G).mean - p.black_level;
	double lc = centre_stats(c, &p, G).mean - p.black_level;

	assert_true(la > 50);
	assert_true(fabs(lb / la - 2) < 0.02);
	assert_true(fabs(lc / la - 2) < 0.02);
	assert_true(fabs(lb / ph_sim_expected_level(s, &f10, 0.18) - 1) < 0.01);
	free(a);
	free(b);
	free(c);
	ph_sim_scene_free(s);
}

/* No light, or the black test-pattern bar, reads exactly the black level. */
static void test_black_level(void **state)
{
	struct ph_sim_params p;

	small_params(&p, W, H);
	p.noise = false;
	struct ph_sim_scene *s = ph_sim_scene_new(&p);
	assert_non_null(s);
	struct ph_sim_frame f = frame_at(0, 1);
	uint16_t *v = render_u16(s, &p, &f);
	for (size_t i = 0; i < (size_t)W * H; i++)
		assert_int_equal(v[i], 64);
	free(v);
	ph_sim_scene_free(s);

	/* colour bars, with noise on: test patterns carry none */
	p.noise = true;
	s = ph_sim_scene_new(&p);
	assert_non_null(s);
	f = frame_at(10000, 1);
	f.test_pattern = 1;
	v = render_u16(s, &p, &f);
	for (uint32_t y = 0; y < H; y++) {
		/* black bar (the last), white bar (the first) at 75% above black */
		for (uint32_t x = 7 * W / 8; x < W; x++)
			assert_int_equal(v[y * W + x], 64);
		for (uint32_t x = 0; x < W / 8; x++)
			assert_int_equal(v[y * W + x], 64 + 719);
		/* red bar (the sixth): only R sites on */
		for (uint32_t x = 5 * W / 8; x < 6 * W / 8; x++)
			assert_int_equal(v[y * W + x],
					 cfa[p.order][(x & 1) + 2 * (y & 1)] == R ? 64 + 719 : 64);
	}
	free(v);
	ph_sim_scene_free(s);
}

static void check_saturation(unsigned depth, double gain)
{
	struct ph_sim_params p;

	small_params(&p, W, H);
	p.bit_depth = depth;
	p.black_level = depth == 12 ? 256 : 64;
	p.scene = PH_SIM_SCENE_FLAT; /* the chart's colour ramps hold zero reflectances */
	struct ph_sim_scene *s = ph_sim_scene_new(&p);
	assert_non_null(s);
	struct ph_sim_frame f = frame_at(1e6, gain);
	uint16_t *v = render_u16(s, &p, &f);
	for (size_t i = 0; i < (size_t)W * H; i++)
		assert_int_equal(v[i], (1u << depth) - 1);
	free(v);
	ph_sim_scene_free(s);
}

static void test_saturation(void **state)
{
	check_saturation(10, 1);
	check_saturation(10, 4);
	check_saturation(12, 1);
	check_saturation(12, 8);
}

/* Independent reference packers, straight from the V4L2 pixfmt-srggb1xp pages. */
static void ref_pack(const uint16_t *v, uint32_t w, unsigned depth, uint8_t *d)
{
	if (depth == 10) {
		for (uint32_t i = 0; i < w; i += 4, d += 5) {
			d[4] = 0;
			for (unsigned k = 0; k < 4; k++) {
				uint16_t px = i + k < w ? v[i + k] : 0;
				d[k] = (uint8_t)(px >> 2);
				d[4] |= (uint8_t)((px & 3) << (2 * k));
			}
		}
	} else {
		for (uint32_t i = 0; i < w; i += 2, d += 3) {
			uint16_t p0 = v[i], p1 = i + 1 < w ? v[i + 1] : 0;
			d[0] = (uint8_t)(p0 >> 4);
			d[1] = (uint8_t)(p1 >> 4);
			d[2] = (uint8_t)((p0 & 0xf) | (p1 & 0xf) << 4);
		}
	}
}

/* A noisy chart frame packed by sim.c equals the unpacked one packed by hand; padding untouched. */
static void check_packing(unsigned depth, uint32_t w)
{
	struct ph_sim_params p;

	small_params(&p, w, 64);
	p.bit_depth = depth;
	struct ph_sim_scene *s = ph_sim_scene_new(&p);
	assert_non_null(s);
	struct ph_sim_frame f = frame_at(20000, 2);
	f.sequence = 7;
	f.timestamp_ns = 1500000000;
	uint16_t *v = render_u16(s, &p, &f);

	uint32_t len = depth == 10 ? (w + 3) / 4 * 5 : (w + 1) / 2 * 3, stride = len + 7;
	uint8_t *packed = malloc((size_t)stride * p.height), ref[4096];
	assert_non_null(packed);
	memset(packed, 0xaa, (size_t)stride * p.height);
	assert_int_equal(ph_sim_render_raw(s, &f, raw_fourcc(p.order, depth, true), packed, stride),
			 0);
	for (uint32_t y = 0; y < p.height; y++) {
		ref_pack(v + (size_t)y * w, w, depth, ref);
		assert_memory_equal(packed + (size_t)y * stride, ref, len);
		for (uint32_t k = len; k < stride; k++)
			assert_int_equal(packed[(size_t)y * stride + k], 0xaa);
	}
	free(packed);
	free(v);
	ph_sim_scene_free(s);
}

static void test_packing_matches_unpacked(void **state)
{
	check_packing(10, 320);
	check_packing(10, 318); /* last group of 2 */
	check_packing(10, 317); /* odd: last group of 1 */
	check_packing(12, 320);
	check_packing(12, 317); /* last group of 1 */
}

/* Hand-packed bytes of the grey-ramp test pattern (values round(x * white / (w - 1))). */
static void check_vector(unsigned depth, uint32_t w, const uint8_t *expect, size_t len)
{
	struct ph_sim_params p;
	uint8_t buf[2 * 32];

	small_params(&p, w, 2);
	p.bit_depth = depth;
	struct ph_sim_scene *s = ph_sim_scene_new(&p);
	assert_non_null(s);
	struct ph_sim_frame f = frame_at(10000, 1);
	f.test_pattern = 2;
	memset(buf, 0x55, sizeof(buf));
	assert_int_equal(ph_sim_render_raw(s, &f, raw_fourcc(p.order, depth, true), buf, 32), 0);
	assert_memory_equal(buf, expect, len);
	assert_memory_equal(buf + 32, expect, len);
	assert_int_equal(buf[len], 0x55);
	ph_sim_scene_free(s);
}

static void test_packing_vectors(void **state)
{
	/* 0 146 292 438 | 585 731 877 1023 */
	static const uint8_t p10w8[] = {0x00, 0x24, 0x49, 0x6d, 0x88, 0x92, 0xb6, 0xdb, 0xff, 0xdd};
	/* 0 171 341 512 | 682 853 1023 (pad) */
	static const uint8_t p10w7[] = {0x00, 0x2a, 0x55, 0x80, 0x1c, 0xaa, 0xd5, 0xff, 0x00, 0x36};
	/* 0 585 | 1170 1755 | 2340 2925 | 3510 4095 */
	static const uint8_t p12w8[] = {0x00, 0x24, 0x90, 0x49, 0x6d, 0xb2,
					0x92, 0xb6, 0xd4, 0xdb, 0xff, 0xf6};
	/* 0 683 | 1365 2048 | 2730 3413 | 4095 (pad) */
	static const uint8_t p12w7[] = {0x00, 0x2a, 0xb0, 0x55, 0x80, 0x05,
					0xaa, 0xd5, 0x5a, 0xff, 0x00, 0x0f};

	check_vector(10, 8, p10w8, sizeof(p10w8));
	check_vector(10, 7, p10w7, sizeof(p10w7));
	check_vector(12, 8, p12w8, sizeof(p12w8));
	check_vector(12, 7, p12w7, sizeof(p12w7));
}

/* In the chart's red patch the R sites are brightest, in its blue patch the B sites, for every
 * order. */
static void test_bayer_order(void **state)
{
	for (int order = 0; order < 4; order++) {
		struct ph_sim_params p;
		uint32_t rect[4];

		small_params(&p, W, H);
		p.order = order;
		p.noise = false;
		struct ph_sim_scene *s = ph_sim_scene_new(&p);
		assert_non_null(s);
		struct ph_sim_frame f = frame_at(10000, 1);
		uint16_t *v = render_u16(s, &p, &f);

		const struct {
			unsigned patch;
			int ch;
		} cases[] = {{14, R}, {12, B}, {13, G}};
		for (unsigned k = 0; k < 3; k++) {
			assert_int_equal(ph_sim_chart_patch(s, cases[k].patch, rect), 0);
			assert_true(rect[2] >= 8 && rect[3] >= 8);
			uint32_t x0 = rect[0] + 2, y0 = rect[1] + 2;
			uint32_t x1 = rect[0] + rect[2] - 2, y1 = rect[1] + rect[3] - 2;
			double m[3];
			for (int ch = 0; ch < 3; ch++)
				m[ch] = region_stats(v, &p, ch, x0, y0, x1, y1).mean -
					p.black_level;
			for (int ch = 0; ch < 3; ch++)
				if (ch != cases[k].ch)
					assert_true(m[cases[k].ch] > 1.5 * m[ch]);
		}
		/* a mismatching order is refused */
		uint8_t *buf = malloc(2 * W * H);
		assert_non_null(buf);
		assert_int_equal(ph_sim_render_raw(s, &f, raw_fourcc((order + 1) % 4, 10, false),
						   buf, 2 * W),
				 -EINVAL);
		free(buf);
		free(v);
		ph_sim_scene_free(s);
	}
}

/* Variance of a flat field: (electrons + read_noise^2) * (DN/e)^2 + 1/12 for rounding. */
static void check_noise(double exposure_us, double gain)
{
	struct ph_sim_params p;
	float gains[2];

	small_params(&p, W, H);
	p.scene = PH_SIM_SCENE_FLAT;
	p.vignetting = 0;
	struct ph_sim_scene *s = ph_sim_scene_new(&p);
	assert_non_null(s);
	ph_sim_ideal_colour_gains(s, gains);
	struct ph_sim_frame f = frame_at(exposure_us, gain);
	uint16_t *v = render_u16(s, &p, &f);
	double dn_per_e = gain * (1023 - 64) / p.full_well;
	double e_green = ph_sim_expected_level(s, &f, 0.18) / dn_per_e;
	const double resp[3] = {1 / gains[0], 1, 1 / gains[1]};

	for (int ch = 0; ch < 3; ch++) {
		double e = e_green * resp[ch];
		double predicted =
			(e + p.read_noise * p.read_noise) * dn_per_e * dn_per_e + 1.0 / 12;
		struct stats st = region_stats(v, &p, ch, 0, 0, W, H);

		assert_true(fabs(st.mean - p.black_level - e * dn_per_e) <
			    0.05 * e * dn_per_e + 0.1);
		assert_true(fabs(st.var / predicted - 1) < 0.15);
	}
	free(v);
	ph_sim_scene_free(s);
}

static void test_noise(void **state)
{
	check_noise(10000, 2); /* shot noise dominated */
	check_noise(50, 8);    /* read noise as large as shot noise */

	/* noise off: a flat field is flat */
	struct ph_sim_params p;
	small_params(&p, W, H);
	p.scene = PH_SIM_SCENE_FLAT;
	p.vignetting = 0;
	p.noise = false;
	struct ph_sim_scene *s = ph_sim_scene_new(&p);
	assert_non_null(s);
	struct ph_sim_frame f = frame_at(10000, 2);
	uint16_t *v = render_u16(s, &p, &f);
	for (int ch = 0; ch < 3; ch++)
		assert_true(region_stats(v, &p, ch, 0, 0, W, H).var == 0);
	free(v);
	ph_sim_scene_free(s);
}

static void test_determinism(void **state)
{
	struct ph_sim_params p;

	small_params(&p, W, H);
	struct ph_sim_scene *s = ph_sim_scene_new(&p), *s2 = ph_sim_scene_new(&p);
	p.seed = 2;
	struct ph_sim_scene *s3 = ph_sim_scene_new(&p);
	assert_non_null(s);
	assert_non_null(s2);
	assert_non_null(s3);
	struct ph_sim_frame f = frame_at(10000, 1);
	f.sequence = 5;
	uint16_t *a = render_u16(s, &p, &f), *b = render_u16(s2, &p, &f),
		 *d = render_u16(s3, &p, &f);
	f.sequence = 6;
	uint16_t *c = render_u16(s, &p, &f);

	assert_memory_equal(a, b, sizeof(*a) * W * H);
	assert_memory_not_equal(a, c, sizeof(*a) * W * H);
	assert_memory_not_equal(a, d, sizeof(*a) * W * H);
	free(a);
	free(b);
	free(c);
	free(d);
	ph_sim_scene_free(s);
	ph_sim_scene_free(s2);
	ph_sim_scene_free(s3);
}

/* Mean Cb and Cr of NV12 in a patch (same output size as the sensor). */
static void nv12_patch_chroma(const struct ph_sim_scene *s, const float gains[2], unsigned patch,
			      double *cb, double *cr)
{
	uint32_t rect[4];
	uint8_t *buf = malloc(W * H * 3 / 2);
	double sb = 0, sr = 0;
	unsigned n = 0;
	struct ph_sim_frame f = frame_at(10000, 1);

	assert_non_null(buf);
	assert_int_equal(ph_sim_render_processed(s, &f, gains, PH_FORMAT_NV12, W, H, buf, W, NULL),
			 0);
	assert_int_equal(ph_sim_chart_patch(s, patch, rect), 0);
	for (uint32_t y = rect[1] / 2 + 1; y < (rect[1] + rect[3]) / 2 - 1; y++)
		for (uint32_t x = rect[0] / 2 + 1; x < (rect[0] + rect[2]) / 2 - 1; x++) {
			sb += buf[W * H + y * W + 2 * x];
			sr += buf[W * H + y * W + 2 * x + 1];
			n++;
		}
	assert_true(n > 0);
	*cb = sb / n;
	*cr = sr / n;
	free(buf);
}

static void test_processed_white_balance(void **state)
{
	struct ph_sim_params p;
	float ideal[2], unit[2] = {1, 1};
	double cb, cr;

	small_params(&p, W, H);
	struct ph_sim_scene *s = ph_sim_scene_new(&p);
	assert_non_null(s);
	ph_sim_ideal_colour_gains(s, ideal);

	nv12_patch_chroma(s, ideal, 21, &cb, &cr); /* neutral 5 */
	assert_true(fabs(cb - 128) < 2 && fabs(cr - 128) < 2);
	nv12_patch_chroma(s, ideal, 19, &cb, &cr); /* neutral 8 */
	assert_true(fabs(cb - 128) < 2 && fabs(cr - 128) < 2);
	nv12_patch_chroma(s, unit, 21, &cb, &cr); /* raw camera RGB: green cast */
	assert_true(cb < 124 && cr < 124 && hypot(cb - 128, cr - 128) > 8);
	nv12_patch_chroma(s, ideal, 14, &cb, &cr); /* red */
	assert_true(cr > 150);
	ph_sim_scene_free(s);
}

/* RGB888, BGR888, YUYV and NV12 of one frame agree; a scaled render keeps the layout. */
static void test_processed_formats(void **state)
{
	struct ph_sim_params p;
	float gains[2];
	const uint32_t w = 160, h = 121; /* scaled, odd height */

	small_params(&p, W, H);
	struct ph_sim_scene *s = ph_sim_scene_new(&p);
	assert_non_null(s);
	ph_sim_ideal_colour_gains(s, gains);
	struct ph_sim_frame f = frame_at(10000, 1);
	f.timestamp_ns = 2000000000; /* the disc in the middle */
	uint8_t *rgb = malloc(w * h * 3), *bgr = malloc(w * h * 3 + 16);
	uint8_t *yuyv = malloc(w * h * 2), *nv12 = malloc(w * (h + 1) * 3 / 2);
	assert_true(rgb && bgr && yuyv && nv12);

	assert_int_equal(
		ph_sim_render_processed(s, &f, gains, PH_FORMAT_RGB888, w, h, rgb, 3 * w, NULL), 0);
	assert_int_equal(
		ph_sim_render_processed(s, &f, gains, PH_FORMAT_BGR888, w, h, bgr, 3 * w, NULL), 0);
	assert_int_equal(
		ph_sim_render_processed(s, &f, gains, PH_FORMAT_YUYV, w, h, yuyv, 2 * w, NULL), 0);
	assert_int_equal(ph_sim_render_processed(s, &f, gains, PH_FORMAT_NV12, w, h, nv12, w, NULL),
			 0);
	for (size_t i = 0; i < (size_t)w * h; i++) {
		assert_int_equal(rgb[3 * i], bgr[3 * i + 2]);
		assert_int_equal(rgb[3 * i + 1], bgr[3 * i + 1]);
		assert_int_equal(rgb[3 * i + 2], bgr[3 * i]);
		assert_int_equal(yuyv[2 * i], nv12[i]); /* same luma */
		int y = (66 * rgb[3 * i] + 129 * rgb[3 * i + 1] + 25 * rgb[3 * i + 2] + 128) / 256 +
			16;
		assert_int_equal(nv12[i], y);
	}
	/* the moving disc (orange) centred at (W / 2 - r, 0.4 H), the surround grey at the left */
	const uint8_t *mid = rgb + 3 * ((size_t)(h * 2 / 5) * w + (W / 2 - H / 10) * w / W);
	assert_true(mid[0] > mid[1] + 40 && mid[1] > mid[2] + 40);
	const uint8_t *edge = rgb + 3 * ((size_t)(h / 2) * w + 1);
	assert_true(abs(edge[0] - edge[1]) <= 2 && abs(edge[2] - edge[1]) <= 2);

	/* colour bars as plain colours */
	f.test_pattern = 1;
	assert_int_equal(
		ph_sim_render_processed(s, &f, gains, PH_FORMAT_RGB888, w, h, rgb, 3 * w, NULL), 0);
	const uint8_t white[3] = {191, 191, 191}, red[3] = {191, 0, 0}, black[3] = {0, 0, 0};
	assert_memory_equal(rgb, white, 3);
	assert_memory_equal(rgb + 3 * (5 * w / 8 + 1), red, 3);
	assert_memory_equal(rgb + 3 * ((size_t)h * w - 1), black, 3);

	free(rgb);
	free(bgr);
	free(yuyv);
	free(nv12);
	ph_sim_scene_free(s);
}

/* The disc is outside the frame at time 0, inside and where expected later. */
static void test_moving_object(void **state)
{
	struct ph_sim_params p;

	small_params(&p, W, H);
	p.noise = false;
	struct ph_sim_scene *s = ph_sim_scene_new(&p);
	assert_non_null(s);
	struct ph_sim_frame f0 = frame_at(10000, 1), f1 = f0;
	f1.timestamp_ns = 2000000000; /* 0.25 widths/s: moved by W/2 */
	uint16_t *a = render_u16(s, &p, &f0), *b = render_u16(s, &p, &f1);
	double r = 0.1 * H, cx = W / 2.0 - r, cy = 0.4 * H;
	unsigned changed = 0;

	for (uint32_t y = 0; y < H; y++)
		for (uint32_t x = 0; x < W; x++) {
			double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
			if (a[y * W + x] != b[y * W + x]) {
				assert_true(dx * dx + dy * dy < r * r + 1e-9);
				changed++;
			}
		}
	assert_true(changed > 0.8 * M_PI * r * r);
	free(a);
	free(b);
	ph_sim_scene_free(s);
}

static void test_vignetting(void **state)
{
	struct ph_sim_params p;

	small_params(&p, W, H);
	p.scene = PH_SIM_SCENE_FLAT;
	p.noise = false;
	p.vignetting = 0.4f;
	struct ph_sim_scene *s = ph_sim_scene_new(&p);
	assert_non_null(s);
	struct ph_sim_frame f = frame_at(20000, 1);
	uint16_t *v = render_u16(s, &p, &f);
	/* green sites at the corner and at the centre */
	double corner = v[1] - 64.0, centre = v[(H / 2) * W + W / 2 + 1] - 64.0;
	assert_true(fabs(corner / centre - 0.6) < 0.03);
	free(v);
	ph_sim_scene_free(s);
}

static void test_colour_temperature(void **state)
{
	struct ph_sim_params p;
	float g[3][2];
	const uint32_t kelvin[3] = {2856, 5000, 6500};

	for (int i = 0; i < 3; i++) {
		small_params(&p, 16, 16);
		p.colour_temperature = kelvin[i];
		struct ph_sim_scene *s = ph_sim_scene_new(&p);
		assert_non_null(s);
		ph_sim_ideal_colour_gains(s, g[i]);
		ph_sim_scene_free(s);
	}
	/* daylight: raw R/G and B/G between 0.5 and 0.7 */
	for (int i = 1; i < 3; i++)
		for (int k = 0; k < 2; k++)
			assert_true(g[i][k] > 1 / 0.7 && g[i][k] < 1 / 0.5);
	/* tungsten: red strong, blue weak */
	assert_true(g[0][0] < 1.2 && g[0][1] > 2.5);
	assert_true(g[0][0] < g[1][0] && g[1][0] < g[2][0]);
	assert_true(g[0][1] > g[1][1] && g[1][1] > g[2][1]);
}

static void test_invalid(void **state)
{
	struct ph_sim_params p;
	float gains[2] = {1, 1};
	uint8_t *buf = malloc(4 * W * H);

	assert_non_null(buf);
	small_params(&p, W, H);
	struct ph_sim_scene *s = ph_sim_scene_new(&p);
	assert_non_null(s);
	struct ph_sim_frame f = frame_at(10000, 1);

	assert_int_equal(ph_sim_render_raw(s, &f, PH_FORMAT_SRGGB10, buf, 2 * W), 0);
	assert_int_equal(ph_sim_render_raw(s, &f, PH_FORMAT_SRGGB10_CSI2P, buf, W * 5 / 4), 0);
	assert_int_equal(ph_sim_render_raw(s, &f, PH_FORMAT_NV12, buf, 2 * W), -EINVAL);
	assert_int_equal(ph_sim_render_raw(s, &f, 0, buf, 2 * W), -EINVAL);
	assert_int_equal(ph_sim_render_raw(s, &f, PH_FORMAT_SBGGR10, buf, 2 * W), -EINVAL);
	assert_int_equal(ph_sim_render_raw(s, &f, PH_FORMAT_SRGGB12, buf, 2 * W), -EINVAL);
	assert_int_equal(ph_sim_render_raw(s, &f, PH_FORMAT_SRGGB12_CSI2P, buf, 2 * W), -EINVAL);
	assert_int_equal(ph_sim_render_raw(s, &f, PH_FORMAT_SRGGB10, buf, 2 * W - 1), -EINVAL);
	assert_int_equal(ph_sim_render_raw(s, &f, PH_FORMAT_SRGGB10_CSI2P, buf, W * 5 / 4 - 1),
			 -EINVAL);
	assert_int_equal(
		ph_sim_render_processed(s, &f, gains, PH_FORMAT_SRGGB10, W, H, buf, 2 * W, NULL),
		-EINVAL);
	assert_int_equal(ph_sim_render_processed(s, &f, gains, PH_FOURCC('N', 'V', '2', '1'), W, H,
						 buf, W, NULL),
			 -EINVAL);
	assert_int_equal(
		ph_sim_render_processed(s, &f, gains, PH_FORMAT_RGB888, 0, H, buf, 3 * W, NULL),
		-EINVAL);
	assert_int_equal(
		ph_sim_render_processed(s, &f, gains, PH_FORMAT_RGB888, W, H, buf, 3 * W - 1, NULL),
		-EINVAL);
	assert_int_equal(ph_sim_chart_patch(s, 24, (uint32_t[4]){0}), -EINVAL);
	ph_sim_scene_free(s);

	struct ph_sim_params bad = p;
	bad.width = 0;
	assert_null(ph_sim_scene_new(&bad));
	bad = p;
	bad.bit_depth = 20;
	assert_null(ph_sim_scene_new(&bad));
	bad = p;
	bad.black_level = 1023;
	assert_null(ph_sim_scene_new(&bad));
	bad = p;
	bad.order = PH_BAYER_NONE;
	assert_null(ph_sim_scene_new(&bad));
	bad = p;
	bad.full_well = 0;
	assert_null(ph_sim_scene_new(&bad));
	free(buf);
}

/* Scenes of several kinds come and go (leaks are caught under valgrind/ASan). */
static void test_alloc_free(void **state)
{
	struct ph_sim_params p;

	ph_sim_scene_free(NULL);
	for (int i = 0; i < 4; i++) {
		small_params(&p, 64 + 2 * i, 48);
		p.scene = i & 1 ? PH_SIM_SCENE_FLAT : PH_SIM_SCENE_CHART;
		p.bit_depth = i & 2 ? 12 : 10;
		struct ph_sim_scene *s = ph_sim_scene_new(&p);
		assert_non_null(s);
		uint32_t rect[4];
		assert_int_equal(ph_sim_chart_patch(s, 0, rect), i & 1 ? -EINVAL : 0);
		ph_sim_scene_free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_calibration),
		cmocka_unit_test(test_exposure_gain_linear),
		cmocka_unit_test(test_black_level),
		cmocka_unit_test(test_saturation),
		cmocka_unit_test(test_packing_matches_unpacked),
		cmocka_unit_test(test_packing_vectors),
		cmocka_unit_test(test_bayer_order),
		cmocka_unit_test(test_noise),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_processed_white_balance),
		cmocka_unit_test(test_processed_formats),
		cmocka_unit_test(test_moving_object),
		cmocka_unit_test(test_vignetting),
		cmocka_unit_test(test_colour_temperature),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_alloc_free),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

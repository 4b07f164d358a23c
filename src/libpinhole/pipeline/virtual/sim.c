/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated raw sensor. The physical model and every parameter are
 * described in doc/virtual-camera.md ("Sensor and scene model").
 *
 * Everything that does not change from frame to frame is computed once in
 * ph_sim_scene_new(): the reflectance of the scene at every CFA site,
 * already multiplied by the lens vignetting and by the response of that
 * site's colour channel to the illuminant. A raw frame is then one pass:
 * site value x exposure -> electrons, + noise, clip, -> DN, pack.
 * The render functions only read the scene, so several threads may render
 * from one scene at once.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/*
 * Sensitivity constant: electrons collected by a green pixel at the image
 * centre per lux of scene illuminance, per second, per unit reflectance.
 * Chosen so that an 18% grey at 400 lux, 10 ms, gain 1 collects 1800 e-,
 * 18% of the default 10000 e- full well. Physically it is a ~4 um pixel
 * behind an f/2 lens with a QE of about 0.6 (4.1e15 photons/s/m^2 per lux
 * at 555 nm, divided by 4N^2 for the lens).
 */
#define SIM_K 2500.0

#define SIM_MAX_DIM   16384
#define CHUNK	      256 /* pixels rendered per step, a multiple of the packing groups */
#define GAUSS_BITS    16
#define GAUSS_SIZE    (1u << GAUSS_BITS)
#define SRGB_LUT_SIZE 4096

/* Scene layout, in fractions of the pixel array. */
#define SURROUND    0.18f /* mid grey around the chart and ramps */
#define FLAT_GREY   0.18f
#define CHART_X0    0.05
#define CHART_X1    0.95
#define CHART_Y0    0.05
#define CHART_Y1    0.60
#define CHART_FILL  0.8 /* patch size relative to its cell; the rest is surround */
#define RAMP_X0	    0.05
#define RAMP_X1	    0.95
#define RAMP_Y0	    0.64
#define RAMP_BAND   0.08 /* height of each of the four ramp bands */
#define RAMP_FILL   0.75
#define DISC_Y	    0.40 /* centre of the moving disc */
#define DISC_RADIUS 0.10 /* of the height */

enum {
	CH_R,
	CH_G,
	CH_B
};

enum row_kind {
	ROW_SURROUND,
	ROW_CHART, /* index: chart row 0..3 */
	ROW_RAMP,  /* index: 0 grey, 1 red, 2 green, 3 blue */
	ROW_FLAT,
};

struct row_info {
	uint8_t kind;
	uint8_t index;
};

struct ph_sim_scene {
	struct ph_sim_params p;
	uint32_t w, h;
	float resp[3];	       /* illuminant x channel sensitivity, green = 1 */
	float vig_a;	       /* vignetting coefficient, see vignetting() */
	uint8_t cfa[4];	       /* channel at (x & 1) + 2 * (y & 1) */
	float *site;	       /* w * h: reflectance x vignetting x resp at each site */
	float *colr2;	       /* w: squared normalised distance from the centre, x part */
	float *rowr2;	       /* h: the same, y part */
	int8_t *colpatch;      /* w: chart column 0..5, or -1 */
	float *colramp;	       /* w: ramp value 0..1, or -1 outside the ramps */
	struct row_info *rows; /* h */
	float *gauss;	       /* GAUSS_SIZE unit normal deviates */
	uint8_t srgb[SRGB_LUT_SIZE];
	float patch[24][3]; /* linear reflectance */
	uint32_t patch_rect[24][4];
};

/*
 * The 24 ColorChecker patches as 8-bit sRGB (D65), row-major as on the
 * chart: the X-Rite (post-2014) / BabelColor average values, as tabulated
 * e.g. on Wikipedia's "ColorChecker" page. Converted to linear reflectance
 * with the sRGB EOTF at scene creation.
 */
static const uint8_t colorchecker_srgb[24][3] = {
	{115, 82, 68},	 /* dark skin */
	{194, 150, 130}, /* light skin */
	{98, 122, 157},	 /* blue sky */
	{87, 108, 67},	 /* foliage */
	{133, 128, 177}, /* blue flower */
	{103, 189, 170}, /* bluish green */
	{214, 126, 44},	 /* orange */
	{80, 91, 166},	 /* purplish blue */
	{193, 90, 99},	 /* moderate red */
	{94, 60, 108},	 /* purple */
	{157, 188, 64},	 /* yellow green */
	{224, 163, 46},	 /* orange yellow */
	{56, 61, 150},	 /* blue */
	{70, 148, 73},	 /* green */
	{175, 54, 60},	 /* red */
	{231, 199, 31},	 /* yellow */
	{187, 86, 149},	 /* magenta */
	{8, 133, 161},	 /* cyan */
	{243, 243, 242}, /* white 9.5 */
	{200, 200, 200}, /* neutral 8 */
	{160, 160, 160}, /* neutral 6.5 */
	{122, 122, 121}, /* neutral 5 */
	{85, 85, 85},	 /* neutral 3.5 */
	{52, 52, 52},	 /* black 2 */
};

/* The moving object: a bright orange disc (linear reflectance). */
static const float disc_refl[3] = {0.90f, 0.40f, 0.05f};

/*
 * Relative spectral sensitivity of the colour filters at their peaks. Real
 * CMOS sensors respond less in red and blue than in green: with these, raw
 * R/G and B/G of a grey are 0.55..0.67 between 5000 and 6500 K, and the
 * white balance gains of daylight are about 1.5..1.8, as on real parts.
 */
static const double sensitivity[3] = {0.65, 1.0, 0.62};
/* Wavelengths at which the illuminant is sampled for each channel, metres. */
static const double channel_lambda[3] = {610e-9, 540e-9, 465e-9};

/* Channel of each 2x2 position, by CFA order. */
static const uint8_t cfa_tables[4][4] = {
	[PH_BAYER_RGGB] = {CH_R, CH_G, CH_G, CH_B},
	[PH_BAYER_GRBG] = {CH_G, CH_R, CH_B, CH_G},
	[PH_BAYER_GBRG] = {CH_G, CH_B, CH_R, CH_G},
	[PH_BAYER_BGGR] = {CH_B, CH_G, CH_G, CH_R},
};

/* Colour bars: bit 0 red, bit 1 green, bit 2 blue. */
static const uint8_t bar_masks[8] = {7, 3, 6, 2, 5, 1, 4, 0};

void ph_sim_params_default(struct ph_sim_params *params)
{
	memset(params, 0, sizeof(*params));
	snprintf(params->model, sizeof(params->model), "%s", "pinhole-sim");
	params->width = 1920;
	params->height = 1080;
	params->order = PH_BAYER_RGGB;
	params->bit_depth = 10;
	params->black_level = 64;
	params->full_well = 10000.0f;
	params->read_noise = 3.0f;
	params->noise = true;
	params->scene = PH_SIM_SCENE_CHART;
	params->lux = 400.0f;
	params->colour_temperature = 5000;
	params->vignetting = 0.4f;
	params->object_speed = 0.25f;
	params->seed = 1;
}

/* splitmix64 (Vigna): a fast, well mixed 64-bit generator and hash. */
static inline uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t next64(uint64_t *state)
{
	*state += 0x9e3779b97f4a7c15ULL;
	return mix64(*state);
}

/*
 * Each row has its own stream, so a frame is the same whichever order (or
 * threads) its rows are rendered in.
 */
static uint64_t row_state(const struct ph_sim_scene *s, uint32_t sequence, uint32_t y)
{
	return mix64(mix64(s->p.seed) ^ (((uint64_t)sequence << 32) | y));
}

static double srgb_to_linear(double v)
{
	return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
}

static double linear_to_srgb(double v)
{
	return v <= 0.0031308 ? v * 12.92 : 1.055 * pow(v, 1.0 / 2.4) - 0.055;
}

/* Planck's law, up to a constant factor: spectral radiance of a black body. */
static double planck(double lambda, double kelvin)
{
	const double c2 = 1.438777e-2; /* second radiation constant, m K */

	return 1.0 / (pow(lambda, 5.0) * expm1(c2 / (lambda * kelvin)));
}

/* cos^4-like falloff: 1 / (1 + a r^2)^2, r = 1 in the corners. */
static inline float vignetting(const struct ph_sim_scene *s, uint32_t x, uint32_t y)
{
	float v = 1.0f / (1.0f + s->vig_a * (s->colr2[x] + s->rowr2[y]));

	return v * v;
}

static inline void scene_refl(const struct ph_sim_scene *s, struct row_info ri, uint32_t x,
			      float rgb[3])
{
	float v;

	switch (ri.kind) {
	case ROW_CHART:
		if (s->colpatch[x] >= 0) {
			const float *p = s->patch[ri.index * 6 + s->colpatch[x]];
			rgb[0] = p[0];
			rgb[1] = p[1];
			rgb[2] = p[2];
			return;
		}
		break;
	case ROW_RAMP:
		v = s->colramp[x];
		if (v >= 0.0f) {
			rgb[0] = (ri.index == 0 || ri.index == 1) ? v : 0.0f;
			rgb[1] = (ri.index == 0 || ri.index == 2) ? v : 0.0f;
			rgb[2] = (ri.index == 0 || ri.index == 3) ? v : 0.0f;
			return;
		}
		break;
	case ROW_FLAT:
		rgb[0] = rgb[1] = rgb[2] = FLAT_GREY;
		return;
	default:
		break;
	}
	rgb[0] = rgb[1] = rgb[2] = SURROUND;
}

static uint32_t frac_pos(double f, uint32_t n)
{
	double v = floor(f * n + 0.5);

	return v <= 0 ? 0 : v >= n ? n : (uint32_t)v;
}

static void layout_chart(struct ph_sim_scene *s)
{
	double cw = (CHART_X1 - CHART_X0) * s->w / 6, ch = (CHART_Y1 - CHART_Y0) * s->h / 4;
	double gap = (1.0 - CHART_FILL) / 2;
	uint32_t rx0 = frac_pos(RAMP_X0, s->w), rx1 = frac_pos(RAMP_X1, s->w);

	for (uint32_t x = 0; x < s->w; x++) {
		s->colpatch[x] = -1;
		s->colramp[x] = -1.0f;
		if (x >= rx0 && x < rx1)
			s->colramp[x] = rx1 - rx0 > 1 ? (float)(x - rx0) / (rx1 - 1 - rx0) : 1.0f;
	}
	for (uint32_t y = 0; y < s->h; y++)
		s->rows[y] = (struct row_info){ROW_SURROUND, 0};

	for (unsigned j = 0; j < 6; j++) {
		uint32_t x0 = frac_pos((CHART_X0 * s->w + (j + gap) * cw) / s->w, s->w);
		uint32_t x1 = frac_pos((CHART_X0 * s->w + (j + 1 - gap) * cw) / s->w, s->w);

		for (uint32_t x = x0; x < x1; x++)
			s->colpatch[x] = (int8_t)j;
		for (unsigned i = 0; i < 4; i++) {
			s->patch_rect[i * 6 + j][0] = x0;
			s->patch_rect[i * 6 + j][2] = x1 - x0;
		}
	}
	for (unsigned i = 0; i < 4; i++) {
		uint32_t y0 = frac_pos((CHART_Y0 * s->h + (i + gap) * ch) / s->h, s->h);
		uint32_t y1 = frac_pos((CHART_Y0 * s->h + (i + 1 - gap) * ch) / s->h, s->h);

		for (uint32_t y = y0; y < y1; y++)
			s->rows[y] = (struct row_info){ROW_CHART, (uint8_t)i};
		for (unsigned j = 0; j < 6; j++) {
			s->patch_rect[i * 6 + j][1] = y0;
			s->patch_rect[i * 6 + j][3] = y1 - y0;
		}
	}
	for (unsigned k = 0; k < 4; k++) {
		double band = RAMP_Y0 + k * RAMP_BAND, margin = RAMP_BAND * (1 - RAMP_FILL) / 2;
		uint32_t y0 = frac_pos(band + margin, s->h);
		uint32_t y1 = frac_pos(band + RAMP_BAND - margin, s->h);

		for (uint32_t y = y0; y < y1; y++)
			s->rows[y] = (struct row_info){ROW_RAMP, (uint8_t)k};
	}
}

/* Unit normal deviates (Box-Muller from a fixed stream), exactly mean 0, variance 1. */
static void fill_gauss(float *g)
{
	uint64_t st = 0x5eed;
	double sum = 0, sum2 = 0;

	for (unsigned i = 0; i < GAUSS_SIZE; i += 2) {
		double u1 = ((next64(&st) >> 11) + 1) * 0x1.0p-53; /* (0, 1] */
		double u2 = (next64(&st) >> 11) * 0x1.0p-53;
		double r = sqrt(-2.0 * log(u1));

		g[i] = (float)(r * cos(2 * M_PI * u2));
		g[i + 1] = (float)(r * sin(2 * M_PI * u2));
	}
	for (unsigned i = 0; i < GAUSS_SIZE; i++) {
		sum += g[i];
		sum2 += (double)g[i] * g[i];
	}
	double mean = sum / GAUSS_SIZE, sd = sqrt(sum2 / GAUSS_SIZE - mean * mean);
	for (unsigned i = 0; i < GAUSS_SIZE; i++)
		g[i] = (float)((g[i] - mean) / sd);
}

/* Illuminant: black body sampled at each channel's peak, times its sensitivity. */
static void illuminant_response(const struct ph_sim_params *params, float resp[3])
{
	double kelvin = params->colour_temperature;

	kelvin = kelvin < 1000 ? 1000 : kelvin > 40000 ? 40000 : kelvin;
	double g = planck(channel_lambda[CH_G], kelvin) * sensitivity[CH_G];
	for (int c = 0; c < 3; c++)
		resp[c] = (float)(planck(channel_lambda[c], kelvin) * sensitivity[c] / g);
}

void ph_sim_params_ideal_colour_gains(const struct ph_sim_params *params, float gains[2])
{
	float resp[3];

	illuminant_response(params, resp);
	gains[0] = resp[CH_G] / resp[CH_R];
	gains[1] = resp[CH_G] / resp[CH_B];
}

static bool params_valid(const struct ph_sim_params *p)
{
	return p->width >= 2 && p->width <= SIM_MAX_DIM && p->height >= 2 &&
	       p->height <= SIM_MAX_DIM && (unsigned)p->order < PH_BAYER_NONE &&
	       p->bit_depth >= 8 && p->bit_depth <= 16 &&
	       p->black_level < (1u << p->bit_depth) - 1 && p->full_well > 0 &&
	       p->read_noise >= 0 && p->lux >= 0 &&
	       (p->scene == PH_SIM_SCENE_CHART || p->scene == PH_SIM_SCENE_FLAT);
}

struct ph_sim_scene *ph_sim_scene_new(const struct ph_sim_params *params)
{
	struct ph_sim_scene *s;

	if (!params || !params_valid(params))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->p = *params;
	s->p.model[sizeof(s->p.model) - 1] = '\0';
	s->w = params->width;
	s->h = params->height;
	memcpy(s->cfa, cfa_tables[params->order], sizeof(s->cfa));

	s->site = malloc((size_t)s->w * s->h * sizeof(*s->site));
	s->colr2 = malloc(s->w * sizeof(*s->colr2));
	s->rowr2 = malloc(s->h * sizeof(*s->rowr2));
	s->colpatch = malloc(s->w * sizeof(*s->colpatch));
	s->colramp = malloc(s->w * sizeof(*s->colramp));
	s->rows = malloc(s->h * sizeof(*s->rows));
	s->gauss = malloc(GAUSS_SIZE * sizeof(*s->gauss));
	if (!s->site || !s->colr2 || !s->rowr2 || !s->colpatch || !s->colramp || !s->rows ||
	    !s->gauss) {
		ph_sim_scene_free(s);
		return NULL;
	}

	illuminant_response(params, s->resp);

	/* 1 / (1 + a)^2 = 1 - vignetting at r = 1 */
	double vig = params->vignetting < 0	? 0
		     : params->vignetting > 0.9 ? 0.9
						: params->vignetting;
	s->vig_a = (float)(1.0 / sqrt(1.0 - vig) - 1.0);
	double rmax2 = (double)s->w * s->w / 4 + (double)s->h * s->h / 4;
	for (uint32_t x = 0; x < s->w; x++) {
		double d = x + 0.5 - s->w / 2.0;
		s->colr2[x] = (float)(d * d / rmax2);
	}
	for (uint32_t y = 0; y < s->h; y++) {
		double d = y + 0.5 - s->h / 2.0;
		s->rowr2[y] = (float)(d * d / rmax2);
	}

	for (int i = 0; i < 24; i++)
		for (int c = 0; c < 3; c++)
			s->patch[i][c] = (float)srgb_to_linear(colorchecker_srgb[i][c] / 255.0);
	if (params->scene == PH_SIM_SCENE_CHART) {
		layout_chart(s);
	} else {
		for (uint32_t x = 0; x < s->w; x++) {
			s->colpatch[x] = -1;
			s->colramp[x] = -1.0f;
		}
		for (uint32_t y = 0; y < s->h; y++)
			s->rows[y] = (struct row_info){ROW_FLAT, 0};
	}

	for (uint32_t y = 0; y < s->h; y++) {
		float *row = s->site + (size_t)y * s->w;
		const uint8_t *cfa = s->cfa + 2 * (y & 1);
		float rgb[3];

		for (uint32_t x = 0; x < s->w; x++) {
			unsigned c = cfa[x & 1];

			scene_refl(s, s->rows[y], x, rgb);
			row[x] = rgb[c] * s->resp[c] * vignetting(s, x, y);
		}
	}

	fill_gauss(s->gauss);
	for (unsigned i = 0; i < SRGB_LUT_SIZE; i++)
		s->srgb[i] =
			(uint8_t)lrint(255.0 * linear_to_srgb((double)i / (SRGB_LUT_SIZE - 1)));
	return s;
}

void ph_sim_scene_free(struct ph_sim_scene *scene)
{
	if (!scene)
		return;
	free(scene->site);
	free(scene->colr2);
	free(scene->rowr2);
	free(scene->colpatch);
	free(scene->colramp);
	free(scene->rows);
	free(scene->gauss);
	free(scene);
}

int ph_sim_chart_patch(const struct ph_sim_scene *scene, unsigned index, uint32_t rect[4])
{
	if (!scene || !rect || index >= 24 || scene->p.scene != PH_SIM_SCENE_CHART)
		return -EINVAL;
	memcpy(rect, scene->patch_rect[index], 4 * sizeof(uint32_t));
	return 0;
}

void ph_sim_ideal_colour_gains(const struct ph_sim_scene *scene, float gains[2])
{
	gains[0] = scene->resp[CH_G] / scene->resp[CH_R];
	gains[1] = scene->resp[CH_G] / scene->resp[CH_B];
}

float ph_sim_scene_lux(const struct ph_sim_scene *scene)
{
	return scene->p.lux;
}

/* Green electrons per unit site value (reflectance x vignetting x resp) in this frame. */
static double frame_electrons(const struct ph_sim_scene *s, const struct ph_sim_frame *f)
{
	double t = f->exposure_us > 0 ? f->exposure_us * 1e-6 : 0;

	return s->p.lux * SIM_K * t;
}

static double frame_gain(const struct ph_sim_frame *f)
{
	return f->gain > 0 ? f->gain : 0;
}

double ph_sim_expected_level(const struct ph_sim_scene *scene, const struct ph_sim_frame *frame,
			     double reflectance)
{
	double white = (double)((1u << scene->p.bit_depth) - 1) - scene->p.black_level;
	double e = reflectance * frame_electrons(scene, frame);

	if (e > scene->p.full_well)
		e = scene->p.full_well;
	double dn = e * frame_gain(frame) * white / scene->p.full_well;
	return dn > white ? white : dn;
}

/* The moving disc in this frame: it enters at the left at time 0 and wraps. */
struct disc {
	double cx, cy, r;
};

static struct disc disc_at(const struct ph_sim_scene *s, const struct ph_sim_frame *f)
{
	struct disc d = {.cy = DISC_Y * s->h, .r = DISC_RADIUS * s->h};
	double period = s->w + 2 * d.r;
	double phase = fmod(f->timestamp_ns * 1e-9 * s->p.object_speed * s->w, period);

	if (phase < 0)
		phase += period;
	d.cx = phase - d.r;
	if (s->p.scene != PH_SIM_SCENE_CHART)
		d.r = 0;
	return d;
}

/* Pixels [*x0, *x1) of row @p y whose centres lie inside the disc. */
static void disc_span(const struct disc *d, uint32_t y, uint32_t w, uint32_t *x0, uint32_t *x1)
{
	double dy = y + 0.5 - d->cy;

	*x0 = *x1 = 0;
	if (fabs(dy) >= d->r)
		return;
	double hw = sqrt(d->r * d->r - dy * dy);
	double lo = floor(d->cx - hw - 0.5) + 1, hi = ceil(d->cx + hw - 0.5);
	lo = lo < 0 ? 0 : lo > w ? w : lo;
	hi = hi < 0 ? 0 : hi > w ? w : hi;
	if (lo < hi) {
		*x0 = (uint32_t)lo;
		*x1 = (uint32_t)hi;
	}
}

enum packing {
	PACK_U16,
	PACK_10,
	PACK_12
};

static void pack_u16(const uint16_t *v, unsigned n, uint8_t *d)
{
	for (unsigned i = 0; i < n; i++) {
		d[2 * i] = (uint8_t)v[i];
		d[2 * i + 1] = (uint8_t)(v[i] >> 8);
	}
}

/* MIPI CSI-2 RAW10: 4 MSB bytes, then the 2 LSBs of pixels 0..3 in bits 1:0 .. 7:6. */
static void pack_10(const uint16_t *v, unsigned n, uint8_t *d)
{
	unsigned i = 0;

	for (; i + 4 <= n; i += 4, d += 5) {
		d[0] = (uint8_t)(v[i] >> 2);
		d[1] = (uint8_t)(v[i + 1] >> 2);
		d[2] = (uint8_t)(v[i + 2] >> 2);
		d[3] = (uint8_t)(v[i + 3] >> 2);
		d[4] = (uint8_t)((v[i] & 3) | (v[i + 1] & 3) << 2 | (v[i + 2] & 3) << 4 |
				 (v[i + 3] & 3) << 6);
	}
	if (i < n) { /* a partial last group, padded with zeros */
		uint16_t p[4] = {0, 0, 0, 0};

		for (unsigned k = 0; i + k < n; k++)
			p[k] = v[i + k];
		pack_10(p, 4, d);
	}
}

/* MIPI CSI-2 RAW12: 2 MSB bytes, then the low nibbles of pixel 0 (bits 3:0) and 1 (7:4). */
static void pack_12(const uint16_t *v, unsigned n, uint8_t *d)
{
	for (unsigned i = 0; i < n; i += 2, d += 3) {
		uint16_t p0 = v[i], p1 = i + 1 < n ? v[i + 1] : 0;

		d[0] = (uint8_t)(p0 >> 4);
		d[1] = (uint8_t)(p1 >> 4);
		d[2] = (uint8_t)((p0 & 15) | (p1 & 15) << 4);
	}
}

/* Per-frame constants of the raw conversion. */
struct raw_ctx {
	float e;       /* electrons per unit site value */
	float rn2;     /* read noise variance, e-^2 */
	float fw;      /* full well */
	float dnscale; /* DN per electron: gain x (white - black) / full well */
	float black;   /* black level + 0.5, for rounding by truncation */
	float maxv;    /* 2^bit_depth - 1 */
	const float *gauss;
};

static inline uint16_t to_dn(const struct raw_ctx *c, float e)
{
	e = e < c->fw ? e : c->fw;
	float dn = c->black + e * c->dnscale;
	dn = dn > 0.0f ? dn : 0.0f;
	dn = dn < c->maxv ? dn : c->maxv;
	return (uint16_t)dn;
}

/*
 * Shot noise (Poisson, as a Gaussian of variance = electrons) and read
 * noise (Gaussian) are independent, so their sum is one Gaussian of
 * variance electrons + read_noise^2: one table deviate per pixel.
 */
static inline uint16_t noisy_dn(const struct raw_ctx *c, float site, unsigned idx)
{
	float e = site * c->e;

	return to_dn(c, e + sqrtf(e + c->rn2) * c->gauss[idx]);
}

static void convert_noise(const struct raw_ctx *c, const float *sb, unsigned n, uint64_t *rng,
			  uint16_t *out)
{
	unsigned i = 0;

	for (; i + 4 <= n; i += 4) {
		uint64_t r = next64(rng);

		out[i] = noisy_dn(c, sb[i], r & 0xffff);
		out[i + 1] = noisy_dn(c, sb[i + 1], (r >> 16) & 0xffff);
		out[i + 2] = noisy_dn(c, sb[i + 2], (r >> 32) & 0xffff);
		out[i + 3] = noisy_dn(c, sb[i + 3], r >> 48);
	}
	if (i < n) {
		uint64_t r = next64(rng);

		for (; i < n; i++, r >>= 16)
			out[i] = noisy_dn(c, sb[i], r & 0xffff);
	}
}

static void convert_clean(const struct raw_ctx *c, const float *sb, unsigned n, uint16_t *out)
{
	for (unsigned i = 0; i < n; i++)
		out[i] = to_dn(c, sb[i] * c->e);
}

/* Test patterns are digital: fixed codes, no optics, exposure or noise. */
static void raw_test_pattern(const struct ph_sim_scene *s, int pattern, uint32_t y, uint32_t x0,
			     unsigned n, uint16_t *out)
{
	uint32_t white = (1u << s->p.bit_depth) - 1, black = s->p.black_level;
	uint16_t on = (uint16_t)(black + (3 * (white - black) + 2) / 4);
	const uint8_t *cfa = s->cfa + 2 * (y & 1);

	for (unsigned i = 0; i < n; i++) {
		uint32_t x = x0 + i;

		if (pattern == 1) {
			unsigned bar = (unsigned)((uint64_t)x * 8 / s->w);
			out[i] = (bar_masks[bar] >> cfa[x & 1]) & 1 ? on : (uint16_t)black;
		} else {
			uint64_t den = 2 * (uint64_t)(s->w - 1);
			out[i] = (uint16_t)((2 * (uint64_t)x * white + s->w - 1) / den);
		}
	}
}

int ph_sim_render_raw(const struct ph_sim_scene *scene, const struct ph_sim_frame *frame,
		      uint32_t fourcc, uint8_t *dst, uint32_t stride)
{
	const struct ph_sim_scene *s = scene;
	const struct ph_format_info *info = ph_format_get_info(fourcc);
	enum packing packing;
	uint32_t min_stride;

	if (!s || !frame || !dst || !info || info->bayer == PH_BAYER_NONE ||
	    info->bayer != s->p.order || info->bit_depth != s->p.bit_depth)
		return -EINVAL;
	if (!info->packed) {
		packing = PACK_U16;
		min_stride = 2 * s->w;
	} else if (info->bit_depth == 10) {
		packing = PACK_10;
		min_stride = (s->w + 3) / 4 * 5;
	} else if (info->bit_depth == 12) {
		packing = PACK_12;
		min_stride = (s->w + 1) / 2 * 3;
	} else {
		return -EINVAL;
	}
	if (stride < min_stride)
		return -EINVAL;

	struct raw_ctx c = {
		.e = (float)frame_electrons(s, frame),
		.rn2 = s->p.read_noise * s->p.read_noise,
		.fw = s->p.full_well,
		.dnscale =
			(float)(frame_gain(frame) *
				((1u << s->p.bit_depth) - 1 - s->p.black_level) / s->p.full_well),
		.black = s->p.black_level + 0.5f,
		.maxv = (float)((1u << s->p.bit_depth) - 1),
		.gauss = s->gauss,
	};
	int pattern =
		frame->test_pattern == 1 || frame->test_pattern == 2 ? frame->test_pattern : 0;
	struct disc d = disc_at(s, frame);
	float sb[CHUNK];
	uint16_t vals[CHUNK];

	for (uint32_t y = 0; y < s->h; y++) {
		const float *site = s->site + (size_t)y * s->w;
		const uint8_t *cfa = s->cfa + 2 * (y & 1);
		uint8_t *row = dst + (size_t)y * stride;
		uint64_t rng = row_state(s, frame->sequence, y);
		uint32_t dx0, dx1;

		disc_span(&d, y, s->w, &dx0, &dx1);
		for (uint32_t x0 = 0; x0 < s->w; x0 += CHUNK) {
			unsigned n = s->w - x0 < CHUNK ? s->w - x0 : CHUNK;

			if (pattern) {
				raw_test_pattern(s, pattern, y, x0, n, vals);
			} else {
				const float *src = site + x0;

				if (dx1 > x0 && dx0 < x0 + n) {
					uint32_t a = dx0 > x0 ? dx0 : x0;
					uint32_t b = dx1 < x0 + n ? dx1 : x0 + n;

					memcpy(sb, src, n * sizeof(float));
					for (uint32_t x = a; x < b; x++) {
						unsigned ch = cfa[x & 1];
						sb[x - x0] = disc_refl[ch] * s->resp[ch] *
							     vignetting(s, x, y);
					}
					src = sb;
				}
				if (s->p.noise)
					convert_noise(&c, src, n, &rng, vals);
				else
					convert_clean(&c, src, n, vals);
			}
			switch (packing) {
			case PACK_U16:
				pack_u16(vals, n, row + 2 * x0);
				break;
			case PACK_10:
				pack_10(vals, n, row + x0 / 4 * 5);
				break;
			case PACK_12:
				pack_12(vals, n, row + x0 / 2 * 3);
				break;
			}
		}
	}
	return 0;
}

/* Per-frame constants of processed rendering. */
struct proc_ctx {
	float scale[3]; /* fraction of full scale per unit reflectance x vignetting */
	float gain;
	float wb[3];
	uint32_t out_w, out_h;
	uint64_t xstep; /* sensor x per output x, 32.32 fixed point */
	int pattern;
	struct disc disc;
};

/* One output row's pixels [ox0, ox0 + n) as 8-bit sRGB R, G, B. */
static void proc_row(const struct ph_sim_scene *s, const struct proc_ctx *c, uint32_t oy,
		     uint32_t ox0, unsigned n, uint8_t *rgb)
{
	if (c->pattern == 1) {
		for (unsigned i = 0; i < n; i++) {
			unsigned bar = (unsigned)((uint64_t)(ox0 + i) * 8 / c->out_w);
			for (int ch = 0; ch < 3; ch++)
				rgb[3 * i + ch] = (bar_masks[bar] >> ch) & 1 ? 191 : 0;
		}
		return;
	}
	if (c->pattern == 2) {
		uint64_t den = c->out_w > 1 ? 2 * (uint64_t)(c->out_w - 1) : 2;
		for (unsigned i = 0; i < n; i++) {
			uint8_t v = (uint8_t)((2 * (uint64_t)(ox0 + i) * 255 + den / 2) / den);
			rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = v;
		}
		return;
	}

	/* nearest sensor sample: the one under the output pixel's centre */
	uint32_t sy = (uint32_t)(((2 * (uint64_t)oy + 1) * s->h) / (2 * (uint64_t)c->out_h));
	struct row_info ri = s->rows[sy];
	uint32_t dx0, dx1;

	disc_span(&c->disc, sy, s->w, &dx0, &dx1);
	for (unsigned i = 0; i < n; i++) {
		uint64_t pos = (uint64_t)(ox0 + i) * c->xstep + c->xstep / 2;
		uint32_t sx = (uint32_t)(pos >> 32);
		float refl[3];

		sx = sx < s->w ? sx : s->w - 1;
		if (sx >= dx0 && sx < dx1) {
			refl[0] = disc_refl[0];
			refl[1] = disc_refl[1];
			refl[2] = disc_refl[2];
		} else {
			scene_refl(s, ri, sx, refl);
		}
		float vig = vignetting(s, sx, sy);
		for (int ch = 0; ch < 3; ch++) {
			/* clip at full well, then at the ADC's full scale, then after white balance
			 */
			float v = refl[ch] * vig * c->scale[ch];
			v = (v < 1.0f ? v : 1.0f) * c->gain;
			v = (v < 1.0f ? v : 1.0f) * c->wb[ch];
			v = v < 1.0f ? v : 1.0f;
			rgb[3 * i + ch] = s->srgb[(unsigned)(v * (SRGB_LUT_SIZE - 1) + 0.5f)];
		}
	}
}

/* BT.601 limited range from 8-bit R'G'B' (integer approximation, offsets keep it unsigned). */
static inline uint8_t rgb_y(int r, int g, int b)
{
	return (uint8_t)(((66 * r + 129 * g + 25 * b + 128) >> 8) + 16);
}

static inline uint8_t rgb_cb(int r, int g, int b)
{
	return (uint8_t)((-38 * r - 74 * g + 112 * b + 128 + (128 << 8)) >> 8);
}

static inline uint8_t rgb_cr(int r, int g, int b)
{
	return (uint8_t)((112 * r - 94 * g - 18 * b + 128 + (128 << 8)) >> 8);
}

int ph_sim_render_processed(const struct ph_sim_scene *scene, const struct ph_sim_frame *frame,
			    const float colour_gains[2], uint32_t fourcc, uint32_t width,
			    uint32_t height, uint8_t *dst, uint32_t stride, uint8_t *chroma)
{
	const struct ph_sim_scene *s = scene;
	uint32_t min_stride;

	if (!s || !frame || !colour_gains || !dst || !width || !height || width > SIM_MAX_DIM ||
	    height > SIM_MAX_DIM)
		return -EINVAL;
	switch (fourcc) {
	case PH_FORMAT_RGB888:
	case PH_FORMAT_BGR888:
		min_stride = 3 * width;
		break;
	case PH_FORMAT_YUYV:
		min_stride = (width + 1) / 2 * 4;
		break;
	case PH_FORMAT_NV12:
		min_stride = (width + 1) / 2 * 2;
		break;
	default:
		return -EINVAL;
	}
	if (stride < min_stride)
		return -EINVAL;

	double fs = frame_electrons(s, frame) / s->p.full_well;
	struct proc_ctx c = {
		.gain = (float)frame_gain(frame),
		.wb = {colour_gains[0] > 0 ? colour_gains[0] : 0, 1.0f,
		       colour_gains[1] > 0 ? colour_gains[1] : 0},
		.out_w = width,
		.out_h = height,
		.xstep = ((uint64_t)s->w << 32) / width,
		.pattern = frame->test_pattern == 1 || frame->test_pattern == 2
				   ? frame->test_pattern
				   : 0,
		.disc = disc_at(s, frame),
	};
	for (int ch = 0; ch < 3; ch++)
		c.scale[ch] = (float)(s->resp[ch] * fs);

	uint8_t rgb[2][3 * CHUNK];

	if (fourcc == PH_FORMAT_NV12) {
		uint8_t *uv_plane = chroma ? chroma : dst + (size_t)stride * height;

		for (uint32_t y = 0; y < height; y += 2) {
			uint8_t *y0 = dst + (size_t)y * stride;
			uint8_t *y1 = y + 1 < height ? y0 + stride : NULL;
			uint8_t *uv = uv_plane + (size_t)(y / 2) * stride;

			for (uint32_t x0 = 0; x0 < width; x0 += CHUNK) {
				unsigned n = width - x0 < CHUNK ? width - x0 : CHUNK;

				proc_row(s, &c, y, x0, n, rgb[0]);
				if (y1)
					proc_row(s, &c, y + 1, x0, n, rgb[1]);
				else
					memcpy(rgb[1], rgb[0], 3 * n);
				for (unsigned i = 0; i < n; i++) {
					const uint8_t *a = rgb[0] + 3 * i, *b = rgb[1] + 3 * i;
					y0[x0 + i] = rgb_y(a[0], a[1], a[2]);
					if (y1)
						y1[x0 + i] = rgb_y(b[0], b[1], b[2]);
				}
				/* chroma: the average of each 2x2 block (or what exists of it) */
				for (unsigned i = 0; i < n; i += 2) {
					unsigned k = i + 1 < n ? 1 : 0;
					int sum[3];

					for (int ch = 0; ch < 3; ch++)
						sum[ch] = (rgb[0][3 * i + ch] + rgb[1][3 * i + ch] +
							   rgb[0][3 * (i + k) + ch] +
							   rgb[1][3 * (i + k) + ch] + 2) >>
							  2;
					uv[x0 + i] = rgb_cb(sum[0], sum[1], sum[2]);
					uv[x0 + i + 1] = rgb_cr(sum[0], sum[1], sum[2]);
				}
			}
		}
		return 0;
	}

	for (uint32_t y = 0; y < height; y++) {
		uint8_t *row = dst + (size_t)y * stride;

		for (uint32_t x0 = 0; x0 < width; x0 += CHUNK) {
			unsigned n = width - x0 < CHUNK ? width - x0 : CHUNK;
			const uint8_t *p = rgb[0];

			proc_row(s, &c, y, x0, n, rgb[0]);
			switch (fourcc) {
			case PH_FORMAT_RGB888:
				memcpy(row + 3 * x0, p, 3 * n);
				break;
			case PH_FORMAT_BGR888:
				for (unsigned i = 0; i < n; i++) {
					row[3 * (x0 + i)] = p[3 * i + 2];
					row[3 * (x0 + i) + 1] = p[3 * i + 1];
					row[3 * (x0 + i) + 2] = p[3 * i];
				}
				break;
			default: /* YUYV: chroma from the average of each pair */
				for (unsigned i = 0; i < n; i += 2) {
					const uint8_t *a = p + 3 * i;
					const uint8_t *b = i + 1 < n ? a + 3 : a;
					uint8_t *o = row + 2 * (x0 + i);
					int r = (a[0] + b[0] + 1) >> 1, g = (a[1] + b[1] + 1) >> 1;
					int bl = (a[2] + b[2] + 1) >> 1;

					o[0] = rgb_y(a[0], a[1], a[2]);
					o[1] = rgb_cb(r, g, bl);
					o[2] = rgb_y(b[0], b[1], b[2]);
					o[3] = rgb_cr(r, g, bl);
				}
				break;
			}
		}
	}
	return 0;
}

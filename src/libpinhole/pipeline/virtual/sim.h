/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The simulated raw sensor: a scene (colour chart, gradients, a moving
 * object, test patterns) lit by an illuminant of a given colour temperature,
 * seen through a vignetting lens by a Bayer sensor with shot and read noise,
 * black level and clipping. Pure functions of their inputs: no V4L2, no
 * core objects, no global state, so tests can drive them directly.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pinhole/format.h>

enum ph_sim_scene_kind {
	PH_SIM_SCENE_CHART = 0, /* 24-patch colour chart, grey ramp, colour ramps, moving ball */
	PH_SIM_SCENE_FLAT = 1,	/* uniform grey (18% reflectance): for noise and level tests */
};

/* Static parameters of the simulated sensor and its scene. */
struct ph_sim_params {
	char model[32];		   /* sensor model name, reported as the Model property */
	uint32_t width, height;	   /* pixel array (even numbers) */
	enum ph_bayer_order order; /* native CFA order */
	unsigned bit_depth;	   /* 10 or 12 */
	uint32_t black_level;	   /* DN at bit_depth */
	float full_well;	   /* electrons at saturation */
	float read_noise;	   /* electrons rms */
	bool noise;		   /* add shot and read noise */
	enum ph_sim_scene_kind scene;
	float lux;		     /* scene illuminance */
	uint32_t colour_temperature; /* illuminant, kelvin */
	float vignetting;	     /* relative light loss in the corners, 0..0.9 */
	float object_speed;	     /* moving object, pixel-array widths per second */
	uint64_t seed;		     /* noise seed */
};

/* Fill @p params with the defaults documented in doc/virtual-camera.md. */
void ph_sim_params_default(struct ph_sim_params *params);

/* What one frame is taken with. */
struct ph_sim_frame {
	double exposure_us;    /* exposure time */
	double gain;	       /* analogue gain, >= 1 */
	uint64_t timestamp_ns; /* start of exposure; positions the moving object */
	uint32_t sequence;     /* frame number; varies the noise */
	int test_pattern;      /* 0 scene, 1 colour bars, 2 grey ramp */
};

/* A scene prepared for one sensor: precomputed reflectance and vignetting. */
struct ph_sim_scene;

/*
 * @return a scene for @p params, or NULL on allocation failure or invalid
 * parameters (size outside 2..16384, bit depth outside 8..16, black level
 * not below the white level, full well <= 0, bad order or scene kind).
 * The render functions only read the scene: several threads may render
 * from one scene at once.
 */
struct ph_sim_scene *ph_sim_scene_new(const struct ph_sim_params *params);
void ph_sim_scene_free(struct ph_sim_scene *scene);

/*
 * Render a raw frame of the full pixel array in @p fourcc (a Bayer format
 * of the scene's bit depth, unpacked 16-bit LE or CSI-2 packed; its order
 * must be the native one) into @p dst with @p stride bytes per line.
 * @return 0 or -EINVAL for a format the scene cannot produce.
 */
int ph_sim_render_raw(const struct ph_sim_scene *scene, const struct ph_sim_frame *frame,
		      uint32_t fourcc, uint8_t *dst, uint32_t stride);

/*
 * Render a processed image directly from the scene, as a perfect ISP
 * would: exposure and gain as for raw, white balance by @p colour_gains
 * (red, blue; relative to green), sRGB transfer curve, no noise, scaled to
 * @p width x @p height (nearest sample). @p fourcc is PH_FORMAT_RGB888,
 * PH_FORMAT_BGR888, PH_FORMAT_YUYV or PH_FORMAT_NV12 (BT.601 limited
 * range; the CbCr plane at @p chroma, with the same stride, or at
 * @p dst + @p stride * @p height if @p chroma is NULL).
 * @return 0 or -EINVAL for an unsupported format.
 */
int ph_sim_render_processed(const struct ph_sim_scene *scene, const struct ph_sim_frame *frame,
			    const float colour_gains[2], uint32_t fourcc, uint32_t width,
			    uint32_t height, uint8_t *dst, uint32_t stride, uint8_t *chroma);

/* The colour gains (red, blue) that neutralise the illuminant of @p params. */
void ph_sim_params_ideal_colour_gains(const struct ph_sim_params *params, float gains[2]);

/* The colour gains (red, blue) that neutralise the scene's illuminant. */
void ph_sim_ideal_colour_gains(const struct ph_sim_scene *scene, float gains[2]);

/* Mean raw level (DN above black) a perfect grey of @p reflectance gives at centre. */
double ph_sim_expected_level(const struct ph_sim_scene *scene, const struct ph_sim_frame *frame,
			     double reflectance);

/*
 * Where chart patch @p index (0..23, row-major as on the ColorChecker:
 * 0 dark skin .. 14 red .. 18 white .. 21 neutral 5 .. 23 black) lies on the
 * pixel array: @p rect = x, y, width, height. For tests and tuning.
 * @return 0, or -EINVAL for a bad index or a scene without a chart.
 */
int ph_sim_chart_patch(const struct ph_sim_scene *scene, unsigned index, uint32_t rect[4]);

/* Estimated scene illuminance in lux. */
float ph_sim_scene_lux(const struct ph_sim_scene *scene);

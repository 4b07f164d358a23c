/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the pipelines that run the software ISP with an IPA module share
 * (the virtual camera, the simple pipeline): sensor controls with write
 * delays, the ISP's output formats, and the glue between the ISP and the
 * IPA module ABI.
 */

#include <stdbool.h>
#include <stdint.h>

#include "core/internal.h"
#include "ipa/ipa.h"
#include "isp/isp.h"

#define PH_DELAYED_MAX 4 /* frames a sensor register write may take to apply */

/* A sensor register with a write pipeline: written at one frame, in effect from a later one. */
struct ph_delayed_control {
	double current;
	struct {
		uint64_t from; /* first frame taken with value */
		double value;
	} queue[PH_DELAYED_MAX + 1];
	unsigned count;
};

void ph_delayed_reset(struct ph_delayed_control *dc, double value);
/* @value is in effect from frame @from; a later write overrides queued ones no earlier. */
void ph_delayed_set(struct ph_delayed_control *dc, uint64_t from, double value);
/* Advance to frame @frame: @return the value it is taken with. */
double ph_delayed_at(struct ph_delayed_control *dc, uint64_t frame);

/* Every format the software ISP writes. */
extern const uint32_t ph_soft_isp_formats[];
extern const unsigned ph_soft_isp_format_count;
bool ph_soft_isp_writes(uint32_t fourcc);

/*
 * What validating stream @i of @config means on every software-ISP camera,
 * once the pipeline has chosen its format and the sensor mode @mode_w x
 * @mode_h: a processed stream is the mode or its 2x2-binned half (the
 * nearer; the half only when even and at least 64x64), its colour space is
 * sRGB for RGB and what was asked for YUV (else JPEG for stills, Rec.709
 * otherwise), 1 to 16 buffers (@default_buffers if none asked), rows aligned
 * to @stride_align bytes. Adjustments are
 * recorded in the stream and the config's message. A raw stream is the
 * mode. @return false if the
 * format cannot be laid out.
 */
bool ph_soft_isp_fit_stream(struct ph_config *config, unsigned i, uint32_t mode_w, uint32_t mode_h,
			    uint32_t stride_align, uint32_t default_buffers);

/*
 * Declare the controls the software ISP and the IPA module bring (colour
 * gains with default @colour_gains, colour temperature, brightness,
 * contrast, saturation, AE/AWB enables, metering, flicker, exposure value),
 * except those @cam has declared already (a device's own).
 */
int ph_soft_isp_add_controls(struct ph_camera *cam, const float colour_gains[2]);

/* The ISP parameters of a frame from the IPA's (demosaic left as it is). */
void ph_soft_isp_params_from_ipa(struct ph_isp_params *out, const struct ph_ipa_isp_params *in);
/* The ISP's statistics in the module ABI's layout; @full_scale: white - black, 16-bit scale. */
void ph_soft_isp_ipa_stats(const struct ph_isp_stats *in, uint32_t full_scale,
			   struct ph_ipa_stats *out);
/* Fill @out with @buf's mapped planes, as stream @sc of a @mode_width wide mode. False if unmapped.
 */
bool ph_soft_isp_output(struct ph_buffer *buf, const struct ph_stream_config *sc,
			uint32_t mode_width, struct ph_isp_output *out);
/* A buffer's frame is done (@ret < 0: failed). */
void ph_soft_isp_finish_buffer(struct ph_buffer *buf, uint32_t sequence, uint64_t timestamp_ns,
			       int ret);

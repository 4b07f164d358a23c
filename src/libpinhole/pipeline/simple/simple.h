/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The "simple" pipeline's processing path: raw Bayer frames from one
 * capture node through the software ISP, with the simple IPA module in
 * the loop exactly as the virtual camera runs it (request controls to the
 * IPA, its sensor controls written to V4L2 with the sensor's delays, ISP
 * parameters from it, statistics back, metadata). The camera around it
 * (pipeline/uvc/uvc.c) hands it raw frames.
 */

#include "pipeline/soft-isp.h"
#include "pipeline/v4l2/v4l2-camera.h"
#include "pipeline/v4l2/v4l2-ctrls.h"

/* The sensor mode: the raw format and size captured from the node. */
struct ph_simple_mode {
	uint32_t fourcc; /* V4L2 = Pinhole fourcc of a raw format */
	uint32_t width, height, stride;
};

struct ph_simple_isp;

struct ph_simple_isp *ph_simple_isp_new(struct ph_camera *camera, struct ph_v4l2_ctrls *ctrls,
					const char *model);
void ph_simple_isp_free(struct ph_simple_isp *isp);

/* Raw formats of the node, best first (10 and 12 bits before 8 and 16). */
const struct ph_v4l2_format_desc *ph_simple_default_raw(const struct ph_v4l2_format_desc *formats,
							unsigned count);

/*
 * Validate @config for the processing path: at most one raw and two
 * processed streams; the mode is the largest processed stream's size (or
 * the raw stream's when the processed ones are it or half of it).
 */
enum ph_config_status ph_simple_validate(struct ph_camera *camera,
					 const struct ph_v4l2_format_desc *formats, unsigned count,
					 struct ph_config *config, struct ph_simple_mode *mode);
/* Offer the processing path's formats for stream @index of @role. */
int ph_simple_add_formats(const struct ph_v4l2_format_desc *formats, unsigned count,
			  struct ph_config *config, unsigned index, enum ph_stream_role role);

int ph_simple_isp_configure(struct ph_simple_isp *isp, const struct ph_simple_mode *mode,
			    uint32_t interval_us);
/* Start: sensor controls to manual (the IPA runs AE), the IPA started. */
int ph_simple_isp_start(struct ph_simple_isp *isp, int fd, const struct ph_control_list *controls,
			uint32_t interval_us);
void ph_simple_isp_stop(struct ph_simple_isp *isp);
/* One raw frame for @request: IPA, ISP into every buffer, metadata; then complete it. */
void ph_simple_isp_frame(struct ph_simple_isp *isp, int fd, struct ph_request *request,
			 const uint8_t *raw, const struct ph_v4l2_buffer *buf);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Pinhole controls mapped onto a V4L2 node's controls (controls.c says the units). */

#include "pipeline/v4l2/v4l2-camera.h"

#define PH_V4L2_MAX_MAPPED 12

enum ph_v4l2_ctrl_kind {
	PH_V4L2_CTRL_DIRECT,	     /* same unit */
	PH_V4L2_CTRL_OFFSET,	     /* -1..1 over the range either side of the default */
	PH_V4L2_CTRL_SCALE,	     /* multiplier of the default value */
	PH_V4L2_CTRL_EXPOSURE_100US, /* us <-> 100 us */
	PH_V4L2_CTRL_BOOL,
};

struct ph_v4l2_ctrl_map {
	uint32_t ph_id;
	struct ph_v4l2_control v4l2;
	enum ph_v4l2_ctrl_kind kind;
};

struct ph_v4l2_ctrls {
	struct ph_v4l2_ctrl_map map[PH_V4L2_MAX_MAPPED];
	int64_t current[PH_V4L2_MAX_MAPPED]; /* last value written or read */
	unsigned count;
	struct ph_v4l2_control exposure_auto, autogain; /* id 0 if absent */
	bool ae_current;
};

/* Map the controls of @wanted (bit n = Pinhole control id n) that the node has. */
void ph_v4l2_ctrls_init(struct ph_v4l2_ctrls *ctrls, const struct ph_v4l2_control *controls,
			unsigned count, uint64_t wanted);
const struct ph_v4l2_ctrl_map *ph_v4l2_ctrls_find(const struct ph_v4l2_ctrls *ctrls,
						  uint32_t ph_id);
bool ph_v4l2_ctrls_has_ae(const struct ph_v4l2_ctrls *ctrls);
/* Declare the mapped controls (and AeEnable) on @camera with converted ranges. */
int ph_v4l2_ctrls_declare(const struct ph_v4l2_ctrls *ctrls, struct ph_camera *camera);
/* Write @list's mapped controls to @fd now, or into media request @request_fd. */
int ph_v4l2_ctrls_apply(struct ph_v4l2_ctrls *ctrls, int fd, const struct ph_control_list *list,
			int request_fd);
/* Read the current values from @fd. */
void ph_v4l2_ctrls_read(struct ph_v4l2_ctrls *ctrls, int fd);
/* Report the current values into @metadata. */
void ph_v4l2_ctrls_metadata(const struct ph_v4l2_ctrls *ctrls, struct ph_control_list *metadata);

/* Conversions of one value. */
struct ph_control_value ph_v4l2_ctrl_to_ph(const struct ph_v4l2_ctrl_map *map, int64_t value);
int64_t ph_v4l2_ctrl_to_v4l2(const struct ph_v4l2_ctrl_map *map,
			     const struct ph_control_value *value);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The route of a media-controller-centric capture node (V4L2_CAP_IO_MC):
 * the chain of sub-devices feeding it through enabled links, from the
 * sensor (first hop) to the one whose source pad feeds the node (last hop),
 * as in vimc or a SoC camera interface. Such drivers leave configuring the
 * chain to userspace: every pad on the way must carry the media-bus format
 * the next one expects, or streaming fails with EPIPE. Controls of such a
 * camera live on the sensor sub-device, not on the video node.
 *
 * Streaming validates every enabled link of the connected graph, also
 * branches leaving the route to idle nodes (vimc's sensor feeds a debayer
 * and a raw capture node at once): the route keeps those branches and
 * gives them the formats arriving from the route, or refuses the mode.
 *
 * A route mode is one way to get a pixel format out of the node: the
 * media-bus code each hop's source pad sends. The probe finds them by
 * trying the chain with the sub-devices' TRY formats (each file handle's
 * own scratch state), so it changes nothing and works while another
 * process streams.
 */

#include "media/media-device.h"
#include "media/subdev.h"
#include "media/v4l2.h"

#define PH_V4L2_ROUTE_MAX_HOPS	   8
#define PH_V4L2_ROUTE_MAX_MODES	   32
#define PH_V4L2_ROUTE_MAX_BRANCHES 16

struct ph_v4l2_route_hop {
	struct ph_v4l2_subdev *sd;
	char name[64];	   /* the entity's */
	uint32_t sink_pad; /* pad indices; sink unused on the first hop */
	uint32_t source_pad;
};

/* A sub-device or video node hanging off the route, fed by @from's pad @from_pad. */
struct ph_v4l2_route_branch {
	char name[64];
	struct ph_v4l2_subdev *from; /* a hop's or an earlier branch's (not owned) */
	uint32_t from_pad;
	struct ph_v4l2_subdev *sd;   /* a sub-device, fed at its pad @pad, or */
	struct ph_v4l2_device *node; /* a video node */
	uint32_t pad;
};

struct ph_v4l2_route_mode {
	uint32_t fourcc;			/* what the node then delivers */
	uint32_t codes[PH_V4L2_ROUTE_MAX_HOPS]; /* of each hop's source pad */
};

struct ph_v4l2_route {
	struct ph_v4l2_route_hop hops[PH_V4L2_ROUTE_MAX_HOPS];
	unsigned hop_count;
	struct ph_v4l2_route_branch branches[PH_V4L2_ROUTE_MAX_BRANCHES]; /* upstream first */
	unsigned branch_count;
};

/*
 * The route into the node @major:@minor of media device @md, its
 * sub-devices and branches opened. -ENOENT if no sub-device feeds the node, -ENOTSUP if the chain
 * passes an entity without a sub-device node or forks.
 */
int ph_v4l2_route_open(struct ph_context *ctx, struct ph_media_device *md, uint32_t major,
		       uint32_t minor, struct ph_v4l2_route *route);
void ph_v4l2_route_close(struct ph_v4l2_route *route);
/* The sensor's sub-device (first hop), where the camera's controls are. */
struct ph_v4l2_subdev *ph_v4l2_route_sensor(const struct ph_v4l2_route *route);

/* Every pixel format the route can bring to @node, one mode each (TRY formats only). */
int ph_v4l2_route_probe_modes(struct ph_v4l2_route *route, struct ph_v4l2_device *node,
			      struct ph_v4l2_route_mode *modes, unsigned *count);
/*
 * Set @mode's formats along the chain for a @width x @height frame, sensor
 * first; the size arriving at the node comes back in @width, @height.
 */
int ph_v4l2_route_configure(struct ph_v4l2_route *route, const struct ph_v4l2_route_mode *mode,
			    uint32_t *width, uint32_t *height);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * V4L2 cameras in the context: every video node found at creation, and
 * the ones that come and go later, is probed (capabilities, formats,
 * controls; no stream is opened) and offered to the pipelines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/v4l2/v4l2-camera.h"

extern const struct ph_pipeline_ops ph_uvc_ops, ph_simple_ops;

/* Every V4L2 camera's private data starts with the node it was made from. */
struct v4l2_camera_head {
	char *devnode;
};

static bool camera_of_node(const struct ph_camera *cam, const char *devnode)
{
	const struct v4l2_camera_head *head = cam->priv;

	return (cam->ops == &ph_uvc_ops || cam->ops == &ph_simple_ops) && head &&
	       !strcmp(head->devnode, devnode);
}

static bool node_known(struct ph_context *ctx, const char *devnode)
{
	struct ph_camera *cam, *tmp;

	ph_list_for_each_safe(cam, tmp, &ctx->cameras, struct ph_camera, link)
	{
		if (camera_of_node(cam, devnode))
			return true;
	}
	return false;
}

/* Keep only the formats some route mode delivers. */
static void keep_route_formats(struct ph_v4l2_probe *probe)
{
	unsigned kept = 0;

	for (unsigned i = 0; i < probe->format_count; i++) {
		bool reachable = false;

		for (unsigned m = 0; m < probe->mode_count; m++)
			reachable |= probe->modes[m].fourcc == probe->formats[i].fourcc;
		if (reachable)
			probe->formats[kept++] = probe->formats[i];
		else
			free(probe->formats[i].sizes);
	}
	probe->format_count = kept;
}

/*
 * A node that leaves its sub-devices to userspace (V4L2_CAP_IO_MC): find
 * what the chain feeding it can deliver, and take the sensor's controls.
 * A node without such a chain is probed like any other.
 */
static int probe_route(struct ph_context *ctx, struct ph_v4l2_probe *probe)
{
	struct ph_media_device *md;
	struct ph_v4l2_route route;
	int ret;

	if (!(probe->dev->device_caps & V4L2_CAP_IO_MC))
		return 0;
	md = ph_media_device_of_node(ctx, probe->bus_info, probe->node->major, probe->node->minor);
	if (!md)
		return 0;
	ret = ph_v4l2_route_open(ctx, md, probe->node->major, probe->node->minor, &route);
	if (ret < 0) {
		ph_dbg(ctx, "%s: no sub-device route: %s\n", probe->node->devnode, strerror(-ret));
		ph_media_device_close(md);
		return ret == -ENOMEM ? ret : 0;
	}
	ret = ph_v4l2_route_probe_modes(&route, probe->dev, probe->modes, &probe->mode_count);
	if (ret == 0 && probe->mode_count) {
		free(probe->controls);
		probe->controls = NULL;
		probe->control_count = 0;
		ret = ph_v4l2_query_controls(ph_v4l2_route_sensor(&route)->fd, &probe->controls,
					     &probe->control_count);
		snprintf(probe->sensor, sizeof(probe->sensor), "%s", route.hops[0].name);
		keep_route_formats(probe);
		ph_dbg(ctx, "%s: %u formats through %u sub-devices from %s\n", probe->node->devnode,
		       probe->mode_count, route.hop_count, probe->sensor);
	}
	ph_v4l2_route_close(&route);
	ph_media_device_close(md);
	return ret;
}

static void probe_node(struct ph_context *ctx, const struct ph_media_node *node)
{
	struct ph_v4l2_probe probe = {.node = node};
	bool made;
	int ret;

	if (node_known(ctx, node->devnode))
		return;
	probe.dev = ph_v4l2_open(ctx, node->devnode);
	if (!probe.dev) {
		ph_dbg(ctx, "%s: cannot open: %s\n", node->devnode, strerror(errno));
		return;
	}
	if (!ph_v4l2_caps_is_capture(probe.dev->device_caps)) {
		ph_dbg(ctx, "%s: not a video capture node\n", node->devnode);
		goto out;
	}
	memcpy(probe.driver, probe.dev->caps.driver, sizeof(probe.dev->caps.driver));
	memcpy(probe.card, probe.dev->caps.card, sizeof(probe.dev->caps.card));
	memcpy(probe.bus_info, probe.dev->caps.bus_info, sizeof(probe.dev->caps.bus_info));
	probe.driver[sizeof(probe.driver) - 1] = '\0';
	probe.card[sizeof(probe.card) - 1] = '\0';
	probe.bus_info[sizeof(probe.bus_info) - 1] = '\0';
	ret = ph_v4l2_enum_formats(probe.dev, &probe.formats, &probe.format_count);
	if (ret == 0)
		ret = ph_v4l2_query_controls(probe.dev->fd, &probe.controls, &probe.control_count);
	if (ret == 0)
		ret = probe_route(ctx, &probe);
	if (ret < 0) {
		ph_warn(ctx, "%s: cannot probe: %s\n", node->devnode, strerror(-ret));
		goto out;
	}
	/* What the device reports for each format (colour space, line padding). */
	for (unsigned i = 0; i < probe.format_count; i++) {
		struct ph_v4l2_format_desc *f = &probe.formats[i];

		f->tried = (struct ph_v4l2_pix){.fourcc = f->fourcc};
		if (f->size_count) {
			f->tried.width = f->sizes[0].width;
			f->tried.height = f->sizes[0].height;
		}
		if (ph_v4l2_set_format(probe.dev, &f->tried, false) < 0)
			f->tried.fourcc = 0;
	}
	/* One camera per node: "uvc" for processed frames, "simple" for raw sensors. */
	made = ph_uvc_probe(ctx, &probe) > 0 || ph_simple_probe(ctx, &probe) > 0;
	if (!made)
		ph_dbg(ctx, "%s (%s): no pipeline takes it\n", node->devnode, probe.driver);
out:
	ph_v4l2_free_formats(probe.formats, probe.format_count);
	free(probe.controls);
	ph_v4l2_close(probe.dev);
}

static void on_hotplug(void *data, bool added, const struct ph_media_node *node)
{
	struct ph_context *ctx = data;
	struct ph_camera *cam, *tmp;

	if (added) {
		ph_dbg(ctx, "video node %s added\n", node->devnode);
		probe_node(ctx, node);
		return;
	}
	ph_dbg(ctx, "video node %s removed\n", node->devnode);
	ph_list_for_each_safe(cam, tmp, &ctx->cameras, struct ph_camera, link)
	{
		if (camera_of_node(cam, node->devnode))
			ph_camera_remove(cam);
	}
}

int ph_pipeline_v4l2_init(struct ph_context *ctx)
{
	struct ph_media_node *nodes;
	unsigned count;
	int ret;

	/* Watch first, then list: a node appearing in between is seen twice, not missed. */
	ctx->media_monitor = ph_media_monitor_new(ctx, ctx->loop, on_hotplug, ctx);
	if (ctx->media_monitor)
		ph_dbg(ctx, "V4L2 hotplug from %s events\n",
		       ph_media_monitor_source(ctx->media_monitor));
	ret = ph_media_enumerate(ctx, &nodes, &count);
	if (ret < 0) {
		ph_warn(ctx, "cannot list V4L2 devices: %s\n", strerror(-ret));
		return ret;
	}
	for (unsigned i = 0; i < count; i++)
		probe_node(ctx, &nodes[i]);
	ph_media_nodes_free(nodes, count);
	return 0;
}

void ph_pipeline_v4l2_fini(struct ph_context *ctx)
{
	ph_media_monitor_free(ctx->media_monitor);
	ctx->media_monitor = NULL;
}

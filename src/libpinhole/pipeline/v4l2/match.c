/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * V4L2 cameras in the context: every video node found at creation, and
 * the ones that come and go later, is probed (capabilities, formats,
 * controls; no stream is opened) and offered to the pipelines.
 */
#include <errno.h>
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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "media/enumerator.h"
#include "pipeline/v4l2/route.h"

#define TRY    V4L2_SUBDEV_FORMAT_TRY
#define ACTIVE V4L2_SUBDEV_FORMAT_ACTIVE

/* Format changes the probe may try: enough for vimc's 20 codes across 3 hops, bounded. */
#define PROBE_BUDGET 2048

static const struct ph_media_entity *entity_by_id(const struct ph_media_device *md, uint32_t id)
{
	for (unsigned i = 0; i < md->entity_count; i++)
		if (md->entities[i].id == id)
			return &md->entities[i];
	return NULL;
}

/* The one enabled data link into @entity: 1 found, 0 none, -ENOTSUP if several. */
static int link_into(const struct ph_media_device *md, uint32_t entity,
		     const struct ph_media_pad **source, const struct ph_media_pad **sink)
{
	int found = 0;

	for (unsigned i = 0; i < md->link_count; i++) {
		const struct ph_media_link *l = &md->links[i];
		const struct ph_media_pad *to, *from;

		if ((l->flags & MEDIA_LNK_FL_LINK_TYPE) != MEDIA_LNK_FL_DATA_LINK ||
		    !(l->flags & MEDIA_LNK_FL_ENABLED))
			continue;
		to = ph_media_find_pad(md, l->sink_id);
		from = ph_media_find_pad(md, l->source_id);
		if (!to || !from || to->entity_id != entity)
			continue;
		if (found++)
			return -ENOTSUP;
		*source = from;
		*sink = to;
	}
	return found;
}

static bool on_route(const struct ph_v4l2_route *route, const struct ph_media_entity *const *ents,
		     const struct ph_media_entity *e)
{
	for (unsigned i = 0; i < route->hop_count; i++)
		if (ents[i] == e)
			return true;
	return false;
}

/*
 * Every entity fed through enabled links from the route's hops, except the
 * route's own: breadth first, so that each branch comes after what feeds it.
 * @up_entities are the hops' entities, node first (as route_open found them).
 */
static int open_branches(struct ph_context *ctx, const struct ph_media_device *md,
			 struct ph_v4l2_route *route,
			 const struct ph_media_entity *const *up_entities, unsigned n,
			 uint32_t major, uint32_t minor)
{
	const struct ph_media_entity *ents[PH_V4L2_ROUTE_MAX_HOPS];
	const struct ph_media_entity *fed[PH_V4L2_ROUTE_MAX_BRANCHES];
	const struct ph_media_entity *node = ph_media_entity_of_node(md, major, minor);

	for (unsigned i = 0; i < n; i++)
		ents[i] = up_entities[n - 1 - i];
	/* Sources: the hops, then each branch sub-device as it is found. */
	for (unsigned src = 0; src < n + route->branch_count; src++) {
		const struct ph_media_entity *from = src < n ? ents[src] : fed[src - n];
		struct ph_v4l2_subdev *from_sd =
			src < n ? route->hops[src].sd : route->branches[src - n].sd;

		if (!from_sd)
			continue; /* a video node feeds nothing */
		for (unsigned l = 0; l < md->link_count; l++) {
			const struct ph_media_link *link = &md->links[l];
			const struct ph_media_pad *out = ph_media_find_pad(md, link->source_id);
			const struct ph_media_pad *in = ph_media_find_pad(md, link->sink_id);
			const struct ph_media_entity *to;
			struct ph_v4l2_route_branch *b;
			char path[256];
			bool known = false;
			int ret;

			if ((link->flags & MEDIA_LNK_FL_LINK_TYPE) != MEDIA_LNK_FL_DATA_LINK ||
			    !(link->flags & MEDIA_LNK_FL_ENABLED) || !out || !in ||
			    out->entity_id != from->id)
				continue;
			to = entity_by_id(md, in->entity_id);
			for (unsigned k = 0; to && k < route->branch_count; k++)
				known |= fed[k] == to;
			if (!to || to == node || known || on_route(route, ents, to))
				continue;
			if (route->branch_count == PH_V4L2_ROUTE_MAX_BRANCHES ||
			    (!to->major && !to->minor))
				return -ENOTSUP;
			b = &route->branches[route->branch_count];
			*b = (struct ph_v4l2_route_branch){
				.from = from_sd, .from_pad = out->index, .pad = in->index};
			snprintf(b->name, sizeof(b->name), "%s", to->name);
			ret = ph_media_node_path(to->major, to->minor, path, sizeof(path));
			if (ret == 0 && to->function == MEDIA_ENT_F_IO_V4L)
				ret = (b->node = ph_v4l2_open(ctx, path)) ? 0 : -errno;
			else if (ret == 0)
				ret = (b->sd = ph_v4l2_subdev_open(ctx, path)) ? 0 : -errno;
			if (ret < 0) {
				ph_dbg(ctx, "%s: cannot open it: %s\n", b->name, strerror(-ret));
				return ret;
			}
			fed[route->branch_count++] = to;
		}
	}
	return 0;
}

int ph_v4l2_route_open(struct ph_context *ctx, struct ph_media_device *md, uint32_t major,
		       uint32_t minor, struct ph_v4l2_route *route)
{
	const struct ph_media_entity *e = ph_media_entity_of_node(md, major, minor);
	/* Found from the node upstream: reversed into route->hops at the end. */
	struct ph_v4l2_route_hop up_hops[PH_V4L2_ROUTE_MAX_HOPS];
	const struct ph_media_entity *up_entities[PH_V4L2_ROUTE_MAX_HOPS];
	unsigned n = 0;
	int ret;

	memset(route, 0, sizeof(*route));
	if (!e)
		return -ENOENT;
	for (;;) {
		const struct ph_media_pad *source, *sink;
		const struct ph_media_entity *up;

		ret = link_into(md, e->id, &source, &sink);
		if (ret < 0)
			return ret;
		if (ret == 0)
			break;
		if (n)
			up_hops[n - 1].sink_pad = sink->index;
		up = entity_by_id(md, source->entity_id);
		if (!up || (!up->major && !up->minor) || n == PH_V4L2_ROUTE_MAX_HOPS)
			return -ENOTSUP;
		up_hops[n] = (struct ph_v4l2_route_hop){.source_pad = source->index};
		snprintf(up_hops[n].name, sizeof(up_hops[n].name), "%s", up->name);
		up_entities[n++] = up;
		e = up;
	}
	if (!n)
		return -ENOENT;
	for (unsigned i = 0; i < n; i++) {
		const struct ph_media_entity *ent = up_entities[n - 1 - i];
		struct ph_v4l2_route_hop *hop = &route->hops[i];
		char path[256];

		*hop = up_hops[n - 1 - i];
		ret = ph_media_node_path(ent->major, ent->minor, path, sizeof(path));
		if (ret == 0 && !(hop->sd = ph_v4l2_subdev_open(ctx, path)))
			ret = -errno;
		if (ret < 0) {
			ph_dbg(ctx, "%s: cannot open its sub-device: %s\n", hop->name,
			       strerror(-ret));
			route->hop_count = i;
			ph_v4l2_route_close(route);
			return ret;
		}
	}
	route->hop_count = n;
	ret = open_branches(ctx, md, route, up_entities, n, major, minor);
	if (ret < 0)
		ph_v4l2_route_close(route);
	return ret;
}

void ph_v4l2_route_close(struct ph_v4l2_route *route)
{
	for (unsigned i = 0; i < route->hop_count; i++)
		ph_v4l2_subdev_close(route->hops[i].sd);
	for (unsigned i = 0; i < route->branch_count; i++) {
		ph_v4l2_subdev_close(route->branches[i].sd);
		ph_v4l2_close(route->branches[i].node);
	}
	memset(route, 0, sizeof(*route));
}

struct ph_v4l2_subdev *ph_v4l2_route_sensor(const struct ph_v4l2_route *route)
{
	return route->hop_count ? route->hops[0].sd : NULL;
}

static bool same_frame(const struct v4l2_mbus_framefmt *a, const struct v4l2_mbus_framefmt *b)
{
	return a->code == b->code && a->width == b->width && a->height == b->height;
}

/* Hop @i's sink takes what hop i-1 sends: false if it changes it. */
static bool pass_on(struct ph_v4l2_route_hop *hop, uint32_t which,
		    const struct v4l2_mbus_framefmt *in)
{
	struct v4l2_mbus_framefmt fmt = *in;

	return ph_v4l2_subdev_set_format(hop->sd, hop->sink_pad, which, &fmt) == 0 &&
	       same_frame(&fmt, in);
}

/*
 * Give every branch what arrives from the route (@which: TRY while probing,
 * ACTIVE at configure, when a refusal is logged); false if one refuses it.
 */
static bool feed_branches(struct ph_v4l2_route *route, uint32_t which)
{
	for (unsigned i = 0; i < route->branch_count; i++) {
		struct ph_v4l2_route_branch *b = &route->branches[i];
		struct v4l2_mbus_framefmt in, fmt;
		struct ph_v4l2_pix pix = {0};
		uint32_t *fourccs = NULL;
		unsigned n = 0;
		bool ok;

		if (ph_v4l2_subdev_get_format(b->from, b->from_pad, which, &in) < 0)
			return false;
		fmt = in;
		if (b->sd) {
			ok = ph_v4l2_subdev_set_format(b->sd, b->pad, which, &fmt) == 0 &&
			     same_frame(&fmt, &in);
		} else {
			ok = ph_v4l2_formats_of_code(b->node, in.code, &fourccs, &n) == 0 && n;
			if (ok) {
				pix = (struct ph_v4l2_pix){.fourcc = fourccs[0],
							   .width = in.width,
							   .height = in.height};
				ok = ph_v4l2_set_format(b->node, &pix,
							which == V4L2_SUBDEV_FORMAT_ACTIVE) == 0 &&
				     pix.fourcc == fourccs[0] && pix.width == in.width &&
				     pix.height == in.height;
			}
			free(fourccs);
		}
		if (!ok) {
			if (which == V4L2_SUBDEV_FORMAT_ACTIVE)
				ph_err(b->from->ctx,
				       "%s (fed by the camera's sensor) refuses media-bus format "
				       "0x%04x %ux%u; streaming would fail\n",
				       b->name, in.code, in.width, in.height);
			return false;
		}
	}
	return true;
}

struct explore {
	struct ph_v4l2_route *route;
	struct ph_v4l2_device *node;
	struct ph_v4l2_route_mode *modes;
	unsigned count;
	uint32_t codes[PH_V4L2_ROUTE_MAX_HOPS];
	unsigned budget;
};

static int add_modes(struct explore *x, uint32_t code, unsigned hops)
{
	uint32_t *fourccs;
	unsigned n;
	int ret = ph_v4l2_formats_of_code(x->node, code, &fourccs, &n);

	for (unsigned i = 0; ret == 0 && i < n && x->count < PH_V4L2_ROUTE_MAX_MODES; i++) {
		bool known = false;

		for (unsigned m = 0; m < x->count; m++)
			known |= x->modes[m].fourcc == fourccs[i];
		if (known)
			continue;
		x->modes[x->count] = (struct ph_v4l2_route_mode){.fourcc = fourccs[i]};
		memcpy(x->modes[x->count].codes, x->codes, hops * sizeof(x->codes[0]));
		x->count++;
	}
	if (ret == 0)
		free(fourccs);
	return ret;
}

/* Every code hop @i's source pad sends, given what arrives at its sink (@in). */
static int explore(struct explore *x, unsigned i, const struct v4l2_mbus_framefmt *in)
{
	struct ph_v4l2_route_hop *hop = &x->route->hops[i];
	uint32_t *codes;
	unsigned n;
	int ret;

	if (i > 0 && !pass_on(hop, TRY, in))
		return 0;
	ret = ph_v4l2_subdev_enum_codes(hop->sd, hop->source_pad, &codes, &n);
	if (ret < 0)
		return ret;
	for (unsigned c = 0; ret == 0 && c < n && x->budget; c++) {
		struct v4l2_mbus_framefmt out;

		x->budget--;
		if (ph_v4l2_subdev_get_format(hop->sd, hop->source_pad, TRY, &out) < 0)
			continue;
		out.code = codes[c];
		if (ph_v4l2_subdev_set_format(hop->sd, hop->source_pad, TRY, &out) < 0 ||
		    out.code != codes[c])
			continue;
		x->codes[i] = codes[c];
		if (i + 1 < x->route->hop_count)
			ret = explore(x, i + 1, &out);
		else if (feed_branches(x->route, TRY))
			ret = add_modes(x, codes[c], i + 1);
	}
	free(codes);
	return ret;
}

int ph_v4l2_route_probe_modes(struct ph_v4l2_route *route, struct ph_v4l2_device *node,
			      struct ph_v4l2_route_mode *modes, unsigned *count)
{
	struct explore x = {.route = route, .node = node, .modes = modes, .budget = PROBE_BUDGET};
	int ret = explore(&x, 0, NULL);

	*count = x.count;
	return ret;
}

int ph_v4l2_route_configure(struct ph_v4l2_route *route, const struct ph_v4l2_route_mode *mode,
			    uint32_t *width, uint32_t *height)
{
	struct v4l2_mbus_framefmt prev = {0};

	for (unsigned i = 0; i < route->hop_count; i++) {
		struct ph_v4l2_route_hop *hop = &route->hops[i];
		struct v4l2_mbus_framefmt fmt;
		int ret;

		if (i > 0 && !pass_on(hop, ACTIVE, &prev)) {
			ph_err(hop->sd->ctx, "%s refuses media-bus format 0x%04x %ux%u from %s\n",
			       hop->name, prev.code, prev.width, prev.height,
			       route->hops[i - 1].name);
			return -EINVAL;
		}
		ret = ph_v4l2_subdev_get_format(hop->sd, hop->source_pad, ACTIVE, &fmt);
		if (ret < 0)
			return ret;
		fmt.code = mode->codes[i];
		/* The sensor picks the size; the last hop may scale to it. */
		if (i == 0 || i + 1 == route->hop_count) {
			fmt.width = *width;
			fmt.height = *height;
		}
		ret = ph_v4l2_subdev_set_format(hop->sd, hop->source_pad, ACTIVE, &fmt);
		if (ret < 0) {
			ph_err(hop->sd->ctx, "%s: cannot set its format: %s\n", hop->name,
			       strerror(-ret));
			return ret;
		}
		if (fmt.code != mode->codes[i]) {
			ph_err(hop->sd->ctx, "%s sends media-bus format 0x%04x, not 0x%04x\n",
			       hop->name, fmt.code, mode->codes[i]);
			return -EINVAL;
		}
		prev = fmt;
	}
	*width = prev.width;
	*height = prev.height;
	return feed_branches(route, ACTIVE) ? 0 : -EPIPE;
}

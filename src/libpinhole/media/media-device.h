/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A media controller device (/dev/mediaN): its graph (entities, pads,
 * links, the device nodes of interfaces), link setup, and requests of the
 * media Request API (per-frame controls bound to a buffer).
 */

#include <stdbool.h>
#include <stdint.h>

#include <linux/media.h>

struct ph_context;

struct ph_media_entity {
	uint32_t id, function, flags;
	char name[64];
	uint32_t major, minor; /* of its device node interface; 0:0 if none */
};

struct ph_media_pad {
	uint32_t id, entity_id, flags, index;
};

struct ph_media_link {
	uint32_t id, source_id, sink_id, flags; /* data links: pad ids */
};

struct ph_media_device {
	struct ph_context *ctx;
	int fd;
	struct media_device_info info;
	struct ph_media_entity *entities;
	struct ph_media_pad *pads;
	struct ph_media_link *links; /* data links only */
	unsigned entity_count, pad_count, link_count;
};

/* Open @path, read its information and graph. NULL on failure, errno set. */
struct ph_media_device *ph_media_device_open(struct ph_context *ctx, const char *path);
void ph_media_device_close(struct ph_media_device *md);
/* Read the graph again (MEDIA_IOC_G_TOPOLOGY). */
int ph_media_device_update(struct ph_media_device *md);
/* The media device holding the node @major:@minor, opened; NULL if none (errno ENOENT). */
struct ph_media_device *ph_media_device_of_node(struct ph_context *ctx, const char *bus_info,
						uint32_t major, uint32_t minor);

const struct ph_media_entity *ph_media_find_entity(const struct ph_media_device *md,
						   const char *name);
const struct ph_media_entity *ph_media_entity_of_node(const struct ph_media_device *md,
						      uint32_t major, uint32_t minor);
const struct ph_media_pad *ph_media_find_pad(const struct ph_media_device *md, uint32_t id);
/* Enable or disable the data link from pad @source to pad @sink (pad ids). */
int ph_media_setup_link(struct ph_media_device *md, uint32_t source, uint32_t sink, bool enable);

/* ---- the Request API ---- */

/* A new request fd (O_CLOEXEC), or a negative errno (-ENOTTY: no request support). */
int ph_media_request_alloc(struct ph_media_device *md);
int ph_media_request_queue(int request_fd);
int ph_media_request_reinit(int request_fd);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/internal.h"
#include "media/media-device.h"
#include "media/v4l2.h"

#define MAX_GRAPH 4096 /* entities, pads or links: a sane bound against a broken driver */

static void free_graph(struct ph_media_device *md)
{
	free(md->entities);
	free(md->pads);
	free(md->links);
	md->entities = NULL;
	md->pads = NULL;
	md->links = NULL;
	md->entity_count = md->pad_count = md->link_count = 0;
}

int ph_media_device_update(struct ph_media_device *md)
{
	struct media_v2_topology t = {0};
	struct media_v2_entity *ents = NULL;
	struct media_v2_interface *intfs = NULL;
	struct media_v2_pad *pads = NULL;
	struct media_v2_link *links = NULL;
	int ret;

	/* Sizes first, then the arrays; retry if the graph changed in between. */
	for (int attempt = 0; attempt < 4; attempt++) {
		uint64_t version;

		memset(&t, 0, sizeof(t));
		ret = ph_v4l2_ioctl(md->fd, MEDIA_IOC_G_TOPOLOGY, &t);
		if (ret < 0)
			return ret;
		if (t.num_entities > MAX_GRAPH || t.num_interfaces > MAX_GRAPH ||
		    t.num_pads > MAX_GRAPH || t.num_links > MAX_GRAPH)
			return -E2BIG;
		version = t.topology_version;
		free(ents);
		free(intfs);
		free(pads);
		free(links);
		ents = calloc(t.num_entities + 1, sizeof(*ents));
		intfs = calloc(t.num_interfaces + 1, sizeof(*intfs));
		pads = calloc(t.num_pads + 1, sizeof(*pads));
		links = calloc(t.num_links + 1, sizeof(*links));
		if (!ents || !intfs || !pads || !links) {
			ret = -ENOMEM;
			goto out;
		}
		t.ptr_entities = (uintptr_t)ents;
		t.ptr_interfaces = (uintptr_t)intfs;
		t.ptr_pads = (uintptr_t)pads;
		t.ptr_links = (uintptr_t)links;
		ret = ph_v4l2_ioctl(md->fd, MEDIA_IOC_G_TOPOLOGY, &t);
		if (ret == 0 && t.topology_version == version)
			break;
		if (ret < 0 && ret != -ENOSPC)
			goto out;
		ret = -EAGAIN;
	}
	if (ret < 0)
		goto out;

	free_graph(md);
	md->entities = calloc(t.num_entities + 1, sizeof(*md->entities));
	md->pads = calloc(t.num_pads + 1, sizeof(*md->pads));
	md->links = calloc(t.num_links + 1, sizeof(*md->links));
	if (!md->entities || !md->pads || !md->links) {
		free_graph(md);
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < t.num_entities; i++) {
		struct ph_media_entity *e = &md->entities[md->entity_count++];

		e->id = ents[i].id;
		e->function = ents[i].function;
		e->flags = ents[i].flags;
		memcpy(e->name, ents[i].name, sizeof(e->name));
		e->name[sizeof(e->name) - 1] = '\0';
	}
	for (unsigned i = 0; i < t.num_pads; i++)
		md->pads[md->pad_count++] = (struct ph_media_pad){pads[i].id, pads[i].entity_id,
								  pads[i].flags, pads[i].index};
	for (unsigned i = 0; i < t.num_links; i++) {
		const struct media_v2_link *l = &links[i];

		if ((l->flags & MEDIA_LNK_FL_LINK_TYPE) == MEDIA_LNK_FL_INTERFACE_LINK) {
			/* Interface -> entity: the entity's device node. */
			for (unsigned k = 0; k < t.num_interfaces; k++) {
				if (intfs[k].id != l->source_id)
					continue;
				for (unsigned e = 0; e < md->entity_count; e++) {
					if (md->entities[e].id == l->sink_id) {
						md->entities[e].major = intfs[k].devnode.major;
						md->entities[e].minor = intfs[k].devnode.minor;
					}
				}
			}
			continue;
		}
		md->links[md->link_count++] =
			(struct ph_media_link){l->id, l->source_id, l->sink_id, l->flags};
	}
	ret = 0;
out:
	free(ents);
	free(intfs);
	free(pads);
	free(links);
	return ret;
}

struct ph_media_device *ph_media_device_open(struct ph_context *ctx, const char *path)
{
	struct ph_media_device *md = calloc(1, sizeof(*md));
	int ret;

	if (!md) {
		errno = ENOMEM;
		return NULL;
	}
	md->ctx = ctx;
	md->fd = ph_context_open_restricted(ctx, path, O_RDWR | O_CLOEXEC);
	if (md->fd < 0) {
		ret = md->fd;
		goto fail;
	}
	ret = ph_v4l2_ioctl(md->fd, MEDIA_IOC_DEVICE_INFO, &md->info);
	if (ret == 0)
		ret = ph_media_device_update(md);
	if (ret < 0)
		goto fail;
	return md;
fail:
	ph_media_device_close(md);
	errno = -ret;
	return NULL;
}

void ph_media_device_close(struct ph_media_device *md)
{
	if (!md)
		return;
	if (md->fd >= 0)
		ph_context_close_restricted(md->ctx, md->fd);
	free_graph(md);
	free(md);
}

struct ph_media_device *ph_media_device_of_node(struct ph_context *ctx, const char *bus_info,
						uint32_t major, uint32_t minor)
{
	DIR *dir = opendir("/dev");
	struct dirent *de;

	if (!dir)
		return NULL;
	while ((de = readdir(dir))) {
		char path[300];
		struct ph_media_device *md;

		if (strncmp(de->d_name, "media", 5) || de->d_name[5] < '0' || de->d_name[5] > '9')
			continue;
		snprintf(path, sizeof(path), "/dev/%s", de->d_name);
		md = ph_media_device_open(ctx, path);
		if (!md)
			continue;
		if ((!bus_info ||
		     !strncmp(md->info.bus_info, bus_info, sizeof(md->info.bus_info))) &&
		    ph_media_entity_of_node(md, major, minor)) {
			closedir(dir);
			return md;
		}
		ph_media_device_close(md);
	}
	closedir(dir);
	errno = ENOENT;
	return NULL;
}

const struct ph_media_entity *ph_media_find_entity(const struct ph_media_device *md,
						   const char *name)
{
	for (unsigned i = 0; i < md->entity_count; i++)
		if (!strcmp(md->entities[i].name, name))
			return &md->entities[i];
	return NULL;
}

const struct ph_media_entity *ph_media_entity_of_node(const struct ph_media_device *md,
						      uint32_t major, uint32_t minor)
{
	for (unsigned i = 0; i < md->entity_count; i++)
		if (md->entities[i].major == major && md->entities[i].minor == minor &&
		    (major || minor))
			return &md->entities[i];
	return NULL;
}

const struct ph_media_pad *ph_media_find_pad(const struct ph_media_device *md, uint32_t id)
{
	for (unsigned i = 0; i < md->pad_count; i++)
		if (md->pads[i].id == id)
			return &md->pads[i];
	return NULL;
}

int ph_media_setup_link(struct ph_media_device *md, uint32_t source, uint32_t sink, bool enable)
{
	const struct ph_media_pad *src = ph_media_find_pad(md, source);
	const struct ph_media_pad *dst = ph_media_find_pad(md, sink);
	struct media_link_desc desc = {0};
	int ret;

	if (!src || !dst)
		return -ENOENT;
	for (unsigned i = 0; i < md->link_count; i++) {
		const struct ph_media_link *l = &md->links[i];

		if (l->source_id != source || l->sink_id != sink)
			continue;
		if (l->flags & MEDIA_LNK_FL_IMMUTABLE)
			return (l->flags & MEDIA_LNK_FL_ENABLED) == enable ? 0 : -EPERM;
		desc.source = (struct media_pad_desc){
			src->entity_id, (uint16_t)src->index, src->flags, {0}};
		desc.sink = (struct media_pad_desc){
			dst->entity_id, (uint16_t)dst->index, dst->flags, {0}};
		desc.flags =
			(l->flags & ~MEDIA_LNK_FL_ENABLED) | (enable ? MEDIA_LNK_FL_ENABLED : 0);
		ret = ph_v4l2_ioctl(md->fd, MEDIA_IOC_SETUP_LINK, &desc);
		return ret < 0 ? ret : ph_media_device_update(md);
	}
	return -ENOENT;
}

int ph_media_request_alloc(struct ph_media_device *md)
{
	int fd = -1;
	int ret = ph_v4l2_ioctl(md->fd, MEDIA_IOC_REQUEST_ALLOC, &fd);

	if (ret < 0)
		return ret;
	/* Request fds come without close-on-exec. */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int ph_media_request_queue(int request_fd)
{
	return ph_v4l2_ioctl(request_fd, MEDIA_REQUEST_IOC_QUEUE, NULL);
}

int ph_media_request_reinit(int request_fd)
{
	return ph_v4l2_ioctl(request_fd, MEDIA_REQUEST_IOC_REINIT, NULL);
}

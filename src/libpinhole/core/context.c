/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "core/internal.h"

static enum ph_log_priority priority_from_env(void)
{
	const char *level = getenv("PINHOLE_LOG_LEVEL");

	if (!level || !*level)
		return PH_LOG_WARNING;
	if (!strcasecmp(level, "error"))
		return PH_LOG_ERROR;
	if (!strcasecmp(level, "info"))
		return PH_LOG_INFO;
	if (!strcasecmp(level, "debug"))
		return PH_LOG_DEBUG;
	return PH_LOG_WARNING;
}

PH_EXPORT const char *ph_version(void)
{
	return PH_VERSION;
}

PH_EXPORT struct ph_context *ph_context_new(const struct ph_context_params *user_params)
{
	struct ph_context_params params = {0};
	struct ph_context *ctx;
	const char *vconf;

	/* Copy only the part of the struct the caller knows about. */
	if (user_params) {
		size_t n = user_params->size;

		if (n < offsetof(struct ph_context_params, interface) || n > sizeof(params)) {
			ph_err(NULL, "ph_context_new: params.size %zu is not a known size\n", n);
			return NULL;
		}
		memcpy(&params, user_params, n);
	}

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return NULL;
	ctx->refcount = 1;
	ctx->log_handler = params.log_handler;
	ctx->log_data = params.log_data;
	ctx->log_priority = params.log_priority ? params.log_priority : priority_from_env();
	ctx->flags = params.flags;
	ph_list_init(&ctx->cameras);
	ph_list_init(&ctx->removed);
	ph_list_init(&ctx->events);

	if (params.interface) {
		if (params.interface->size < sizeof(ctx->iface) ||
		    !params.interface->open_restricted || !params.interface->close_restricted) {
			ph_err(ctx, "ph_context_new: incomplete device open interface\n");
			free(ctx);
			return NULL;
		}
		ctx->iface = *params.interface;
		ctx->iface_data = params.interface_data;
	}

	vconf = params.virtual_config ? params.virtual_config : getenv("PINHOLE_VIRTUAL_CONFIG");
	if (vconf && *vconf) {
		ctx->virtual_config = strdup(vconf);
		if (!ctx->virtual_config) {
			free(ctx);
			return NULL;
		}
	}

	ctx->loop = ph_loop_new();
	if (!ctx->loop) {
		ph_err(ctx, "cannot create the event loop: %s\n", strerror(errno));
		free(ctx->virtual_config);
		free(ctx);
		return NULL;
	}

	/* A pipeline that fails to set up loses its cameras, not the context. */
	if (!(ctx->flags & PH_CONTEXT_NO_VIRTUAL))
		ph_pipeline_virtual_match(ctx);
	ph_pipeline_v4l2_init(ctx);

	return ctx;
}

PH_EXPORT struct ph_context *ph_context_ref(struct ph_context *ctx)
{
	if (ctx)
		ctx->refcount++;
	return ctx;
}

PH_EXPORT struct ph_context *ph_context_unref(struct ph_context *ctx)
{
	struct ph_camera *cam, *ctmp;
	struct ph_event *ev, *etmp;

	if (!ctx || --ctx->refcount > 0)
		return NULL;

	ph_pipeline_v4l2_fini(ctx);
	ph_list_for_each_safe(cam, ctmp, &ctx->cameras, struct ph_camera, link)
	{
		ph_camera_remove(cam);
	}
	ph_list_for_each_safe(ev, etmp, &ctx->events, struct ph_event, link)
	{
		ph_event_free(ev);
	}
	/* Cameras the user still holds outlive us: they log to stderr from now on. */
	ph_list_for_each_safe(cam, ctmp, &ctx->removed, struct ph_camera, link)
	{
		ph_list_remove(&cam->link);
		cam->ctx = NULL;
	}
	ph_loop_free(ctx->loop);
	free(ctx->virtual_config);
	free(ctx);
	return NULL;
}

PH_EXPORT void ph_context_set_log_handler(struct ph_context *ctx, ph_log_handler handler,
					  void *user_data)
{
	if (!ctx)
		return;
	ctx->log_handler = handler;
	ctx->log_data = user_data;
}

PH_EXPORT void ph_context_set_log_priority(struct ph_context *ctx, enum ph_log_priority priority)
{
	if (ctx)
		ctx->log_priority = priority;
}

PH_EXPORT enum ph_log_priority ph_context_get_log_priority(const struct ph_context *ctx)
{
	return ctx ? ctx->log_priority : PH_LOG_WARNING;
}

PH_EXPORT int ph_context_get_fd(const struct ph_context *ctx)
{
	return ctx ? ph_loop_get_fd(ctx->loop) : -EINVAL;
}

PH_EXPORT int ph_context_dispatch(struct ph_context *ctx)
{
	if (!ctx)
		return -EINVAL;
	return ph_loop_dispatch(ctx->loop);
}

PH_EXPORT struct ph_event *ph_context_next_event(struct ph_context *ctx)
{
	struct ph_event *event;

	if (!ctx)
		return NULL;
	event = ph_list_first(&ctx->events, struct ph_event, link);
	if (event)
		ph_list_remove(&event->link);
	return event;
}

void ph_context_queue_event(struct ph_context *ctx, struct ph_event *event)
{
	ph_list_append(&ctx->events, &event->link);
}

struct ph_loop *ph_context_get_loop(struct ph_context *ctx)
{
	return ctx->loop;
}

int ph_context_open_restricted(struct ph_context *ctx, const char *path, int flags)
{
	int fd;

	if (ctx->iface.open_restricted)
		return ctx->iface.open_restricted(path, flags, ctx->iface_data);
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

void ph_context_close_restricted(struct ph_context *ctx, int fd)
{
	if (ctx->iface.close_restricted)
		ctx->iface.close_restricted(fd, ctx->iface_data);
	else
		close(fd);
}

PH_EXPORT unsigned ph_context_camera_count(const struct ph_context *ctx)
{
	unsigned n = 0;

	if (!ctx)
		return 0;
	for (struct ph_list *l = ctx->cameras.next; l != &ctx->cameras; l = l->next)
		n++;
	return n;
}

PH_EXPORT struct ph_camera *ph_context_camera_at(const struct ph_context *ctx, unsigned index)
{
	if (!ctx)
		return NULL;
	for (struct ph_list *l = ctx->cameras.next; l != &ctx->cameras; l = l->next)
		if (index-- == 0)
			return ph_container_of(l, struct ph_camera, link);
	return NULL;
}

PH_EXPORT struct ph_camera *ph_context_get_camera(const struct ph_context *ctx, const char *id)
{
	struct ph_camera *match = NULL;
	unsigned matches = 0;
	char *end;
	unsigned long index;

	if (!ctx || !id || !*id)
		return NULL;
	for (struct ph_list *l = ctx->cameras.next; l != &ctx->cameras; l = l->next) {
		struct ph_camera *cam = ph_container_of(l, struct ph_camera, link);

		if (!strcmp(cam->id, id))
			return cam;
		if (!strncmp(cam->id, id, strlen(id))) {
			match = cam;
			matches++;
		}
	}
	if (matches == 1)
		return match;
	index = strtoul(id, &end, 10);
	if (*end == '\0' && id[0] >= '0' && id[0] <= '9')
		return ph_context_camera_at(ctx, (unsigned)index);
	return NULL;
}

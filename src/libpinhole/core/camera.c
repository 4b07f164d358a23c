/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

static const char *state_name(enum ph_camera_state state)
{
	static const char *const names[] = {"available", "acquired", "configured", "running"};

	return names[state];
}

struct ph_camera *ph_camera_new(struct ph_context *ctx, const struct ph_pipeline_ops *ops,
				const char *id, void *priv)
{
	struct ph_camera *cam = calloc(1, sizeof(*cam));

	if (!cam)
		return NULL;
	cam->refcount = 1;
	cam->ctx = ctx;
	cam->ops = ops;
	cam->priv = priv;
	cam->id = strdup(id);
	cam->properties = ph_control_list_new();
	/* Allocated now so that an unplug can always be reported. */
	cam->removed_event = ph_event_new(PH_EVENT_CAMERA_REMOVED, NULL, NULL);
	ph_list_init(&cam->link);
	ph_list_init(&cam->pending);
	if (!cam->id || !cam->properties || !cam->removed_event) {
		ph_camera_unref(cam);
		return NULL;
	}
	return cam;
}

int ph_camera_add_control(struct ph_camera *cam, uint32_t id, const struct ph_control_value *min,
			  const struct ph_control_value *max, const struct ph_control_value *def)
{
	const struct ph_control_desc *desc = ph_control_desc_by_id(id);
	struct ph_control_info *n;

	if (!desc)
		return -ENOENT;
	n = realloc(cam->controls, (cam->control_count + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	cam->controls = n;
	n[cam->control_count++] = (struct ph_control_info){desc, *min, *max, *def};
	return 0;
}

int ph_camera_add(struct ph_camera *cam)
{
	struct ph_event *ev = ph_event_new(PH_EVENT_CAMERA_ADDED, cam, NULL);

	if (!ev || ph_event_set_message(ev, "camera %s added", cam->id) < 0) {
		ph_event_free(ev);
		return -ENOMEM;
	}
	ph_list_append(&cam->ctx->cameras, &cam->link);
	ph_context_queue_event(cam->ctx, ev);
	ph_info(cam->ctx, "camera %s added\n", cam->id);
	return 0;
}

static void free_streams(struct ph_camera *cam)
{
	for (unsigned i = 0; i < cam->stream_count; i++)
		ph_stream_free(cam->streams[i]);
	cam->stream_count = 0;
	cam->generation++;
}

static void cancel_pending(struct ph_camera *cam)
{
	struct ph_request *req, *tmp;

	ph_list_for_each_safe(req, tmp, &cam->pending, struct ph_request, link)
		ph_camera_complete_request(cam, req, PH_REQUEST_CANCELLED);
}

static void stop_streaming(struct ph_camera *cam)
{
	cam->ops->stop(cam);
	cancel_pending(cam);
	cam->state = PH_CAMERA_CONFIGURED;
}

void ph_camera_remove(struct ph_camera *cam)
{
	struct ph_context *ctx = cam->ctx;
	struct ph_event *ev = cam->removed_event;

	if (cam->removed)
		return;
	if (cam->state == PH_CAMERA_RUNNING)
		stop_streaming(cam);
	cancel_pending(cam); /* nothing should be left; be sure */
	if (cam->ops->destroy)
		cam->ops->destroy(cam);
	cam->priv = NULL;
	cam->removed = true;
	cam->state = PH_CAMERA_AVAILABLE;
	ph_list_remove(&cam->link);
	ph_list_append(&ctx->removed, &cam->link);

	cam->removed_event = NULL;
	ev->camera = ph_camera_ref(cam);
	ph_event_set_message(ev, "camera %s removed", cam->id); /* best effort */
	ph_context_queue_event(ctx, ev);
	ph_info(ctx, "camera %s removed\n", cam->id);
	ph_camera_unref(cam);
}

void ph_camera_complete_request(struct ph_camera *cam, struct ph_request *req,
				enum ph_request_status status)
{
	struct ph_event *ev = req->event;

	ph_list_remove(&req->link);
	req->status = status;
	req->event = NULL;
	req->priv = NULL;
	for (unsigned i = 0; i < req->buffer_count; i++) {
		struct ph_buffer *buf = req->buffers[i].buffer;

		buf->request = NULL;
		if (status == PH_REQUEST_CANCELLED)
			buf->status = PH_BUFFER_CANCELLED;
		else if (buf->status == PH_BUFFER_IDLE)
			buf->status = PH_BUFFER_ERROR;
	}
	ev->camera = ph_camera_ref(cam);
	ph_context_queue_event(cam->ctx, ev);
}

void ph_camera_fail(struct ph_camera *cam, int error, const char *message)
{
	struct ph_event *ev;

	ph_err(cam->ctx, "camera %s: %s\n", cam->id, message);
	if (cam->state == PH_CAMERA_RUNNING)
		stop_streaming(cam);
	ev = ph_event_new(PH_EVENT_CAMERA_ERROR, cam, NULL);
	if (!ev)
		return;
	ev->error = error;
	ph_event_set_message(ev, "camera %s: %s", cam->id, message);
	ph_context_queue_event(cam->ctx, ev);
}

PH_EXPORT struct ph_camera *ph_camera_ref(struct ph_camera *cam)
{
	if (cam)
		cam->refcount++;
	return cam;
}

PH_EXPORT struct ph_camera *ph_camera_unref(struct ph_camera *cam)
{
	if (!cam || --cam->refcount > 0)
		return NULL;
	ph_list_remove(&cam->link);
	free_streams(cam);
	if (cam->priv && cam->ops->destroy)
		cam->ops->destroy(cam);
	ph_event_free(cam->removed_event);
	ph_control_list_free(cam->properties);
	free(cam->controls);
	free(cam->id);
	free(cam);
	return NULL;
}

PH_EXPORT const char *ph_camera_get_id(const struct ph_camera *cam)
{
	return cam ? cam->id : NULL;
}

PH_EXPORT const struct ph_control_list *ph_camera_get_properties(const struct ph_camera *cam)
{
	return cam ? cam->properties : NULL;
}

PH_EXPORT unsigned ph_camera_control_count(const struct ph_camera *cam)
{
	return cam ? cam->control_count : 0;
}

PH_EXPORT const struct ph_control_info *ph_camera_control_at(const struct ph_camera *cam,
							     unsigned index)
{
	return cam && index < cam->control_count ? &cam->controls[index] : NULL;
}

PH_EXPORT const struct ph_control_info *ph_camera_find_control(const struct ph_camera *cam,
							       uint32_t id)
{
	for (unsigned i = 0; cam && i < cam->control_count; i++)
		if (cam->controls[i].desc->id == id)
			return &cam->controls[i];
	return NULL;
}

PH_EXPORT bool ph_camera_is_removed(const struct ph_camera *cam)
{
	return !cam || cam->removed;
}

/* Common checks: the camera exists, is present and is in at least @min state. */
static int check_state(const struct ph_camera *cam, enum ph_camera_state min, const char *what)
{
	if (!cam) {
		ph_err(NULL, "%s: camera is NULL\n", what);
		return -EINVAL;
	}
	if (cam->removed) {
		ph_err(cam->ctx, "%s: camera %s has been removed\n", what, cam->id);
		return -ENODEV;
	}
	if (cam->state < min) {
		ph_err(cam->ctx, "%s: camera %s is %s, needs to be %s first\n", what, cam->id,
		       state_name(cam->state), state_name(min));
		return cam->state == PH_CAMERA_AVAILABLE ? -EACCES : -EINVAL;
	}
	return 0;
}

PH_EXPORT int ph_camera_acquire(struct ph_camera *cam)
{
	int ret = check_state(cam, PH_CAMERA_AVAILABLE, "ph_camera_acquire");

	if (ret < 0)
		return ret;
	if (cam->state != PH_CAMERA_AVAILABLE) {
		ph_err(cam->ctx, "ph_camera_acquire: camera %s is already acquired\n", cam->id);
		return -EBUSY;
	}
	if (cam->ops->acquire && (ret = cam->ops->acquire(cam)) < 0) {
		ph_err(cam->ctx, "ph_camera_acquire: camera %s: %s\n", cam->id, strerror(-ret));
		return ret;
	}
	cam->state = PH_CAMERA_ACQUIRED;
	return 0;
}

PH_EXPORT int ph_camera_release(struct ph_camera *cam)
{
	int ret = check_state(cam, PH_CAMERA_ACQUIRED, "ph_camera_release");

	if (ret < 0)
		return ret;
	if (cam->state == PH_CAMERA_RUNNING)
		stop_streaming(cam);
	free_streams(cam);
	if (cam->ops->release)
		cam->ops->release(cam);
	cam->state = PH_CAMERA_AVAILABLE;
	return 0;
}

PH_EXPORT struct ph_config *
ph_camera_generate_config(struct ph_camera *cam, const enum ph_stream_role *roles, unsigned count)
{
	struct ph_config *config;

	if (check_state(cam, PH_CAMERA_AVAILABLE, "ph_camera_generate_config") < 0)
		return NULL;
	if (!roles || count == 0 || count > PH_MAX_STREAMS) {
		ph_err(cam->ctx, "ph_camera_generate_config: need 1 to %d roles\n", PH_MAX_STREAMS);
		return NULL;
	}
	for (unsigned i = 0; i < count; i++) {
		if (!ph_stream_role_name(roles[i])) {
			ph_err(cam->ctx, "ph_camera_generate_config: invalid role %d\n", roles[i]);
			return NULL;
		}
	}
	config = ph_config_new(cam);
	if (!config)
		return NULL;
	if (cam->ops->generate_config(cam, config, roles, count) < 0) {
		ph_err(cam->ctx, "ph_camera_generate_config: camera %s cannot generate it\n",
		       cam->id);
		ph_config_free(config);
		return NULL;
	}
	if (ph_config_validate(config) == PH_CONFIG_INVALID) {
		ph_err(cam->ctx,
		       "ph_camera_generate_config: camera %s cannot take these roles:\n%s", cam->id,
		       ph_config_get_message(config));
		ph_config_free(config);
		return NULL;
	}
	return config;
}

static struct ph_stream *stream_new(struct ph_camera *cam, unsigned index,
				    const struct ph_stream_config *sc)
{
	struct ph_stream *s = calloc(1, sizeof(*s));
	uint32_t size;

	if (!s)
		return NULL;
	s->camera = cam;
	s->index = index;
	s->config = *sc;
	s->config.adjusted = 0;
	if (ph_format_layout(sc->pixel_format, sc->width, sc->height, sc->stride, s->layout,
			     &s->plane_count, &size) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

PH_EXPORT int ph_camera_configure(struct ph_camera *cam, struct ph_config *config)
{
	int ret = check_state(cam, PH_CAMERA_ACQUIRED, "ph_camera_configure");
	unsigned n;

	if (ret < 0)
		return ret;
	if (cam->state == PH_CAMERA_RUNNING) {
		ph_err(cam->ctx, "ph_camera_configure: camera %s is running; stop it first\n",
		       cam->id);
		return -EBUSY;
	}
	if (!config || ph_config_get_camera(config) != cam) {
		ph_err(cam->ctx, "ph_camera_configure: configuration is not for camera %s\n",
		       cam->id);
		return -EINVAL;
	}
	/* Validating again catches fields changed after the user's validation. */
	if (ph_config_validate(config) != PH_CONFIG_VALID) {
		ph_err(cam->ctx,
		       "ph_camera_configure: configuration is not valid; validate it and accept "
		       "its adjustments first:\n%s",
		       ph_config_get_message(config));
		return -EINVAL;
	}

	free_streams(cam);
	cam->state = PH_CAMERA_ACQUIRED;
	n = ph_config_stream_count(config);
	for (unsigned i = 0; i < n; i++) {
		cam->streams[i] = stream_new(cam, i, ph_config_stream_at(config, i));
		if (!cam->streams[i]) {
			free_streams(cam);
			return -ENOMEM;
		}
		cam->stream_count++;
	}
	ret = cam->ops->configure(cam);
	if (ret < 0) {
		ph_err(cam->ctx, "camera %s: configuration failed: %s\n", cam->id, strerror(-ret));
		free_streams(cam);
		return ret;
	}
	cam->state = PH_CAMERA_CONFIGURED;
	return 0;
}

PH_EXPORT unsigned ph_camera_stream_count(const struct ph_camera *cam)
{
	return cam && !cam->removed ? cam->stream_count : 0;
}

PH_EXPORT struct ph_stream *ph_camera_stream_at(const struct ph_camera *cam, unsigned index)
{
	return cam && !cam->removed && index < cam->stream_count ? cam->streams[index] : NULL;
}

/* Check that every control of @list is supported and may be set. */
static int check_controls(struct ph_camera *cam, const struct ph_control_list *list,
			  const char *what)
{
	for (unsigned i = 0; i < ph_control_list_count(list); i++) {
		uint32_t id = ph_control_list_id_at(list, i);
		const struct ph_control_info *info = ph_camera_find_control(cam, id);
		const struct ph_control_desc *desc = ph_control_desc_by_id(id);

		if (!info) {
			ph_err(cam->ctx, "%s: camera %s does not support control %s\n", what,
			       cam->id, desc ? desc->name : "(unknown)");
			return -EINVAL;
		}
		if (!(info->desc->direction & PH_CONTROL_DIR_IN)) {
			ph_err(cam->ctx, "%s: control %s is metadata only and cannot be set\n",
			       what, info->desc->name);
			return -EINVAL;
		}
	}
	return 0;
}

PH_EXPORT int ph_camera_start(struct ph_camera *cam, const struct ph_control_list *controls)
{
	int ret = check_state(cam, PH_CAMERA_CONFIGURED, "ph_camera_start");

	if (ret < 0)
		return ret;
	if (cam->state == PH_CAMERA_RUNNING) {
		ph_err(cam->ctx, "ph_camera_start: camera %s is already running\n", cam->id);
		return -EBUSY;
	}
	if (controls && (ret = check_controls(cam, controls, "ph_camera_start")) < 0)
		return ret;
	ret = cam->ops->start(cam, controls);
	if (ret < 0) {
		ph_err(cam->ctx, "camera %s: start failed: %s\n", cam->id, strerror(-ret));
		return ret;
	}
	cam->state = PH_CAMERA_RUNNING;
	return 0;
}

PH_EXPORT int ph_camera_stop(struct ph_camera *cam)
{
	int ret = check_state(cam, PH_CAMERA_ACQUIRED, "ph_camera_stop");

	if (ret < 0)
		return ret;
	if (cam->state != PH_CAMERA_RUNNING) {
		ph_err(cam->ctx, "ph_camera_stop: camera %s is not running\n", cam->id);
		return -EINVAL;
	}
	stop_streaming(cam);
	return 0;
}

PH_EXPORT int ph_camera_queue_request(struct ph_camera *cam, struct ph_request *req)
{
	const char *what = "ph_camera_queue_request";
	int ret = check_state(cam, PH_CAMERA_ACQUIRED, what);

	if (ret < 0)
		return ret;
	if (!req || req->camera != cam) {
		ph_err(cam->ctx, "%s: request does not belong to camera %s\n", what, cam->id);
		return -EINVAL;
	}
	if (req->status == PH_REQUEST_PENDING) {
		ph_err(cam->ctx, "%s: request is already queued\n", what);
		return -EBUSY;
	}
	if (cam->state != PH_CAMERA_RUNNING) {
		ph_err(cam->ctx, "%s: camera %s is not running; start it first\n", what, cam->id);
		return -EPERM;
	}
	if (req->generation != cam->generation) {
		ph_err(cam->ctx, "%s: request was created before the camera was last configured\n",
		       what);
		return -EINVAL;
	}
	if (req->buffer_count == 0) {
		ph_err(cam->ctx, "%s: request has no buffer\n", what);
		return -EINVAL;
	}
	for (unsigned i = 0; i < req->buffer_count; i++) {
		if (req->buffers[i].buffer->request) {
			ph_err(cam->ctx, "%s: a buffer of stream %u is queued in another request\n",
			       what, req->buffers[i].stream->index);
			return -EBUSY;
		}
	}
	ret = check_controls(cam, req->controls, what);
	if (ret < 0)
		return ret;

	req->event = ph_event_new(PH_EVENT_REQUEST_COMPLETED, NULL, req);
	if (!req->event)
		return -ENOMEM;
	ph_control_list_clear(req->metadata);
	req->status = PH_REQUEST_PENDING;
	for (unsigned i = 0; i < req->buffer_count; i++) {
		struct ph_buffer *buf = req->buffers[i].buffer;

		buf->request = req;
		buf->status = PH_BUFFER_IDLE;
		memset(buf->bytes_used, 0, sizeof(buf->bytes_used));
	}
	ph_list_append(&cam->pending, &req->link);

	ret = cam->ops->queue_request(cam, req);
	if (ret < 0) {
		ph_list_remove(&req->link);
		for (unsigned i = 0; i < req->buffer_count; i++)
			req->buffers[i].buffer->request = NULL;
		ph_event_free(req->event);
		req->event = NULL;
		req->status = PH_REQUEST_IDLE;
		ph_err(cam->ctx, "%s: %s\n", what, strerror(-ret));
	}
	return ret;
}

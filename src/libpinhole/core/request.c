/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "core/internal.h"

PH_EXPORT struct ph_request *ph_camera_create_request(struct ph_camera *cam, uint64_t cookie)
{
	struct ph_request *req;

	if (!cam || cam->removed) {
		ph_err(cam ? cam->ctx : NULL, "ph_camera_create_request: camera is %s\n",
		       cam ? "removed" : "NULL");
		return NULL;
	}
	if (cam->state < PH_CAMERA_CONFIGURED) {
		ph_err(cam->ctx, "ph_camera_create_request: camera %s is not configured\n",
		       cam->id);
		return NULL;
	}
	req = calloc(1, sizeof(*req));
	if (!req)
		return NULL;
	req->controls = ph_control_list_new();
	req->metadata = ph_control_list_new();
	if (!req->controls || !req->metadata) {
		ph_control_list_free(req->controls);
		ph_control_list_free(req->metadata);
		free(req);
		return NULL;
	}
	req->camera = ph_camera_ref(cam);
	req->cookie = cookie;
	req->generation = cam->generation;
	ph_list_init(&req->link);
	return req;
}

PH_EXPORT int ph_request_free(struct ph_request *req)
{
	if (!req)
		return 0;
	if (req->status == PH_REQUEST_PENDING) {
		ph_err(req->camera->ctx,
		       "ph_request_free: request is queued; stop the camera first\n");
		return -EBUSY;
	}
	ph_control_list_free(req->controls);
	ph_control_list_free(req->metadata);
	ph_camera_unref(req->camera);
	free(req);
	return 0;
}

/* Whether @stream is one of the camera's current streams (no dereference). */
static bool is_current_stream(const struct ph_camera *cam, const struct ph_stream *stream)
{
	for (unsigned i = 0; i < cam->stream_count; i++)
		if (cam->streams[i] == stream)
			return true;
	return false;
}

PH_EXPORT int ph_request_add_buffer(struct ph_request *req, struct ph_stream *stream,
				    struct ph_buffer *buf)
{
	const char *what = "ph_request_add_buffer";
	struct ph_camera *cam;
	bool owned = false;

	if (!req || !stream || !buf) {
		ph_err(NULL, "%s: NULL argument\n", what);
		return -EINVAL;
	}
	cam = req->camera;
	if (req->status == PH_REQUEST_PENDING) {
		ph_err(cam->ctx, "%s: request is queued\n", what);
		return -EBUSY;
	}
	if (cam->removed) {
		ph_err(cam->ctx, "%s: camera %s has been removed\n", what, cam->id);
		return -ENODEV;
	}
	if (req->generation != cam->generation || !is_current_stream(cam, stream)) {
		ph_err(cam->ctx, "%s: stream is not one of camera %s's current streams\n", what,
		       cam->id);
		return -EINVAL;
	}
	for (unsigned i = 0; i < stream->buffer_count; i++)
		owned |= stream->buffers[i] == buf;
	if (!owned) {
		ph_err(cam->ctx, "%s: buffer does not belong to stream %u\n", what, stream->index);
		return -EINVAL;
	}
	for (unsigned i = 0; i < req->buffer_count; i++) {
		if (req->buffers[i].stream == stream) {
			ph_err(cam->ctx, "%s: request already has a buffer for stream %u\n", what,
			       stream->index);
			return -EINVAL;
		}
	}
	req->buffers[req->buffer_count++] = (struct ph_request_buffer){stream, buf};
	return 0;
}

PH_EXPORT struct ph_buffer *ph_request_find_buffer(const struct ph_request *req,
						   const struct ph_stream *stream)
{
	for (unsigned i = 0; req && i < req->buffer_count; i++)
		if (req->buffers[i].stream == stream)
			return req->buffers[i].buffer;
	return NULL;
}

PH_EXPORT struct ph_control_list *ph_request_get_controls(struct ph_request *req)
{
	return req ? req->controls : NULL;
}

PH_EXPORT const struct ph_control_list *ph_request_get_metadata(const struct ph_request *req)
{
	return req ? req->metadata : NULL;
}

PH_EXPORT enum ph_request_status ph_request_get_status(const struct ph_request *req)
{
	return req ? req->status : PH_REQUEST_IDLE;
}

PH_EXPORT uint64_t ph_request_get_cookie(const struct ph_request *req)
{
	return req ? req->cookie : 0;
}

PH_EXPORT uint32_t ph_request_get_sequence(const struct ph_request *req)
{
	return req ? req->sequence : 0;
}

PH_EXPORT int ph_request_reuse(struct ph_request *req, unsigned flags)
{
	if (!req)
		return -EINVAL;
	if (req->status == PH_REQUEST_PENDING) {
		ph_err(req->camera->ctx, "ph_request_reuse: request is queued\n");
		return -EBUSY;
	}
	/* Buffers of an earlier configuration are gone: never keep them. */
	if (!(flags & PH_REQUEST_REUSE_BUFFERS) || req->generation != req->camera->generation)
		req->buffer_count = 0;
	req->generation = req->camera->generation;
	ph_control_list_clear(req->controls);
	ph_control_list_clear(req->metadata);
	req->status = PH_REQUEST_IDLE;
	req->sequence = 0;
	return 0;
}

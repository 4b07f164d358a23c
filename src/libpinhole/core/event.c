/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"

struct ph_event *ph_event_new(enum ph_event_type type, struct ph_camera *camera,
			      struct ph_request *request)
{
	struct ph_event *event = calloc(1, sizeof(*event));

	if (!event)
		return NULL;
	event->type = type;
	event->camera = camera ? ph_camera_ref(camera) : NULL;
	event->request = request;
	ph_list_init(&event->link);
	return event;
}

int ph_event_set_message(struct ph_event *event, const char *format, ...)
{
	va_list args;
	char *msg;
	int ret;

	va_start(args, format);
	ret = vasprintf(&msg, format, args);
	va_end(args);
	if (ret < 0)
		return -ENOMEM;
	free(event->message);
	event->message = msg;
	return 0;
}

PH_EXPORT enum ph_event_type ph_event_get_type(const struct ph_event *event)
{
	return event ? event->type : 0;
}

PH_EXPORT struct ph_camera *ph_event_get_camera(const struct ph_event *event)
{
	return event ? event->camera : NULL;
}

PH_EXPORT struct ph_request *ph_event_get_request(const struct ph_event *event)
{
	return event ? event->request : NULL;
}

PH_EXPORT int ph_event_get_error(const struct ph_event *event)
{
	return event ? event->error : 0;
}

PH_EXPORT const char *ph_event_get_message(const struct ph_event *event)
{
	return event && event->message ? event->message : "";
}

PH_EXPORT void ph_event_free(struct ph_event *event)
{
	if (!event)
		return;
	ph_list_remove(&event->link);
	ph_camera_unref(event->camera);
	free(event->message);
	free(event);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/**
 * @file event.h
 * Events handed out by ph_context_next_event().
 */

#ifdef __cplusplus
extern "C" {
#endif

struct ph_event;
struct ph_camera;
struct ph_request;

enum ph_event_type {
	/** A camera appeared (also sent for each camera at context creation). */
	PH_EVENT_CAMERA_ADDED = 1,
	/** A camera went away. Its pending requests were cancelled before. */
	PH_EVENT_CAMERA_REMOVED = 2,
	/** A queued request finished: see ph_request_get_status(). */
	PH_EVENT_REQUEST_COMPLETED = 3,
	/** The camera hit an error it could not recover from and stopped. */
	PH_EVENT_CAMERA_ERROR = 4,
	/**
	 * The camera's IPA module (3A) failed: its isolated worker crashed, was
	 * killed, missed a frame's deadline, sent a malformed message, or was
	 * stopped by its sandbox. The camera keeps streaming with the last good
	 * ISP parameters and sensor controls; the message says what happened and
	 * whether the worker is restarted or the camera stays on them for good.
	 */
	PH_EVENT_IPA_ERROR = 5,
};

/** @return the event's type. */
enum ph_event_type ph_event_get_type(const struct ph_event *event);

/** @return the camera the event is about (borrowed; valid while the event is); NULL for a
 * PH_EVENT_IPA_ERROR of an IPA module not attached to a camera. */
struct ph_camera *ph_event_get_camera(const struct ph_event *event);

/**
 * @return for PH_EVENT_REQUEST_COMPLETED, the completed request, now owned
 * by the user again (it outlives the event); NULL for other events.
 */
struct ph_request *ph_event_get_request(const struct ph_event *event);

/** @return for PH_EVENT_CAMERA_ERROR and PH_EVENT_IPA_ERROR, the negative errno; else 0. */
int ph_event_get_error(const struct ph_event *event);

/** @return a human-readable description of the event (owned by the event). */
const char *ph_event_get_message(const struct ph_event *event);

/** Free an event. NULL is allowed. */
void ph_event_free(struct ph_event *event);

#ifdef __cplusplus
}
#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/**
 * @file camera.h
 * A camera: properties and controls (readable by anyone, without opening a
 * stream), and the capture state machine, which needs the camera acquired:
 *
 *     available --acquire--> acquired --configure--> configured --start--> running
 *         ^                     |  ^                    |  ^                  |
 *         +------release--------+  +----(configure)-----+  +-------stop-------+
 *
 * Calls made in the wrong state fail with -EACCES (camera not acquired by
 * this user), -EBUSY (acquired elsewhere, or running), -EINVAL (not
 * configured) or -ENODEV (camera removed); they never crash.
 */

#include <stdint.h>

#include <pinhole/controls.h>
#include <pinhole/config.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ph_camera;
struct ph_stream;
struct ph_request;

/** Take a reference: keeps the object valid after its removal. @return @p camera. */
struct ph_camera *ph_camera_ref(struct ph_camera *camera);
/** Drop a reference taken with ph_camera_ref(). @return NULL. */
struct ph_camera *ph_camera_unref(struct ph_camera *camera);

/** @return the stable id ("virtual:0", "uvc:usb-0000:00:14.0-1"). */
const char *ph_camera_get_id(const struct ph_camera *camera);

/** @return the camera's properties (PH_PROPERTY_*), owned by the camera. */
const struct ph_control_list *ph_camera_get_properties(const struct ph_camera *camera);

/** @return the number of controls the camera supports. */
unsigned ph_camera_control_count(const struct ph_camera *camera);
/** @return the @p index-th supported control, owned by the camera, or NULL. */
const struct ph_control_info *ph_camera_control_at(const struct ph_camera *camera, unsigned index);
/** @return the camera's info for control @p id, or NULL if it is not supported. */
const struct ph_control_info *ph_camera_find_control(const struct ph_camera *camera, uint32_t id);

/** @return true if the camera has been removed; every further call on it fails with -ENODEV. */
bool ph_camera_is_removed(const struct ph_camera *camera);

/**
 * Take exclusive use of the camera, against this process and others.
 * @return 0, -EBUSY if already acquired, -ENODEV if removed.
 */
int ph_camera_acquire(struct ph_camera *camera);

/**
 * Give the camera up. Stops it if running (cancelling its requests), and
 * frees its streams and buffers. @return 0, or -EACCES if not acquired.
 */
int ph_camera_release(struct ph_camera *camera);

/**
 * Generate a configuration with one stream per role, filled with the
 * camera's preferred format and size for that role. Works without
 * acquiring, so that a user can learn what a camera offers.
 * @return a configuration the caller frees with ph_config_free(), or NULL
 * if a role is not supported (-EINVAL logged) or on failure.
 */
struct ph_config *ph_camera_generate_config(struct ph_camera *camera,
					    const enum ph_stream_role *roles, unsigned count);

/**
 * Apply a configuration. It must validate as PH_CONFIG_VALID, so call
 * ph_config_validate() first and accept its adjustments. Replaces earlier
 * streams and frees their buffers. @return 0, -EACCES, -EBUSY while
 * running, -EINVAL if the configuration is not valid.
 */
int ph_camera_configure(struct ph_camera *camera, struct ph_config *config);

/** @return the number of streams of the applied configuration (0 before). */
unsigned ph_camera_stream_count(const struct ph_camera *camera);
/** @return the @p index-th configured stream, in configuration order, or NULL. */
struct ph_stream *ph_camera_stream_at(const struct ph_camera *camera, unsigned index);

/**
 * Create a request for this camera. @p cookie is returned untouched by
 * ph_request_get_cookie(). @return a request the caller frees with
 * ph_request_free(), or NULL (camera not configured, no memory).
 */
struct ph_request *ph_camera_create_request(struct ph_camera *camera, uint64_t cookie);

/**
 * Start capturing. @p controls (may be NULL) are applied before the first
 * frame. @return 0, -EACCES, -EINVAL if not configured, -EBUSY if running.
 */
int ph_camera_start(struct ph_camera *camera, const struct ph_control_list *controls);

/**
 * Stop capturing. Every queued request completes as
 * PH_REQUEST_CANCELLED, its events queued before this returns, so every
 * buffer is back with the user. @return 0, or -EINVAL if not running.
 */
int ph_camera_stop(struct ph_camera *camera);

/**
 * Queue a request. It needs at least one buffer, every buffer from a
 * stream of this camera's current configuration, and no stream twice.
 * Its controls are validated: unknown or unsupported ones fail with
 * -EINVAL; out-of-range values are clamped, and the metadata says what was
 * applied. On success the request belongs to the camera until its
 * PH_EVENT_REQUEST_COMPLETED event.
 * @return 0, -EINVAL, -EBUSY if already queued, -EACCES, -ENODEV, or
 * -EPERM if the camera is not running.
 */
int ph_camera_queue_request(struct ph_camera *camera, struct ph_request *request);

#ifdef __cplusplus
}
#endif

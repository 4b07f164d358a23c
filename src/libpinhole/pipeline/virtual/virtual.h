/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Internal hooks of the virtual camera, for tests: not exported from
 * libpinhole (tests link the internal static library).
 */

struct ph_camera;

/*
 * Change the illuminance of the virtual camera's scene to @lux (0.01 to
 * 1000000) from the next frame rendered; keeps the mode and everything else.
 * Call it from the thread that dispatches the camera's context (frames are
 * rendered there). @return 0, -EINVAL (not a virtual camera, bad value) or
 * -ENOMEM.
 */
int ph_virtual_set_scene_lux(struct ph_camera *cam, float lux);

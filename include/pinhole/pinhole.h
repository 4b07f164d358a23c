/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/**
 * @file pinhole.h
 * Pinhole: an open camera stack for Linux. Include this header to get the
 * whole public API.
 *
 * Threading: a context and every object obtained from it may be used from
 * one thread at a time. The library never calls user code (log handler,
 * device open interface) from a thread of its own: only from inside the
 * calls the user makes.
 *
 * Errors: functions returning int return 0 (or a count) on success and a
 * negative errno on failure; functions returning a pointer return NULL on
 * failure. Every failure is also reported through the log handler.
 */

#include <pinhole/log.h>
#include <pinhole/format.h>
#include <pinhole/controls.h>
#include <pinhole/context.h>
#include <pinhole/event.h>
#include <pinhole/camera.h>
#include <pinhole/config.h>
#include <pinhole/stream.h>
#include <pinhole/request.h>

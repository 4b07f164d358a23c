/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * An IPA module run isolated: the core side of one pinhole-ipa-proxy worker
 * per camera (doc/ipa.md). Mirrors the module ABI's entry points. Faults
 * of the worker (crash, kill, missed deadline, malformed message) never
 * reach the caller as anything but a failed call: the worker is killed,
 * PH_EVENT_IPA_ERROR is queued, and it is restarted with back-off, the
 * state it had (configuration, streaming, sticky controls) replayed; after
 * PH_IPA_WORKER_MAX_FAILURES failures in a row it stays down.
 * Per-frame calls while the worker is down return -EAGAIN: the pipeline
 * keeps the last good parameters and sensor controls.
 */
#include <stdint.h>
#include <sys/types.h>

#include "ipc-protocol.h"

struct ph_camera;
struct ph_context;
struct ph_ipa_worker;

#define PH_IPA_WORKER_MAX_FAILURES 5

/*
 * Start a worker for the module at @path and wait for its hello, which
 * @hello receives. @return NULL on failure (logged).
 */
struct ph_ipa_worker *ph_ipa_worker_new(struct ph_context *ctx, const char *path,
					struct ph_ipc_hello *hello);
/* Stop the worker (the module's destroy() runs in it) and free. NULL is allowed. */
void ph_ipa_worker_free(struct ph_ipa_worker *w);
/* The camera PH_EVENT_IPA_ERROR events are about (borrowed; may stay NULL). */
void ph_ipa_worker_set_camera(struct ph_ipa_worker *w, struct ph_camera *camera);

/* Create the module's context. @return 0 or a negative errno; a failure here is final. */
int ph_ipa_worker_init(struct ph_ipa_worker *w, const struct ph_ipa_sensor_info *sensor,
		       const struct ph_ipa_tuning *tuning);
int ph_ipa_worker_configure(struct ph_ipa_worker *w, const struct ph_ipa_config *config);
int ph_ipa_worker_start(struct ph_ipa_worker *w, const struct ph_ipa_frame_info *sensor,
			const struct ph_ipa_controls *controls);
int ph_ipa_worker_queue_request(struct ph_ipa_worker *w, uint64_t frame,
				const struct ph_ipa_controls *controls);
int ph_ipa_worker_prepare(struct ph_ipa_worker *w, uint64_t frame, struct ph_ipa_isp_params *params,
			  struct ph_ipa_controls *sensor_controls);
int ph_ipa_worker_process_stats(struct ph_ipa_worker *w, uint64_t frame,
				const struct ph_ipa_frame_info *taken,
				const struct ph_ipa_stats *stats, struct ph_ipa_controls *metadata);
void ph_ipa_worker_stop(struct ph_ipa_worker *w);

/* The statistics buffer shared with the worker: fill it in place to save a copy. */
struct ph_ipa_stats *ph_ipa_worker_stats_buffer(struct ph_ipa_worker *w);
/* For tests and benchmarks: the worker's pid (0 when down), and the last restart's duration. */
pid_t ph_ipa_worker_pid(const struct ph_ipa_worker *w);
uint64_t ph_ipa_worker_last_restart_ns(const struct ph_ipa_worker *w);
/* True once the worker failed too often and stays down. */
bool ph_ipa_worker_given_up(const struct ph_ipa_worker *w);

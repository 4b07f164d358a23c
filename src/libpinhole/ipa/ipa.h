/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The IPA manager: finds IPA modules (shared objects exporting a
 * struct ph_ipa_module_desc, <pinhole/ipa/module.h>), checks their
 * descriptor, loads the sensor's tuning file and runs a module's context
 * for one camera, translating between control lists and the module ABI.
 * A module signed by this build runs in-process; any other (or every one
 * with PINHOLE_IPA_FORCE_ISOLATION=1) runs in a sandboxed worker process
 * behind the same calls (isolate.h, doc/ipa.md). When an isolated module
 * fails, its calls fail (the caller keeps its last parameters), the manager
 * queues PH_EVENT_IPA_ERROR and restarts it.
 *
 * Search order for modules: each directory of $PINHOLE_IPA_PATH (colon
 * separated), then the build tree's src/ipa/<module>/ when libpinhole runs
 * from its build tree, else the install's IPA directory.
 * Tuning files: $PINHOLE_TUNING_FILE if set, else <model>.yaml, else
 * uncalibrated.yaml, in each directory of $PINHOLE_TUNING_PATH, then the
 * source tree's data/tuning (uninstalled) or the install's.
 */

#include <stdbool.h>
#include <stdint.h>

#include <pinhole/ipa/module.h>

struct ph_camera;
struct ph_context;
struct ph_control_list;
struct ph_ipa_worker;

/* ---- sensor database ---- */

enum ph_sensor_gain_model {
	PH_SENSOR_GAIN_LINEAR,	   /* gain = code / gain_unit */
	PH_SENSOR_GAIN_RECIPROCAL, /* gain = gain_unit / (gain_unit - code) (Sony) */
};

struct ph_sensor_db_entry {
	const char *model;
	uint32_t width, height;	  /* pixel array */
	uint32_t unit_cell_nm[2]; /* pixel pitch */
	uint32_t bit_depth;	  /* ADC bits of the usual raw mode */
	uint32_t black_level;	  /* at bit_depth */
	uint32_t exposure_delay;  /* frames */
	uint32_t gain_delay;	  /* frames */
	enum ph_sensor_gain_model gain_model;
	uint32_t gain_unit; /* see the gain model */
	uint32_t gain_code_min, gain_code_max;
};

/* @return the entry of sensor @model, or NULL if it is not known. */
const struct ph_sensor_db_entry *ph_sensor_db_find(const char *model);
/* Analogue gain of register value @code. */
double ph_sensor_db_gain_from_code(const struct ph_sensor_db_entry *e, uint32_t code);
/* Register value of the largest gain not above @gain, within the code range. */
uint32_t ph_sensor_db_code_from_gain(const struct ph_sensor_db_entry *e, double gain);
/* Black level on the 16-bit scale of SensorBlackLevels. */
uint32_t ph_sensor_db_black_level16(const struct ph_sensor_db_entry *e);

/* True when libpinhole runs from its build tree: use the uninstalled modules and data. */
bool ph_ipa_uninstalled(void);

/* ---- tuning files ---- */

/* Fill @t with the uncalibrated defaults (documented in doc/tuning.md). */
void ph_tuning_default(struct ph_ipa_tuning *t);
/*
 * Load @path into @t. On any error (unreadable file, YAML syntax, unknown
 * key, bad value) log "<path>:<line>: key '<key>': <what>", then the
 * fallback, and leave @t at the uncalibrated defaults.
 * @return 0, -ENOENT (no such file), -EINVAL (malformed) or -ENOMEM.
 */
int ph_tuning_load(struct ph_context *ctx, const char *path, struct ph_ipa_tuning *t);
/*
 * Find the tuning file of sensor @model (see the search order above) and
 * load it; with no file, or a malformed one, @t holds the defaults.
 * @path_out (may be NULL) receives the file used, "" if none.
 * @return 0 if a file loaded, a negative errno otherwise (defaults in @t).
 */
int ph_tuning_load_for(struct ph_context *ctx, const char *model, struct ph_ipa_tuning *t,
		       char *path_out, size_t path_size);

/* ---- modules ---- */

struct ph_ipa;

/*
 * True if the module open on @module_fd (its path @path) carries a valid
 * signature of this build (<path>.sign); a missing or bad one is logged.
 */
bool ph_ipa_module_trusted(struct ph_context *ctx, int module_fd, const char *path);

/*
 * Check a module's descriptor: size, ABI version, name, pipeline and entry
 * points. Logs why a descriptor is refused, naming @path.
 * @return 0, -EPROTO (another ABI version) or -EINVAL.
 */
int ph_ipa_check_desc(struct ph_context *ctx, const char *path,
		      const struct ph_ipa_module_desc *desc);

/*
 * Load the module at @path (dlopen, check), or with @path NULL the first
 * module found for @pipeline, and create its context for @sensor with the
 * sensor's tuning data. @return NULL on failure (logged).
 */
struct ph_ipa *ph_ipa_load(struct ph_context *ctx, const char *path, const char *pipeline,
			   const struct ph_ipa_sensor_info *sensor);
/* Destroy the context and close the module. NULL is allowed. */
void ph_ipa_free(struct ph_ipa *ipa);

const char *ph_ipa_name(const struct ph_ipa *ipa);
const char *ph_ipa_path(const struct ph_ipa *ipa);
const struct ph_ipa_tuning *ph_ipa_tuning(const struct ph_ipa *ipa);
/* True if the module runs in a worker process. */
bool ph_ipa_isolated(const struct ph_ipa *ipa);
/* The worker of an isolated module (tests, benchmarks), else NULL. */
struct ph_ipa_worker *ph_ipa_get_worker(struct ph_ipa *ipa);
/* The camera that PH_EVENT_IPA_ERROR events name (borrowed). Call after loading. */
void ph_ipa_set_camera(struct ph_ipa *ipa, struct ph_camera *camera);
/*
 * A statistics buffer owned by @ipa: fill it and pass it to
 * ph_ipa_process_stats() to save a copy (an isolated module reads it in
 * shared memory). Any other buffer works too, and is copied.
 */
struct ph_ipa_stats *ph_ipa_stats_buffer(struct ph_ipa *ipa);

/*
 * The module's entry points. 0 or a negative errno; on failure leave the
 * previous parameters and sensor controls in force (-EAGAIN: an isolated
 * module is being restarted).
 */
int ph_ipa_configure(struct ph_ipa *ipa, const struct ph_ipa_config *config);
int ph_ipa_start(struct ph_ipa *ipa, const struct ph_ipa_frame_info *sensor,
		 const struct ph_control_list *controls);
int ph_ipa_queue_request(struct ph_ipa *ipa, uint64_t frame,
			 const struct ph_control_list *controls);
/* @sensor_controls receives the sensor controls to write (ExposureTime, AnalogueGain). */
int ph_ipa_prepare(struct ph_ipa *ipa, uint64_t frame, struct ph_ipa_isp_params *params,
		   struct ph_control_list *sensor_controls);
/* Merge the module's metadata of frame @frame into @metadata. @stats may be NULL. */
int ph_ipa_process_stats(struct ph_ipa *ipa, uint64_t frame, const struct ph_ipa_frame_info *taken,
			 const struct ph_ipa_stats *stats, struct ph_control_list *metadata);
void ph_ipa_stop(struct ph_ipa *ipa);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/**
 * @file ipa/module.h
 * The IPA module ABI: what an image processing algorithm module (3A:
 * exposure, white balance, colour, tone) exports so that libpinhole can
 * load it. A module is a shared object that exports exactly one symbol,
 * the descriptor named by PH_IPA_MODULE_SYMBOL, and links
 * nothing of libpinhole: everything it needs crosses this header.
 *
 * Rules of the boundary (doc/ipa.md has the full story):
 * - Every struct that crosses it starts with `uint32_t size`, set by its
 *   writer to sizeof() the struct it was built with. A reader uses only the
 *   fields that fit in @c size, so fields can be appended in later versions
 *   without breaking modules built against this one. Fields are never
 *   removed or reordered.
 * - ::PH_IPA_ABI_VERSION changes only for an incompatible change; the
 *   loader refuses a module whose descriptor carries another version.
 * - Controls are plain (id, value) pairs: ids from <pinhole/control_ids.h>,
 *   values are struct ph_control_value from <pinhole/controls.h> (only the
 *   type is used; a module calls no libpinhole function).
 * - Memory: whatever the library passes in is borrowed for the duration of
 *   the call. Output arrays are owned by the caller; the module fills at
 *   most their capacity. The module owns its context from init() until
 *   destroy().
 * - Threads: the library calls one context from one thread at a time, and
 *   never from inside another call of the same context. A module must not
 *   keep global mutable state: two cameras get two contexts.
 */

#include <stdint.h>

#include <pinhole/control_ids.h>
#include <pinhole/controls.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of this ABI. A module built for another version is refused. */
#define PH_IPA_ABI_VERSION 1

/** Name of the one symbol a module exports: a `const struct ph_ipa_module_desc`. */
#define PH_IPA_MODULE_SYMBOL "ph_ipa_module"

/** Priority of a log message from a module (the values of enum ph_log_priority). */
enum ph_ipa_log_priority {
	PH_IPA_LOG_ERROR = 1,
	PH_IPA_LOG_WARNING = 2,
	PH_IPA_LOG_INFO = 3,
	PH_IPA_LOG_DEBUG = 4,
};

/** One control crossing the boundary: an id and its value. */
struct ph_ipa_control {
	uint32_t id; /**< PH_CONTROL_* */
	uint32_t reserved;
	struct ph_control_value value;
};

/**
 * A list of controls. For input lists @c count entries are valid; for
 * output lists the caller sets @c capacity (and @c count to 0) and the
 * module appends up to @c capacity entries, replacing any of the same id.
 */
struct ph_ipa_controls {
	uint32_t size;
	uint32_t count;
	uint32_t capacity;
	struct ph_ipa_control *items;
};

/** Largest number of points of a colour temperature curve or CCM table in tuning data. */
#define PH_IPA_TUNING_MAX_POINTS 16

/**
 * Tuning data of one sensor, parsed by the library from the sensor's
 * tuning file (doc/tuning.md). Absent entries carry the uncalibrated
 * defaults, so a module can always use every field.
 */
struct ph_ipa_tuning {
	uint32_t size;
	char sensor[32];      /**< sensor model the file is for, "uncalibrated" for the fallback */
	uint32_t calibrated;  /**< 0: the uncalibrated fallback (no file, or a malformed one) */
	uint32_t black_level; /**< black level on a 16-bit scale; 0: use the sensor's */
	/* Automatic exposure */
	float ae_target;      /**< target mean luminance, linear, 0..1 of full scale */
	float ae_max_gain;    /**< largest analogue gain AE uses */
	float ae_speed;	      /**< fraction of a small correction applied per frame, 0..1 */
	uint32_t ae_metering; /**< 0 centre-weighted, 1 matrix, 2 spot */
	/* Automatic white balance: a grey's raw R/G and B/G under black bodies */
	uint32_t ct_points;
	struct ph_ipa_ct_point {
		float ct; /**< kelvin, increasing */
		float r;  /**< R/G of a grey */
		float b;  /**< B/G of a grey */
	} ct_curve[PH_IPA_TUNING_MAX_POINTS];
	float awb_default_ct; /**< white balance before the first statistics */
	float awb_speed;      /**< fraction of a correction applied per frame, 0..1 */
	/* Colour correction matrices by colour temperature (row major, camera -> sRGB linear) */
	uint32_t ccm_points;
	struct ph_ipa_ccm_point {
		float ct;
		float m[9];
	} ccm[PH_IPA_TUNING_MAX_POINTS];
	/* Lux: a reference exposure and the luminance it gave */
	float lux_exposure_us, lux_gain, lux_y, lux_lux;
	/* Tone: 1 sRGB transfer curve, 0 linear */
	uint32_t gamma;
};

/** struct ph_ipa_sensor_info::black_level of a sensor that does not report it. */
#define PH_IPA_BLACK_LEVEL_UNKNOWN 0xffffffffu

/** What the library knows about the sensor when it loads a module. */
struct ph_ipa_sensor_info {
	uint32_t size;
	char model[32];		/**< as the Model property */
	uint32_t width, height; /**< pixel array */
	uint32_t bit_depth;	/**< ADC bits */
	uint32_t cfa;	      /**< ColorFilterArrangement: 0 RGGB, 1 GRBG, 2 GBRG, 3 BGGR, 4 mono */
	uint32_t black_level; /**< as reported by the sensor, 16-bit scale, or
				 PH_IPA_BLACK_LEVEL_UNKNOWN */
	uint32_t exposure_delay;  /**< frames from writing ExposureTime to a frame taken with it */
	uint32_t gain_delay;	  /**< the same for AnalogueGain */
	float min_gain, max_gain; /**< analogue gain range */
	int32_t min_exposure_us;  /**< exposure range */
	int32_t max_exposure_us;
};

/** Log callback given to a module; @p message ends with a newline. */
typedef void (*ph_ipa_log_fn)(void *log_data, enum ph_ipa_log_priority priority,
			      const char *message);

/** Everything init() gets. */
struct ph_ipa_init_info {
	uint32_t size;
	const struct ph_ipa_sensor_info *sensor;
	const struct ph_ipa_tuning *tuning;
	/** Path of the tuning file the data came from, or NULL: modules with extra data
	 * of their own may read it. */
	const char *tuning_path;
	ph_ipa_log_fn log; /**< may be NULL */
	void *log_data;
};

/** The sensor mode and ISP set-up chosen by configure. */
struct ph_ipa_config {
	uint32_t size;
	uint32_t width, height;	       /**< sensor output (the ISP's input) */
	double line_time_us;	       /**< exposure is a whole number of lines */
	int64_t min_frame_duration_us; /**< the mode's fastest frame */
	int64_t max_frame_duration_us;
	uint32_t zones_x, zones_y;	/**< statistics grid */
	uint32_t exposure_margin_lines; /**< exposure is at most the frame length less this */
};

/** Largest statistics grid. */
#define PH_IPA_STATS_MAX_ZONES (32 * 32)
/** Bins of the luminance histogram. */
#define PH_IPA_HIST_BINS 256

/**
 * Statistics of one frame, per 2x2 CFA quad (R, mean of the two G, B) on a
 * 16-bit scale, after black level and before white balance.
 */
struct ph_ipa_stats {
	uint32_t size;
	uint32_t zones_x, zones_y;
	uint32_t full_scale; /**< value of a sample at the white level (white - black) */
	struct ph_ipa_zone {
		uint64_t sum_r, sum_g, sum_b; /**< over unsaturated quads */
		uint32_t counted;	      /**< unsaturated quads summed */
		uint32_t saturated;	      /**< quads with a sample at the white level */
	} zones[PH_IPA_STATS_MAX_ZONES];
	/** Luminance (0.299 R + 0.587 G + 0.114 B, before white balance) of every
	 * sampled quad, PH_IPA_HIST_BINS bins over 0..full_scale. */
	uint32_t histogram[PH_IPA_HIST_BINS];
	uint32_t quads;
};

/** Tone curve selection of struct ph_ipa_isp_params. */
enum ph_ipa_gamma {
	PH_IPA_GAMMA_LINEAR = 0,
	PH_IPA_GAMMA_SRGB = 1,
};

/** What the ISP does to one frame. */
struct ph_ipa_isp_params {
	uint32_t size;
	uint16_t black_level[4]; /**< per CFA site (top-left, top-right, bottom-left,
				    bottom-right), 16-bit scale */
	float wb_gains[3];	 /**< R, G, B */
	float ccm[9];		 /**< row major, white-balanced camera RGB -> linear sRGB */
	float ccm_offsets[3];
	uint32_t gamma; /**< enum ph_ipa_gamma */
	float brightness, contrast, saturation;
};

/** The sensor's state when a frame was taken (its metadata, as the pipeline reports it). */
struct ph_ipa_frame_info {
	uint32_t size;
	uint64_t sequence;
	int32_t exposure_us;
	float gain;
	int64_t frame_duration_us;
};

struct ph_ipa_context;

/**
 * The descriptor a module exports as ::ph_ipa_module. Functions return 0
 * or a negative errno; a module that fails a per-frame call leaves the
 * previous parameters in force.
 */
struct ph_ipa_module_desc {
	uint32_t size;	      /**< sizeof(struct ph_ipa_module_desc) of the module's build */
	uint32_t abi_version; /**< PH_IPA_ABI_VERSION of the module's build */
	const char *name;     /**< module name, e.g. "simple" */
	const char *pipeline; /**< the pipeline handler it serves, e.g. "virtual" */

	/** Create a context for one camera. @return NULL on failure (logged). */
	struct ph_ipa_context *(*init)(const struct ph_ipa_init_info *info);
	/** A new sensor mode and statistics grid; called before start(). */
	int (*configure)(struct ph_ipa_context *ctx, const struct ph_ipa_config *config);
	/**
	 * Streaming starts with frame 0 taken with @p sensor (exposure and gain in
	 * force); @p controls are the start controls (may be empty).
	 */
	int (*start)(struct ph_ipa_context *ctx, const struct ph_ipa_frame_info *sensor,
		     const struct ph_ipa_controls *controls);
	/** The controls of the request that receives frame @p frame. */
	int (*queue_request)(struct ph_ipa_context *ctx, uint64_t frame,
			     const struct ph_ipa_controls *controls);
	/**
	 * Frame @p frame is being read out: fill its ISP parameters, and the sensor
	 * controls (ExposureTime, AnalogueGain) to write now. Written values take
	 * effect after the sensor's delays (struct ph_ipa_sensor_info).
	 */
	int (*prepare)(struct ph_ipa_context *ctx, uint64_t frame, struct ph_ipa_isp_params *params,
		       struct ph_ipa_controls *sensor_controls);
	/**
	 * Statistics of frame @p frame, taken as @p taken says; fill the metadata
	 * the module owns (what it applied to this frame: AeEnable, AwbEnable,
	 * ColourGains, ColourTemperature, ColourCorrectionMatrix, Lux, ...).
	 * @p stats is NULL when the frame was not processed.
	 */
	int (*process_stats)(struct ph_ipa_context *ctx, uint64_t frame,
			     const struct ph_ipa_frame_info *taken,
			     const struct ph_ipa_stats *stats, struct ph_ipa_controls *metadata);
	/** Streaming stopped; start() may follow. */
	void (*stop)(struct ph_ipa_context *ctx);
	/** Free the context. */
	void (*destroy)(struct ph_ipa_context *ctx);
};

#ifdef __cplusplus
}
#endif

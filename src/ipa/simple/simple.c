/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "simple" IPA module: 3A for pipelines that use the software ISP.
 *
 * - AE: meters the white-balanced luminance of the statistics zones
 *   (centre-weighted, matrix or spot), counting clipped quads as full
 *   scale, and aims it at the tuning's target; a highlight guard stops
 *   raising the exposure while more than 3% of the frame clips and halves
 *   it at least while more than 20% does. The correction is computed from
 *   the exposure the metered frame was really taken with, so frames still
 *   in flight give the same answer and the loop does not overshoot; small
 *   corrections are damped and corrections under 2% ignored. The total is
 *   split into exposure first (up to the frame length allowed by
 *   FrameDurationLimits), then analogue gain. The gain is written so that
 *   it lands on the same frame as the exposure it goes with. Controls:
 *   AeMeteringMode, ExposureValue (target x 2^EV), AeFlickerMode 1 with
 *   AeFlickerPeriod (exposures of at least one period become whole
 *   periods; gain makes up the rest).
 * - AWB: grey world over the zones that are neither clipped nor very dark
 *   and whose colour lies near the tuning's colour temperature curve,
 *   refined around the first estimate, projected onto the curve: gains and
 *   a colour temperature. Moves towards the estimate in mireds.
 * - Black level (the sensor's, else the tuning's), CCM interpolated by
 *   colour temperature, sRGB gamma, Brightness/Contrast/Saturation, Lux.
 *
 * Manual ExposureTime or AnalogueGain turns that half of AE off until
 * AeEnable=true; ColourGains or ColourTemperature turn AWB off until
 * AwbEnable=true. doc/ipa.md describes the behaviour.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/ipa/module.h>

#define APPLIED_RING 8

/* What one frame was processed with, for its metadata. */
struct applied {
	uint64_t frame;
	bool valid;
	bool ae, awb;
	float gains[2];
	float ct;
	float ccm[9];
	float brightness, contrast, saturation;
	/* AE settings the frame's exposure was decided under (the request's) */
	int32_t metering, flicker_mode, flicker_period_us;
	float ev;
};

/* AeMeteringMode values (controls.yaml) and the tuning's ae_metering values. */
enum {
	METERING_CONTROL_CENTRE = 0,
	METERING_CONTROL_SPOT = 1,
	METERING_CONTROL_MATRIX = 2,
	METERING_TUNING_CENTRE = 0,
	METERING_TUNING_MATRIX = 1,
	METERING_TUNING_SPOT = 2,
};

struct ph_ipa_context {
	ph_ipa_log_fn log;
	void *log_data;
	struct ph_ipa_sensor_info sensor;
	struct ph_ipa_tuning tuning;
	struct ph_ipa_config config;

	/* AE */
	bool exp_auto, gain_auto;
	bool exp_write, gain_write; /* a manual value to write at the next prepare */
	double manual_exposure_us, manual_gain;
	double desired_total; /* exposure_us x gain the algorithm aims at */
	double exposure_us, gain;
	int64_t fdl[2];
	bool pending_gain;
	uint64_t pending_gain_frame;
	double pending_gain_value;
	float lux;
	uint32_t metering;	   /* zone weights, as the tuning's ae_metering */
	bool flicker;		   /* AeFlickerMode manual */
	int32_t flicker_period_us; /* AeFlickerPeriod */
	float ev;		   /* ExposureValue, stops */

	/* AWB */
	bool awb_auto;
	float gains[2];
	float ct;
	float ccm[9];

	float brightness, contrast, saturation;
	struct applied applied[APPLIED_RING];
};

static void ipa_log(struct ph_ipa_context *c, enum ph_ipa_log_priority prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void ipa_log(struct ph_ipa_context *c, enum ph_ipa_log_priority prio, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (!c->log)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->log(c->log_data, prio, buf);
}

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* ---- colour temperature curve ---- */

/* Gains (R, B) and CCM at @ct, interpolated in mireds along the tuning curve. */
static void curve_at(const struct ph_ipa_tuning *t, double ct, float *r, float *b)
{
	unsigned n = t->ct_points;

	if (n == 0) {
		*r = *b = 1.0f;
		return;
	}
	if (n == 1 || ct <= t->ct_curve[0].ct) {
		*r = t->ct_curve[0].r;
		*b = t->ct_curve[0].b;
		return;
	}
	if (ct >= t->ct_curve[n - 1].ct) {
		*r = t->ct_curve[n - 1].r;
		*b = t->ct_curve[n - 1].b;
		return;
	}
	for (unsigned i = 0; i + 1 < n; i++) {
		const struct ph_ipa_ct_point *p = &t->ct_curve[i], *q = p + 1;

		if (ct <= q->ct) {
			double m = 1e6 / ct, mp = 1e6 / p->ct, mq = 1e6 / q->ct;
			double f = (mp - m) / (mp - mq);

			*r = (float)(p->r + f * (q->r - p->r));
			*b = (float)(p->b + f * (q->b - p->b));
			return;
		}
	}
}

/*
 * Project the grey's (r, b) = (R/G, B/G) onto the curve: @return the colour
 * temperature of the nearest point; @dist its distance (relative).
 */
static double curve_project(const struct ph_ipa_tuning *t, double r, double b, double *dist)
{
	double best = INFINITY, best_ct = t->awb_default_ct;

	for (unsigned i = 0; i + 1 < t->ct_points; i++) {
		const struct ph_ipa_ct_point *p = &t->ct_curve[i], *q = p + 1;
		double dr = q->r - p->r, db = q->b - p->b, len2 = dr * dr + db * db;
		double f = len2 > 0 ? ((r - p->r) * dr + (b - p->b) * db) / len2 : 0;
		double cr, cb, d;

		f = clampd(f, 0, 1);
		cr = p->r + f * dr;
		cb = p->b + f * db;
		/* Relative distance: the same tolerance for reddish and bluish light. */
		d = hypot((r - cr) / cr, (b - cb) / cb);
		if (d < best) {
			double mp = 1e6 / p->ct, mq = 1e6 / q->ct;

			best = d;
			best_ct = 1e6 / (mp + f * (mq - mp));
		}
	}
	if (dist)
		*dist = best;
	return best_ct;
}

static void ccm_at(const struct ph_ipa_tuning *t, double ct, float m[9])
{
	unsigned n = t->ccm_points;
	static const float identity[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};

	if (n == 0) {
		memcpy(m, identity, sizeof(identity));
		return;
	}
	if (n == 1 || ct <= t->ccm[0].ct) {
		memcpy(m, t->ccm[0].m, sizeof(t->ccm[0].m));
		return;
	}
	if (ct >= t->ccm[n - 1].ct) {
		memcpy(m, t->ccm[n - 1].m, sizeof(t->ccm[0].m));
		return;
	}
	for (unsigned i = 0; i + 1 < n; i++) {
		const struct ph_ipa_ccm_point *p = &t->ccm[i], *q = p + 1;

		if (ct <= q->ct) {
			double f = (ct - p->ct) / (q->ct - p->ct);

			for (unsigned k = 0; k < 9; k++)
				m[k] = (float)(p->m[k] + f * (q->m[k] - p->m[k]));
			return;
		}
	}
}

static void set_ct(struct ph_ipa_context *c, double ct)
{
	float r, b;

	c->ct = (float)ct;
	if (c->tuning.ct_points) {
		curve_at(&c->tuning, ct, &r, &b);
		c->gains[0] = 1.0f / r;
		c->gains[1] = 1.0f / b;
	}
	ccm_at(&c->tuning, ct, c->ccm);
}

/* ---- entry points ---- */

static struct ph_ipa_context *simple_init(const struct ph_ipa_init_info *info)
{
	struct ph_ipa_context *c;

	if (!info || info->size < sizeof(*info) || !info->sensor || !info->tuning ||
	    info->sensor->size < sizeof(struct ph_ipa_sensor_info) ||
	    info->tuning->size < sizeof(struct ph_ipa_tuning))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->log = info->log;
	c->log_data = info->log_data;
	c->sensor = *info->sensor;
	c->tuning = *info->tuning;
	if (c->tuning.ae_max_gain <= 0 || c->tuning.ae_max_gain > c->sensor.max_gain)
		c->tuning.ae_max_gain = c->sensor.max_gain;
	if (c->sensor.min_gain < 1.0f)
		c->sensor.min_gain = 1.0f;
	c->awb_auto = true;
	c->exp_auto = c->gain_auto = true;
	c->brightness = 0.0f;
	c->contrast = 1.0f;
	c->saturation = 1.0f;
	c->metering = c->tuning.ae_metering;
	c->flicker_period_us = 10000; /* 50 Hz mains */
	/* Neutral until AWB has seen a frame: set_ct only sets gains from a curve. */
	c->gains[0] = c->gains[1] = 1.0f;
	set_ct(c, c->tuning.awb_default_ct);
	ipa_log(c, PH_IPA_LOG_DEBUG, "simple: %s, tuning %s%s\n", c->sensor.model, c->tuning.sensor,
		c->tuning.calibrated ? "" : " (uncalibrated)");
	return c;
}

static int simple_configure(struct ph_ipa_context *c, const struct ph_ipa_config *config)
{
	if (!config || config->size < sizeof(*config) || config->line_time_us <= 0)
		return -EINVAL;
	c->config = *config;
	c->fdl[0] = config->min_frame_duration_us;
	c->fdl[1] = config->max_frame_duration_us;
	return 0;
}

static double max_exposure(const struct ph_ipa_context *c)
{
	double e = (double)c->fdl[1] - c->config.exposure_margin_lines * c->config.line_time_us;

	if (e > c->sensor.max_exposure_us)
		e = c->sensor.max_exposure_us;
	return e < c->config.line_time_us ? c->config.line_time_us : e;
}

/* One request's (or the start) controls. @write: manual values must be written. */
static void take_controls(struct ph_ipa_context *c, const struct ph_ipa_controls *controls,
			  bool write)
{
	bool ae_on = false, awb_on = false;

	if (!controls || controls->size < sizeof(*controls))
		return;
	/* Enables first: an explicit AeEnable/AwbEnable=true wins over values beside it. */
	for (uint32_t i = 0; i < controls->count; i++) {
		const struct ph_ipa_control *ctl = &controls->items[i];

		if (ctl->id == PH_CONTROL_AE_ENABLE) {
			ae_on = ctl->value.b[0];
			c->exp_auto = c->gain_auto = ae_on;
			if (!ae_on) {
				c->manual_exposure_us = c->exposure_us;
				c->manual_gain = c->gain;
			}
		} else if (ctl->id == PH_CONTROL_AWB_ENABLE) {
			awb_on = ctl->value.b[0];
			c->awb_auto = awb_on;
		}
	}
	for (uint32_t i = 0; i < controls->count; i++) {
		const struct ph_ipa_control *ctl = &controls->items[i];
		const struct ph_control_value *v = &ctl->value;

		switch (ctl->id) {
		case PH_CONTROL_EXPOSURE_TIME:
			if (ae_on)
				break;
			c->exp_auto = false;
			c->manual_exposure_us = v->i32[0];
			c->exp_write = write;
			break;
		case PH_CONTROL_ANALOGUE_GAIN:
			if (ae_on)
				break;
			c->gain_auto = false;
			c->manual_gain = v->f[0];
			c->gain_write = write;
			c->pending_gain = false;
			break;
		case PH_CONTROL_COLOUR_GAINS:
			if (awb_on)
				break;
			c->awb_auto = false;
			c->gains[0] = v->f[0];
			c->gains[1] = v->f[1];
			/* The colour temperature these gains balance, for the CCM. */
			if (c->tuning.ct_points >= 2 && v->f[0] > 0 && v->f[1] > 0) {
				c->ct = (float)curve_project(&c->tuning, 1.0 / v->f[0],
							     1.0 / v->f[1], NULL);
				ccm_at(&c->tuning, c->ct, c->ccm);
			}
			break;
		case PH_CONTROL_COLOUR_TEMPERATURE:
			if (awb_on)
				break;
			c->awb_auto = false;
			set_ct(c, clampd(v->i32[0], 1000, 40000));
			break;
		case PH_CONTROL_FRAME_DURATION_LIMITS:
			c->fdl[0] = v->i64[0];
			c->fdl[1] = v->i64[1] < v->i64[0] ? v->i64[0] : v->i64[1];
			break;
		case PH_CONTROL_BRIGHTNESS:
			c->brightness = v->f[0];
			break;
		case PH_CONTROL_CONTRAST:
			c->contrast = v->f[0];
			break;
		case PH_CONTROL_SATURATION:
			c->saturation = v->f[0];
			break;
		case PH_CONTROL_AE_METERING_MODE:
			c->metering = v->i32[0] == METERING_CONTROL_SPOT ? METERING_TUNING_SPOT
				      : v->i32[0] == METERING_CONTROL_MATRIX
					      ? METERING_TUNING_MATRIX
					      : METERING_TUNING_CENTRE;
			break;
		case PH_CONTROL_AE_FLICKER_MODE:
			c->flicker = v->i32[0] == 1;
			break;
		case PH_CONTROL_AE_FLICKER_PERIOD:
			if (v->i32[0] > 0)
				c->flicker_period_us = v->i32[0];
			break;
		case PH_CONTROL_EXPOSURE_VALUE:
			c->ev = (float)clampd(v->f[0], -8.0, 8.0);
			break;
		default:
			break;
		}
	}
}

static int simple_start(struct ph_ipa_context *c, const struct ph_ipa_frame_info *sensor,
			const struct ph_ipa_controls *controls)
{
	if (!sensor || sensor->size < sizeof(*sensor))
		return -EINVAL;
	c->exposure_us = sensor->exposure_us;
	c->gain = sensor->gain;
	c->desired_total = c->exposure_us * c->gain;
	c->pending_gain = false;
	c->exp_write = c->gain_write = false;
	c->lux = 0.0f;
	memset(c->applied, 0, sizeof(c->applied));
	/* The pipeline already put the start controls on the sensor. */
	take_controls(c, controls, false);
	if (!c->exp_auto)
		c->manual_exposure_us = sensor->exposure_us;
	if (!c->gain_auto)
		c->manual_gain = sensor->gain;
	return 0;
}

static int simple_queue_request(struct ph_ipa_context *c, uint64_t frame,
				const struct ph_ipa_controls *controls)
{
	take_controls(c, controls, true);
	return 0;
}

static void add_control(struct ph_ipa_controls *out, uint32_t id, struct ph_control_value v)
{
	if (!out || out->size < sizeof(*out))
		return;
	for (uint32_t i = 0; i < out->count; i++) {
		if (out->items[i].id == id) {
			out->items[i].value = v;
			return;
		}
	}
	if (out->count < out->capacity)
		out->items[out->count++] = (struct ph_ipa_control){.id = id, .value = v};
}

static struct ph_control_value val_i32(int32_t v)
{
	return (struct ph_control_value){PH_CONTROL_TYPE_INT32, 1, .i32 = {v}};
}

static struct ph_control_value val_f(float v)
{
	return (struct ph_control_value){PH_CONTROL_TYPE_FLOAT, 1, .f = {v}};
}

static struct ph_control_value val_b(bool v)
{
	return (struct ph_control_value){PH_CONTROL_TYPE_BOOL, 1, .b = {v}};
}

/* Split the desired total into exposure then gain, as the sensor can take them. */
static void split_exposure(struct ph_ipa_context *c, double *exposure, double *gain)
{
	double line = c->config.line_time_us, e, g;

	if (c->exp_auto) {
		double want =
			c->desired_total / (c->gain_auto ? c->sensor.min_gain : c->manual_gain);

		double max = max_exposure(c);

		e = clampd(want, c->sensor.min_exposure_us, max);
		if (c->flicker && c->flicker_period_us > 0 && e >= c->flicker_period_us) {
			/*
			 * Flicker: a whole number of periods of the light's
			 * intensity (twice the mains frequency), to the nearest
			 * line; the gain makes up the rest.
			 */
			double p = c->flicker_period_us;

			e = floor(e / p + 1e-6) * p;
			e = round(e / line) * line;
			if (e > max)
				e -= line;
		} else {
			/* Whole lines, rounded down (gain makes up the rest). */
			e = floor(e / line + 1e-6) * line;
		}
		if (e < line)
			e = line;
	} else {
		e = c->manual_exposure_us;
	}
	if (c->gain_auto)
		g = clampd(c->desired_total / (e > 0 ? e : 1), c->sensor.min_gain,
			   c->tuning.ae_max_gain);
	else
		g = c->manual_gain;
	*exposure = e;
	*gain = g;
}

static int simple_prepare(struct ph_ipa_context *c, uint64_t frame, struct ph_ipa_isp_params *p,
			  struct ph_ipa_controls *sensor_out)
{
	struct applied *a = &c->applied[frame % APPLIED_RING];
	uint32_t lag = c->sensor.exposure_delay > c->sensor.gain_delay
			       ? c->sensor.exposure_delay - c->sensor.gain_delay
			       : 0;
	double e, g;

	if (!p || p->size < sizeof(*p))
		return -EINVAL;

	/* A gain decided with an earlier exposure: written now, it lands with it. */
	if (c->pending_gain && c->pending_gain_frame <= frame) {
		add_control(sensor_out, PH_CONTROL_ANALOGUE_GAIN,
			    val_f((float)c->pending_gain_value));
		c->pending_gain = false;
	}
	split_exposure(c, &e, &g);
	if (c->exp_auto || c->exp_write)
		add_control(sensor_out, PH_CONTROL_EXPOSURE_TIME, val_i32((int32_t)lround(e)));
	if (c->gain_write || (c->gain_auto && lag == 0)) {
		add_control(sensor_out, PH_CONTROL_ANALOGUE_GAIN, val_f((float)g));
	} else if (c->gain_auto && fabs(g - c->gain) > 1e-4) {
		c->pending_gain = true;
		c->pending_gain_frame = frame + lag;
		c->pending_gain_value = g;
	}
	c->exp_write = c->gain_write = false;
	c->exposure_us = e;
	c->gain = g;

	/* The ISP. */
	uint32_t black = c->sensor.black_level != PH_IPA_BLACK_LEVEL_UNKNOWN
				 ? c->sensor.black_level
				 : c->tuning.black_level;

	for (unsigned i = 0; i < 4; i++)
		p->black_level[i] = (uint16_t)(black > 65535 ? 65535 : black);
	p->wb_gains[0] = c->gains[0];
	p->wb_gains[1] = 1.0f;
	p->wb_gains[2] = c->gains[1];
	memcpy(p->ccm, c->ccm, sizeof(p->ccm));
	memset(p->ccm_offsets, 0, sizeof(p->ccm_offsets));
	p->gamma = c->tuning.gamma ? PH_IPA_GAMMA_SRGB : PH_IPA_GAMMA_LINEAR;
	p->brightness = c->brightness;
	p->contrast = c->contrast;
	p->saturation = c->saturation;

	*a = (struct applied){
		.frame = frame,
		.valid = true,
		.ae = c->exp_auto || c->gain_auto,
		.awb = c->awb_auto,
		.gains = {c->gains[0], c->gains[1]},
		.ct = c->ct,
		.brightness = c->brightness,
		.contrast = c->contrast,
		.saturation = c->saturation,
		.metering = c->metering == METERING_TUNING_SPOT	    ? METERING_CONTROL_SPOT
			    : c->metering == METERING_TUNING_MATRIX ? METERING_CONTROL_MATRIX
								    : METERING_CONTROL_CENTRE,
		.flicker_mode = c->flicker ? 1 : 0,
		.flicker_period_us = c->flicker_period_us,
		.ev = c->ev,
	};
	memcpy(a->ccm, c->ccm, sizeof(a->ccm));
	return 0;
}

/* Zone weights of the metering modes: by distance from the centre. */
static double zone_weight(uint32_t metering, uint32_t zx, uint32_t zy, uint32_t nx, uint32_t ny)
{
	double dx = ((zx + 0.5) / nx - 0.5) * 2, dy = ((zy + 0.5) / ny - 0.5) * 2;
	double d = sqrt(dx * dx + dy * dy) / sqrt(2.0); /* 0 centre, 1 corners */

	switch (metering) {
	case 1: /* matrix */
		return 1.0;
	case 2: /* spot: the central 20% */
		return d < 0.2 ? 1.0 : 0.0;
	default: /* centre-weighted */
		return d < 0.3 ? 4.0 : d < 0.6 ? 2.0 : 1.0;
	}
}

/*
 * Metered luminance (0..1 of full scale) of a frame white-balanced with
 * @gains, clipped quads counted as 1; @sat_frac the clipped fraction.
 */
static double meter(const struct ph_ipa_context *c, const struct ph_ipa_stats *s,
		    const float gains[2], double *sat_frac)
{
	double full = s->full_scale ? s->full_scale : 65535.0;
	double ysum = 0, wsum = 0, sat = 0, all = 0;

	for (uint32_t zy = 0; zy < s->zones_y; zy++) {
		for (uint32_t zx = 0; zx < s->zones_x; zx++) {
			const struct ph_ipa_zone *z = &s->zones[zy * s->zones_x + zx];
			double n = (double)z->counted + z->saturated, w, y;

			if (n == 0)
				continue;
			w = zone_weight(c->metering, zx, zy, s->zones_x, s->zones_y);
			y = (0.299 * gains[0] * (double)z->sum_r + 0.587 * (double)z->sum_g +
			     0.114 * gains[1] * (double)z->sum_b) /
				    full +
			    z->saturated;
			ysum += w * y / n;
			wsum += w;
			sat += z->saturated;
			all += n;
		}
	}
	*sat_frac = all > 0 ? sat / all : 0;
	return wsum > 0 ? ysum / wsum : 0;
}

static void run_ae(struct ph_ipa_context *c, const struct ph_ipa_frame_info *taken, double y,
		   double sat_frac)
{
	double total = (double)taken->exposure_us * taken->gain, factor, target, ratio;
	double lo = c->sensor.min_exposure_us * c->sensor.min_gain;
	double hi = max_exposure(c) * c->tuning.ae_max_gain;

	if (!c->exp_auto && !c->gain_auto)
		return;
	if (total <= 0)
		return;
	/* ExposureValue: the target scaled by 2^EV. */
	target = c->tuning.ae_target * exp2(c->ev);
	factor = y > 1e-4 ? target / y : 16.0;
	factor = clampd(factor, 1.0 / 16, 16.0);
	/* Highlight guard. */
	if (sat_frac > 0.03 && factor > 1.0)
		factor = 1.0;
	if (sat_frac > 0.20 && factor > 0.5)
		factor = 0.5;
	target = clampd(total * factor, lo, hi);
	ratio = target / c->desired_total;
	if (fabs(ratio - 1.0) < 0.02)
		return; /* close enough: do not chase noise */
	if (fabs(ratio - 1.0) < 0.25)
		c->desired_total *= 1.0 + c->tuning.ae_speed * (ratio - 1.0);
	else
		c->desired_total = target;
}

/* Grey world over the zones near the curve (or near @around, if > 0). */
static bool grey_world(const struct ph_ipa_context *c, const struct ph_ipa_stats *s,
		       double around_r, double around_b, double tolerance, double *r, double *b)
{
	double full = s->full_scale ? s->full_scale : 65535.0;
	double R = 0, G = 0, B = 0;
	unsigned used = 0, valid = 0;

	for (uint32_t i = 0; i < s->zones_x * s->zones_y; i++) {
		const struct ph_ipa_zone *z = &s->zones[i];
		double n = (double)z->counted + z->saturated, zr, zb, d;

		if (z->counted == 0 || z->saturated * 20.0 > n)
			continue; /* clipped */
		if ((double)z->sum_g / z->counted < 0.02 * full || z->sum_g == 0)
			continue; /* very dark: noise */
		valid++;
		zr = (double)z->sum_r / (double)z->sum_g;
		zb = (double)z->sum_b / (double)z->sum_g;
		if (around_r > 0)
			d = hypot((zr - around_r) / around_r, (zb - around_b) / around_b);
		else if (c->tuning.ct_points >= 2)
			curve_project(&c->tuning, zr, zb, &d);
		else
			d = 0;
		if (d > tolerance)
			continue;
		R += (double)z->sum_r;
		G += (double)z->sum_g;
		B += (double)z->sum_b;
		used++;
	}
	if (used == 0 || G <= 0 || used * 20 < valid)
		return false;
	*r = R / G;
	*b = B / G;
	return true;
}

/* Weighted (by green) median, in mireds, of the zones within 6% of the curve. */
static bool median_ct(const struct ph_ipa_context *c, const struct ph_ipa_stats *s, double *ct)
{
	double full = s->full_scale ? s->full_scale : 65535.0;
	double mired[PH_IPA_STATS_MAX_ZONES], weight[PH_IPA_STATS_MAX_ZONES], total = 0, acc = 0;
	unsigned n = 0, valid = 0;

	for (uint32_t i = 0; i < s->zones_x * s->zones_y && i < PH_IPA_STATS_MAX_ZONES; i++) {
		const struct ph_ipa_zone *z = &s->zones[i];
		double d, t;

		if (z->counted == 0 || z->saturated * 20.0 > (double)z->counted + z->saturated ||
		    (double)z->sum_g / z->counted < 0.02 * full)
			continue;
		valid++;
		t = curve_project(&c->tuning, (double)z->sum_r / (double)z->sum_g,
				  (double)z->sum_b / (double)z->sum_g, &d);
		if (d > 0.06)
			continue;
		/* Insertion sort by mired: at most a few hundred zones. */
		unsigned j = n++;

		for (; j > 0 && mired[j - 1] > 1e6 / t; j--) {
			mired[j] = mired[j - 1];
			weight[j] = weight[j - 1];
		}
		mired[j] = 1e6 / t;
		weight[j] = (double)z->sum_g;
		total += weight[j];
	}
	if (n == 0 || n * 10 < valid)
		return false;
	for (unsigned j = 0; j < n; j++) {
		acc += weight[j];
		if (acc >= total / 2) {
			*ct = 1e6 / mired[j];
			return true;
		}
	}
	return false;
}

static void run_awb(struct ph_ipa_context *c, const struct ph_ipa_stats *s)
{
	double r, b, ct, speed = c->tuning.awb_speed;

	if (!c->awb_auto)
		return;
	if (c->tuning.ct_points < 2) {
		/* No curve: plain grey world over the usable zones. */
		if (!grey_world(c, s, 0, 0, INFINITY, &r, &b) || r <= 0 || b <= 0)
			return;
		c->gains[0] += (float)(speed * (1.0 / r - c->gains[0]));
		c->gains[1] += (float)(speed * (1.0 / b - c->gains[1]));
		return;
	}
	/*
	 * The greys: the weighted median colour temperature of the zones that lie
	 * close to the curve (a grey surround dominates it, the few colours that
	 * happen to lie near the curve do not), then the grey world of the zones
	 * around that point.
	 */
	if (median_ct(c, s, &ct)) {
		float cr, cb;

		curve_at(&c->tuning, ct, &cr, &cb);
		if (!grey_world(c, s, cr, cb, 0.06, &r, &b)) {
			r = cr;
			b = cb;
		}
	} else if (!grey_world(c, s, 0, 0, 0.25, &r, &b) &&
		   !grey_world(c, s, 0, 0, INFINITY, &r, &b)) {
		return;
	}
	ct = curve_project(&c->tuning, r, b, NULL);
	/* Move in mireds, where equal steps look equal. */
	{
		double m = 1e6 / c->ct, mt = 1e6 / ct;

		m += speed * (mt - m);
		set_ct(c, 1e6 / m);
	}
}

static int simple_process_stats(struct ph_ipa_context *c, uint64_t frame,
				const struct ph_ipa_frame_info *taken,
				const struct ph_ipa_stats *stats, struct ph_ipa_controls *md)
{
	const struct applied *a = &c->applied[frame % APPLIED_RING];

	if (!taken || taken->size < sizeof(*taken))
		return -EINVAL;
	if (!a->valid || a->frame != frame)
		a = NULL;

	if (stats && stats->size >= sizeof(*stats) && a) {
		double sat, y = meter(c, stats, a->gains, &sat);
		double total = (double)taken->exposure_us * taken->gain;

		run_ae(c, taken, y, sat);
		run_awb(c, stats);
		if (total > 0 && c->tuning.lux_y > 0 && sat < 0.2)
			c->lux = (float)(c->tuning.lux_lux * (y / c->tuning.lux_y) *
					 (c->tuning.lux_exposure_us * c->tuning.lux_gain) / total);
	}

	if (a) {
		struct ph_control_value gains = {PH_CONTROL_TYPE_FLOAT, 2,
						 .f = {a->gains[0], a->gains[1]}};
		struct ph_control_value ccm = {PH_CONTROL_TYPE_FLOAT, 9, .f = {0}};

		memcpy(ccm.f, a->ccm, sizeof(a->ccm));
		add_control(md, PH_CONTROL_AE_ENABLE, val_b(a->ae));
		add_control(md, PH_CONTROL_AWB_ENABLE, val_b(a->awb));
		add_control(md, PH_CONTROL_COLOUR_GAINS, gains);
		if (c->tuning.ct_points >= 2)
			add_control(md, PH_CONTROL_COLOUR_TEMPERATURE,
				    val_i32((int32_t)lroundf(a->ct)));
		add_control(md, PH_CONTROL_COLOUR_CORRECTION_MATRIX, ccm);
		add_control(md, PH_CONTROL_BRIGHTNESS, val_f(a->brightness));
		add_control(md, PH_CONTROL_CONTRAST, val_f(a->contrast));
		add_control(md, PH_CONTROL_SATURATION, val_f(a->saturation));
		add_control(md, PH_CONTROL_AE_METERING_MODE, val_i32(a->metering));
		add_control(md, PH_CONTROL_AE_FLICKER_MODE, val_i32(a->flicker_mode));
		add_control(md, PH_CONTROL_AE_FLICKER_PERIOD, val_i32(a->flicker_period_us));
		add_control(md, PH_CONTROL_EXPOSURE_VALUE, val_f(a->ev));
	}
	if (c->lux > 0)
		add_control(md, PH_CONTROL_LUX, val_f(c->lux));
	return 0;
}

static void simple_stop(struct ph_ipa_context *c)
{
	c->pending_gain = false;
}

static void simple_destroy(struct ph_ipa_context *c)
{
	free(c);
}

__attribute__((visibility("default"))) const struct ph_ipa_module_desc ph_ipa_module = {
	.size = sizeof(struct ph_ipa_module_desc),
	.abi_version = PH_IPA_ABI_VERSION,
	.name = "simple",
	.pipeline = "virtual,simple",
	.init = simple_init,
	.configure = simple_configure,
	.start = simple_start,
	.queue_request = simple_queue_request,
	.prepare = simple_prepare,
	.process_stats = simple_process_stats,
	.stop = simple_stop,
	.destroy = simple_destroy,
};

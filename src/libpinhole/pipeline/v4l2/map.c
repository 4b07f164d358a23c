/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* V4L2 formats, colour spaces and sizes in Pinhole's terms. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/v4l2/v4l2-camera.h"

uint32_t ph_v4l2_format_to_ph(uint32_t v4l2)
{
	/* Pinhole's fourccs are V4L2's wherever the memory layout is the same
	 * (NV12 and YUV420 keep their planes in one buffer, as V4L2's
	 * single-buffer variants do); RGB48 has no V4L2 twin. */
	switch (v4l2) {
	case V4L2_PIX_FMT_RGB24:
	case V4L2_PIX_FMT_BGR24:
	case V4L2_PIX_FMT_XBGR32:
	case V4L2_PIX_FMT_RGBX32:
	case V4L2_PIX_FMT_RGB565:
	case V4L2_PIX_FMT_NV12:
	case V4L2_PIX_FMT_NV21:
	case V4L2_PIX_FMT_YUV420:
	case V4L2_PIX_FMT_YUYV:
	case V4L2_PIX_FMT_UYVY:
	case V4L2_PIX_FMT_GREY:
	case V4L2_PIX_FMT_Y10:
	case V4L2_PIX_FMT_Y12:
	case V4L2_PIX_FMT_Y16:
	case V4L2_PIX_FMT_SRGGB8:
	case V4L2_PIX_FMT_SGRBG8:
	case V4L2_PIX_FMT_SGBRG8:
	case V4L2_PIX_FMT_SBGGR8:
	case V4L2_PIX_FMT_SRGGB10:
	case V4L2_PIX_FMT_SGRBG10:
	case V4L2_PIX_FMT_SGBRG10:
	case V4L2_PIX_FMT_SBGGR10:
	case V4L2_PIX_FMT_SRGGB12:
	case V4L2_PIX_FMT_SGRBG12:
	case V4L2_PIX_FMT_SGBRG12:
	case V4L2_PIX_FMT_SBGGR12:
	case V4L2_PIX_FMT_SRGGB14:
	case V4L2_PIX_FMT_SGRBG14:
	case V4L2_PIX_FMT_SGBRG14:
	case V4L2_PIX_FMT_SBGGR14:
	case V4L2_PIX_FMT_SRGGB16:
	case V4L2_PIX_FMT_SGRBG16:
	case V4L2_PIX_FMT_SGBRG16:
	case V4L2_PIX_FMT_SBGGR16:
	case V4L2_PIX_FMT_SRGGB10P:
	case V4L2_PIX_FMT_SGRBG10P:
	case V4L2_PIX_FMT_SGBRG10P:
	case V4L2_PIX_FMT_SBGGR10P:
	case V4L2_PIX_FMT_SRGGB12P:
	case V4L2_PIX_FMT_SGRBG12P:
	case V4L2_PIX_FMT_SGBRG12P:
	case V4L2_PIX_FMT_SBGGR12P:
		return ph_format_get_info(v4l2) ? v4l2 : 0;
	default:
		return 0;
	}
}

enum ph_colorspace ph_v4l2_colorspace_to_ph(const struct ph_v4l2_pix *pix)
{
	const struct ph_format_info *info = ph_format_get_info(ph_v4l2_format_to_ph(pix->fourcc));
	uint32_t enc = pix->ycbcr_enc, quant = pix->quantization;

	if (!info || info->bayer != PH_BAYER_NONE)
		return PH_COLORSPACE_RAW;
	if (info->hsub != 2)
		return PH_COLORSPACE_SRGB;
	/* The defaults V4L2 documents for each colour space. */
	if (enc == V4L2_YCBCR_ENC_DEFAULT)
		enc = pix->colorspace == V4L2_COLORSPACE_REC709 ? V4L2_YCBCR_ENC_709
								: V4L2_YCBCR_ENC_601;
	if (quant == V4L2_QUANTIZATION_DEFAULT)
		quant = pix->colorspace == V4L2_COLORSPACE_JPEG ? V4L2_QUANTIZATION_FULL_RANGE
								: V4L2_QUANTIZATION_LIM_RANGE;
	if (enc == V4L2_YCBCR_ENC_709)
		return PH_COLORSPACE_REC709;
	return quant == V4L2_QUANTIZATION_FULL_RANGE ? PH_COLORSPACE_JPEG : PH_COLORSPACE_SMPTE170M;
}

static uint32_t clamp_step(uint32_t v, uint32_t lo, uint32_t hi, uint32_t step)
{
	if (v < lo)
		v = lo;
	if (v > hi)
		v = hi;
	return lo + (v - lo + step / 2) / step * step > hi ? lo + (v - lo) / step * step
							   : lo + (v - lo + step / 2) / step * step;
}

bool ph_v4l2_nearest_size(const struct ph_v4l2_format_desc *desc, uint32_t *w, uint32_t *h)
{
	uint64_t best = UINT64_MAX;
	unsigned pick = 0;

	if (desc->size_count == 0)
		return false;
	if (desc->stepwise) {
		*w = clamp_step(*w, desc->sizes[0].width, desc->sizes[1].width, desc->step_width);
		*h = clamp_step(*h, desc->sizes[0].height, desc->sizes[1].height,
				desc->step_height);
		return true;
	}
	for (unsigned i = 0; i < desc->size_count; i++) {
		int64_t dw = (int64_t)desc->sizes[i].width - *w;
		int64_t dh = (int64_t)desc->sizes[i].height - *h;
		uint64_t d = (uint64_t)(dw * dw + dh * dh);

		if (d < best) {
			best = d;
			pick = i;
		}
	}
	*w = desc->sizes[pick].width;
	*h = desc->sizes[pick].height;
	return true;
}

void ph_v4l2_size_range(const struct ph_v4l2_format_desc *desc, struct ph_size_range *r)
{
	*r = (struct ph_size_range){UINT32_MAX, UINT32_MAX, 0, 0, 1, 1};
	if (desc->stepwise) {
		*r = (struct ph_size_range){desc->sizes[0].width, desc->sizes[0].height,
					    desc->sizes[1].width, desc->sizes[1].height,
					    desc->step_width,	  desc->step_height};
		return;
	}
	for (unsigned i = 0; i < desc->size_count; i++) {
		const struct ph_v4l2_size *s = &desc->sizes[i];

		if (s->width < r->min_width)
			r->min_width = s->width;
		if (s->height < r->min_height)
			r->min_height = s->height;
		if (s->width > r->max_width)
			r->max_width = s->width;
		if (s->height > r->max_height)
			r->max_height = s->height;
	}
	if (!desc->size_count)
		*r = (struct ph_size_range){0, 0, 0, 0, 1, 1};
}

static bool camera_id_taken(struct ph_context *ctx, const char *id)
{
	for (struct ph_list *l = ctx->cameras.next; l != &ctx->cameras; l = l->next)
		if (!strcmp(ph_container_of(l, struct ph_camera, link)->id, id))
			return true;
	return false;
}

/* The node's name from sysfs ("Raw Capture 0"), spaces made dashes; else "videoN". */
static void node_name(const struct ph_media_node *node, char *name, size_t size)
{
	const char *slash = strrchr(node->syspath, '/');
	char path[PATH_MAX];
	FILE *f;

	snprintf(name, size, "%s", slash ? slash + 1 : node->devnode);
	if (snprintf(path, sizeof(path), "%s/name", node->syspath) >= (int)sizeof(path))
		return;
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(name, (int)size, f)) {
		name[strcspn(name, "\n")] = '\0';
		for (char *c = name; *c; c++)
			if (*c == ' ' || *c == ':' || *c == '/')
				*c = '-';
	}
	fclose(f);
}

int ph_v4l2_camera_id(struct ph_context *ctx, const struct ph_v4l2_probe *probe,
		      const char *pipeline, char *id, size_t size)
{
	const char *where = probe->bus_info;
	const char *slash = strrchr(probe->node->syspath, '/');
	char name[64];

	if (!*where) /* no bus info: the node's name in sysfs */
		where = slash ? slash + 1 : probe->node->devnode;
	if (snprintf(id, size, "%s:%s", pipeline, where) >= (int)size)
		return -ENAMETOOLONG;
	/* Nodes of a media-controller-centric device always carry their name. */
	if (!probe->mode_count && !camera_id_taken(ctx, id))
		return 0;
	node_name(probe->node, name, sizeof(name));
	if (snprintf(id, size, "%s:%s:%s", pipeline, where, name) >= (int)size)
		return -ENAMETOOLONG;
	return camera_id_taken(ctx, id) ? -EEXIST : 0;
}

int ph_v4l2_copy_probe(const struct ph_v4l2_probe *probe, struct ph_v4l2_format_desc **formats,
		       unsigned *format_count, struct ph_v4l2_control **controls,
		       unsigned *control_count)
{
	struct ph_v4l2_format_desc *f = calloc(probe->format_count + 1, sizeof(*f));
	struct ph_v4l2_control *c = calloc(probe->control_count + 1, sizeof(*c));

	if (!f || !c)
		goto fail;
	for (unsigned i = 0; i < probe->format_count; i++) {
		f[i] = probe->formats[i];
		f[i].sizes = calloc(probe->formats[i].size_count + 1, sizeof(*f[i].sizes));
		if (!f[i].sizes) {
			ph_v4l2_free_formats(f, i);
			f = NULL;
			goto fail;
		}
		memcpy(f[i].sizes, probe->formats[i].sizes,
		       probe->formats[i].size_count * sizeof(*f[i].sizes));
	}
	if (probe->control_count)
		memcpy(c, probe->controls, probe->control_count * sizeof(*c));
	*formats = f;
	*format_count = probe->format_count;
	*controls = c;
	*control_count = probe->control_count;
	return 0;
fail:
	free(f);
	free(c);
	return -ENOMEM;
}

const struct ph_v4l2_control *ph_v4l2_find_control(const struct ph_v4l2_control *controls,
						   unsigned count, uint32_t id)
{
	for (unsigned i = 0; i < count; i++)
		if (controls[i].id == id)
			return &controls[i];
	return NULL;
}

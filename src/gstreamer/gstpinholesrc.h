/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define GST_TYPE_PINHOLE_SRC (gst_pinhole_src_get_type())
G_DECLARE_FINAL_TYPE(GstPinholeSrc, gst_pinhole_src, GST, PINHOLE_SRC, GstPushSrc)

/* Name of the GstCustomMeta each buffer carries: the frame's Pinhole metadata. */
#define GST_PINHOLE_META_NAME "PinholeMeta"

G_END_DECLS

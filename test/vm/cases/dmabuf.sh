# SPDX-License-Identifier: LGPL-2.1-or-later
# Zero copy: every buffer reaches the user as a dma-buf, and dma-bufs
# allocated by vgem (dumb buffers exported with PRIME) are imported for
# capture and hold vivid's picture.
# vm-timeout: 60
. /vm/lib.sh

vivid_load node_types=0x1
check "$VM_TEST_VM" capture --camera vivid-000 --format YUYV --size 640x480 --frames 30 --fps 10 --dmabuf --bars
check "$VM_TEST_VM" capture --camera vivid-000 --format RGB888 --size 640x480 --frames 30 --fps 10 --vgem --dmabuf --bars

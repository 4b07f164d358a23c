# SPDX-License-Identifier: LGPL-2.1-or-later
# vivid's Bayer formats through the software ISP to RGB, with the simple
# IPA's AE and AWB running: metadata on every frame, exposure, gain or
# colour gains moving, the colour bars still recognisable.
# vm-timeout: 120
. /vm/lib.sh

vivid_load n_devs=2 node_types=0x1,0x1
check "$VM_TEST_VM" list --camera simple: --expect 2 --formats RGB888
for raw in SRGGB8 SGRBG10 SBGGR12; do
	check "$VM_TEST_VM" raw --camera simple: --raw-format $raw --size 640x480 --frames 40 --fps 30
done

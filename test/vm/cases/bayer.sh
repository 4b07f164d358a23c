# SPDX-License-Identifier: LGPL-2.1-or-later
# vivid's Bayer formats through the software ISP to RGB, with the simple
# IPA's AE and AWB running: metadata on every frame, exposure, gain or
# colour gains moving, the colour bars still recognisable.
# vm-timeout: 120
. /vm/lib.sh

vivid_load node_types=0x1
for raw in SRGGB8 SGRBG10 SBGGR12; do
	check "$VM_TEST_VM" raw --camera vivid-000 --raw-format $raw --size 640x480 --frames 40 --fps 30
done

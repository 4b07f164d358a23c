# SPDX-License-Identifier: LGPL-2.1-or-later
# Unbinding the platform device of vivid (n_devs=2 makes two instances on one
# device, vivid.0) removes both cameras from a running context; binding it
# again brings them back, and they capture again.
# vm-timeout: 60
. /vm/lib.sh

vivid_load node_types=0x1
check "$VM_TEST_VM" hotplug --platform vivid.0

# SPDX-License-Identifier: LGPL-2.1-or-later
# Unbinding vivid's platform device (one, "vivid.0", holds every instance)
# removes its cameras from a running context, binding it again adds them
# back, and a camera that came back captures again. No udev daemon runs:
# the events come from the kernel's uevent socket.
# vm-timeout: 60
. /vm/lib.sh

vivid_load n_devs=2 node_types=0x1,0x1
check "$VM_TEST_VM" hotplug --camera vivid-001 --platform vivid.0 --hotplug-source kernel

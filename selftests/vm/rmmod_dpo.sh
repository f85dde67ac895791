#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rmmod dpo, in the guest (installed as /bin/rmmod_dpo). A session's end
# lets go of its connections, and of their module references, after an
# RCU-tasks grace period: a few seconds on a busy debug kernel. Retried for
# up to 30 s; then rmmod's own error.
i=0
until rmmod dpo 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 300 ] || exec rmmod dpo
	sleep 0.1
done

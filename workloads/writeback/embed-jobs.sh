#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# embed-jobs.sh SCRIPT JOB.fio... > OUT - the installed mmt-writeback:
# SCRIPT with its "#@MMT_EMBEDDED_JOBS@" line replaced by a jobfile()
# that prints the job files, so the program is one self-contained file
# (the VM runner copies only the programs in build/guest/bin).
set -eu
script=$1
shift
marker='#@MMT_EMBEDDED_JOBS@'
[ "$(grep -c "^$marker\$" "$script")" = 1 ] || {
	echo "embed-jobs.sh: $script needs exactly one '$marker' line" >&2
	exit 1
}
sed "/^$marker\$/,\$d" "$script"
echo 'jobfile() {'
echo '	case $1 in'
for job in "$@"; do
	grep -q '^MMT_JOB_EOF$' "$job" && { echo "embed-jobs.sh: $job contains the end marker" >&2; exit 1; }
	echo "	$(basename "$job")) cat <<'MMT_JOB_EOF'"
	cat "$job"
	echo 'MMT_JOB_EOF'
	echo '		;;'
done
echo '	*) return 1 ;;'
echo '	esac'
echo '}'
sed "1,/^$marker\$/d" "$script"

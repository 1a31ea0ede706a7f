# SPDX-License-Identifier: GPL-2.0
#
# console.mk - build and test the host-side console scanner.
#
# Included by the top Makefile, which sets BUILD. On its own, from the top
# of the tree:
#   make -f scripts/tests/console.mk BUILD=/tmp/cs check-console-scan

BUILD ?= build
HOST_CFLAGS ?= -std=gnu11 -O2 -Wall -Wextra -Werror

CONSOLE_SCAN_SRCS := scripts/console_scan.c scripts/console_scan_main.c
SCORE_SCANNER_SRCS := scripts/console_scan.c scripts/score_scanner.c

CONSOLE_SCAN_HDRS := scripts/console_scan.h scripts/console_rules.def

$(BUILD)/console-scan: $(CONSOLE_SCAN_SRCS) $(CONSOLE_SCAN_HDRS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -o $@ $(CONSOLE_SCAN_SRCS)

# Scores the scanner against logs in syzkaller's format (score-scanner.sh).
$(BUILD)/score-scanner: $(SCORE_SCANNER_SRCS) $(CONSOLE_SCAN_HDRS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -Iscripts -o $@ $(SCORE_SCANNER_SRCS)

# mmt-report compiles console_scan.c too (report.mk); its rules are here.
$(BUILD)/mmt-report: scripts/console_rules.def

.PHONY: check-console-scan check-score-scanner
check-console-scan: $(BUILD)/console-scan
	sh scripts/tests/test-console-scan.sh $(BUILD)/console-scan

check-score-scanner: $(BUILD)/score-scanner
	sh scripts/tests/test-score-scanner.sh $(BUILD)/score-scanner

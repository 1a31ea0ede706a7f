# SPDX-License-Identifier: GPL-2.0
#
# report.mk - build mmt-report and run its tests.
#
#   make -f scripts/tests/report.mk BUILD=/tmp/rp check-report
#
# Included by the top-level Makefile, or used alone from the top folder.

BUILD ?= build
CC ?= cc
HOST_CFLAGS ?= -std=gnu11 -O2 -Wall -Wextra -Werror

MMT_REPORT_SRCS := scripts/report.c scripts/ktap_parse.c scripts/console_scan.c scripts/json.c
MMT_REPORT_HDRS := scripts/ktap_parse.h scripts/console_scan.h scripts/json.h

$(BUILD)/mmt-report: $(MMT_REPORT_SRCS) $(MMT_REPORT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -Iscripts -o $@ $(MMT_REPORT_SRCS) -lm

.PHONY: check-report
check-report: $(BUILD)/mmt-report
	bash scripts/tests/test-report.sh $(BUILD)/mmt-report

MMT_CAMPAIGN_SRCS := scripts/campaign.c scripts/json.c

$(BUILD)/mmt-campaign: $(MMT_CAMPAIGN_SRCS) scripts/json.h
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -Iscripts -o $@ $(MMT_CAMPAIGN_SRCS) -lm

.PHONY: check-campaign
check-campaign: $(BUILD)/mmt-campaign $(BUILD)/mmt-report
	bash scripts/tests/test-campaign.sh $(BUILD)/mmt-campaign $(BUILD)/mmt-report

// SPDX-License-Identifier: GPL-2.0
/*
 * engines.c - a workload's opt-in to mmtorture's race engines, see
 * engines.h.  Everything here talks to /sys/kernel/debug/mmtorture/ with
 * one write() per command, as the module expects.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engines.h"

#define MMT_DIR		MMT_DEBUGFS_DIR
#define STATS_MAX	16384

const char *const engine_names[ENG_NR] = {
	[ENG_TLBDELAY] = MMT_ENGINE_TLBDELAY,
	[ENG_MKCLEAN] = MMT_ENGINE_MKCLEAN,
	[ENG_VMA] = MMT_ENGINE_VMA,
	[ENG_LAZYTLB] = MMT_ENGINE_LAZYTLB,
};

/* Engines that run kernel threads: threads, interval_us and ops files. */
#define ENG_THREADED	(ENG_BIT(ENG_MKCLEAN) | ENG_BIT(ENG_VMA) | \
			 ENG_BIT(ENG_LAZYTLB))

static const char *const keys[] = {
	MMT_FILE_THREADS, MMT_FILE_INTERVAL_US, MMT_FILE_OPS, MMT_FILE_SITES,
	MMT_FILE_BUDGET_MS, MMT_FILE_SHARED, NULL
};

/* A page registered for the engines when the workload registers nothing. */
static void *spare_page;
static size_t spare_len;

static int eng_lookup(const char *name, size_t len)
{
	int i;

	for (i = 0; i < ENG_NR; i++)
		if (strlen(engine_names[i]) == len &&
		    !strncmp(engine_names[i], name, len))
			return i;
	return -1;
}

static const char *names_of(unsigned int mask)
{
	static char buf[64];
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < ENG_NR; i++)
		if (mask & ENG_BIT(i))
			n += snprintf(buf + n, sizeof(buf) - n, "%s%s",
				      n ? "," : "", engine_names[i]);
	if (!n)
		snprintf(buf, sizeof(buf), "none");
	return buf;
}

void engines_parse_list(struct engines *e, const char *arg)
{
	const char *p = arg, *end;
	unsigned int mask = 0;
	int id;

	if (!strcmp(arg, "none")) {
		e->mask = 0;
		return;
	}
	for (;;) {
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		id = eng_lookup(p, end - p);
		if (id < 0)
			usage_error("invalid --engines '%s': unknown engine '%.*s'; allowed: %s (or none)",
				    arg, (int)(end - p), p, names_of(e->allowed));
		if (!(e->allowed & ENG_BIT(id)))
			usage_error("invalid --engines '%s': %s does not take engine %s; allowed: %s (or none)",
				    arg, prog_name, engine_names[id],
				    names_of(e->allowed));
		mask |= ENG_BIT(id);
		if (!*end)
			break;
		p = end + 1;
	}
	e->mask = mask;
}

static bool parse_u64(const char *s, uint64_t min, uint64_t max,
		      uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* "a,b,c": names of lower-case letters, digits and '_', or "all". */
static bool valid_ops(const char *v)
{
	const char *p;
	bool empty = true;

	for (p = v; *p; p++) {
		if (*p == ',') {
			if (empty)
				return false;
			empty = true;
		} else if (islower((unsigned char)*p) ||
			   isdigit((unsigned char)*p) || *p == '_') {
			empty = false;
		} else {
			return false;
		}
	}
	return !empty;
}

/*
 * One SPEC: SYM[+OFF]:US[:PCT[:MAXHITS]], the module's limits (symbol of
 * [A-Za-z0-9_.], OFF up to 0x10000, US 1..2000, PCT 1..100).  Writes the
 * module command "add SYM[+OFF] US [PCT [MAXHITS]]" into @cmd if given.
 */
static bool parse_site(const char *spec, char *cmd, size_t len)
{
	char buf[256], *f[5], *save = NULL, *sym, *plus;
	uint64_t off = 0, us, pct = 100, hits = 0;
	unsigned int n = 0;
	size_t i;

	if (strlen(spec) >= sizeof(buf))
		return false;
	strcpy(buf, spec);
	if (strstr(buf, "::") || buf[0] == ':' ||
	    (*buf && buf[strlen(buf) - 1] == ':'))
		return false;
	for (f[n] = strtok_r(buf, ":", &save); f[n] && n < 4;
	     f[++n] = strtok_r(NULL, ":", &save))
		;
	if (n < 2 || n > 4 || (n == 4 && f[4]))
		return false;
	sym = f[0];
	plus = strchr(sym, '+');
	if (plus) {
		*plus = '\0';
		errno = 0;
		off = strtoull(plus + 1, &f[4], 0);
		if (errno || !isdigit((unsigned char)plus[1]) || *f[4] ||
		    off > 0x10000)
			return false;
	}
	if (!*sym || strlen(sym) > 127)
		return false;
	for (i = 0; sym[i]; i++)
		if (!isalnum((unsigned char)sym[i]) && sym[i] != '_' &&
		    sym[i] != '.')
			return false;
	if (!parse_u64(f[1], 1, 2000, &us))
		return false;
	if (n >= 3 && !parse_u64(f[2], 1, 100, &pct))
		return false;
	if (n >= 4 && !parse_u64(f[3], 0, UINT64_MAX, &hits))
		return false;
	if (cmd && plus)
		snprintf(cmd, len, "add %s+0x%" PRIx64 " %" PRIu64 " %" PRIu64 " %" PRIu64,
			 sym, off, us, pct, hits);
	else if (cmd)
		snprintf(cmd, len, "add %s %" PRIu64 " %" PRIu64 " %" PRIu64,
			 sym, us, pct, hits);
	return true;
}

static bool valid_sites(const char *v)
{
	char buf[256], *tok, *save = NULL;

	if (!*v || strlen(v) >= sizeof(buf) || v[strlen(v) - 1] == ',' ||
	    strstr(v, ",,") || v[0] == ',')
		return false;
	strcpy(buf, v);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		if (!parse_site(tok, NULL, 0))
			return false;
	return true;
}

static struct engine_setting *find_setting(const struct engines *e,
					   enum engine_id id, const char *key)
{
	unsigned int i;

	for (i = 0; i < e->nr_set; i++)
		if (e->set[i].engine == id && !strcmp(e->set[i].key, key))
			return (struct engine_setting *)&e->set[i];
	return NULL;
}

void engines_parse_set(struct engines *e, const char *arg)
{
	const char *dot = strchr(arg, '.'), *eq;
	struct engine_setting *s;
	uint64_t v;
	int id, k;

	eq = dot ? strchr(dot, '=') : NULL;
	if (!dot || !eq)
		usage_error("invalid --engine-set '%s': expected ENGINE.KEY=VALUE", arg);
	id = eng_lookup(arg, dot - arg);
	if (id < 0)
		usage_error("invalid --engine-set '%s': unknown engine '%.*s'; allowed: %s",
			    arg, (int)(dot - arg), arg, names_of(e->allowed));
	if (!(e->allowed & ENG_BIT(id)))
		usage_error("invalid --engine-set '%s': %s does not take engine %s; allowed: %s",
			    arg, prog_name, engine_names[id], names_of(e->allowed));
	for (k = 0; keys[k]; k++)
		if (strlen(keys[k]) == (size_t)(eq - dot - 1) &&
		    !strncmp(keys[k], dot + 1, eq - dot - 1))
			break;
	if (!keys[k])
		usage_error("invalid --engine-set '%s': unknown key '%.*s'; keys: threads, interval_us, ops, sites, budget_ms, shared",
			    arg, (int)(eq - dot - 1), dot + 1);
	eq++;
	switch (k) {
	case 0:		/* threads */
	case 1:		/* interval_us */
	case 2:		/* ops */
		if (!(ENG_THREADED & ENG_BIT(id)))
			usage_error("invalid --engine-set '%s': %s has no %s (it probes, it runs no threads); its keys: sites, budget_ms",
				    arg, engine_names[id], keys[k]);
		if (k == 0 && !parse_u64(eq, 1, 8, &v))
			usage_error("invalid --engine-set '%s': threads must be 1..8", arg);
		if (k == 1 && !parse_u64(eq, 0, 1000000, &v))
			usage_error("invalid --engine-set '%s': interval_us must be 0..1000000", arg);
		if (k == 2 && !valid_ops(eq))
			usage_error("invalid --engine-set '%s': ops must be a comma-separated list of op names, or all", arg);
		break;
	case 3:		/* sites */
	case 4:		/* budget_ms */
		if (id != ENG_TLBDELAY)
			usage_error("invalid --engine-set '%s': %s is a tlbdelay key", arg, keys[k]);
		if (k == 3 && !valid_sites(eq))
			usage_error("invalid --engine-set '%s': sites must be SYM[+OFF]:US[:PCT[:MAXHITS]][,...] with US 1..2000, PCT 1..100", arg);
		if (k == 4 && !parse_u64(eq, 1, 1000, &v))
			usage_error("invalid --engine-set '%s': budget_ms must be 1..1000", arg);
		break;
	case 5:		/* shared */
		if (id != ENG_MKCLEAN)
			usage_error("invalid --engine-set '%s': shared is a mkclean key", arg);
		if (!parse_u64(eq, 0, 1, &v))
			usage_error("invalid --engine-set '%s': shared must be 0 or 1", arg);
		break;
	}
	if (strlen(eq) >= sizeof(e->set[0].value))
		usage_error("invalid --engine-set '%s': value too long", arg);
	s = find_setting(e, id, keys[k]);
	if (!s) {
		if (e->nr_set >= ENG_MAX_SETTINGS)
			usage_error("too many --engine-set options (at most %d)",
				    ENG_MAX_SETTINGS);
		s = &e->set[e->nr_set++];
		s->engine = id;
		snprintf(s->key, sizeof(s->key), "%s", keys[k]);
	}
	snprintf(s->value, sizeof(s->value), "%s", eq);
}

const char *engines_get(const struct engines *e, enum engine_id id,
			const char *key)
{
	struct engine_setting *s = find_setting(e, id, key);

	return s ? s->value : NULL;
}

void engines_default(struct engines *e, enum engine_id id, const char *key,
		     const char *value)
{
	struct engine_setting *s;

	if (!engines_on(e, id) || find_setting(e, id, key))
		return;
	if (e->nr_set >= ENG_MAX_SETTINGS)
		usage_error("too many --engine-set options (at most %d)",
			    ENG_MAX_SETTINGS);
	s = &e->set[e->nr_set++];
	s->engine = id;
	snprintf(s->key, sizeof(s->key), "%s", key);
	snprintf(s->value, sizeof(s->value), "%s", value);
}

static bool in_list(const char *list, const char *name, size_t len)
{
	const char *p = list, *end;

	for (;;) {
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		if ((size_t)(end - p) == len && !strncmp(p, name, len))
			return true;
		if (!*end)
			return false;
		p = end + 1;
	}
}

void engines_limit_ops(const struct engines *e, enum engine_id id,
		       const char *allowed, const char *why)
{
	const char *ops = engines_get(e, id, "ops"), *p, *end;

	if (!engines_on(e, id) || !ops)
		return;
	if (!strcmp(ops, MMT_OPS_ALL))
		usage_error("invalid --engine-set %s.ops=all: %s takes only %s (%s)",
			    engine_names[id], prog_name, allowed, why);
	for (p = ops;; p = end + 1) {
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		if (!in_list(allowed, p, end - p))
			usage_error("invalid --engine-set %s.ops=%s: %s refuses op %.*s; it takes only %s (%s)",
				    engine_names[id], ops, prog_name,
				    (int)(end - p), p, allowed, why);
		if (!*end)
			break;
	}
}

/* debugfs I/O: bytes read / 0 written, or -errno. */
static int mmt_read(const char *file, char *buf, size_t len)
{
	char path[128];
	size_t got = 0;
	ssize_t n = 0;
	int fd, err;

	snprintf(path, sizeof(path), MMT_DIR "/%s", file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	err = n < 0 ? -errno : 0;
	close(fd);
	buf[got] = '\0';
	return err ? err : (int)got;
}

static int mmt_write(const char *file, const char *fmt, ...)
{
	char path[128], text[512];
	va_list ap;
	ssize_t n;
	int fd, err = 0;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), MMT_DIR "/%s", file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		err = -errno;
	else if ((size_t)n != strlen(text))
		err = -EIO;
	close(fd);
	return err;
}

/* The value after "key: " in a "key: value" dump, up to the line's end. */
static bool line_value(const char *text, const char *key, char *out,
		       size_t len)
{
	size_t klen = strlen(key);
	const char *p = text, *nl;

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == ':' && p[klen + 1] == ' ') {
			p += klen + 2;
			nl = strchrnul(p, '\n');
			snprintf(out, len, "%.*s", (int)(nl - p), p);
			return true;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

/* Undo registration and exit 2 (nothing armed yet, or already undone). */
static _Noreturn void setup_fail(struct engines *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static _Noreturn void setup_fail(struct engines *e, const char *fmt, ...)
{
	va_list ap;

	engines_disarm(e);
	fflush(stdout);
	fprintf(stderr, "%s: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(MMT_EXIT_USAGE);
}

/* Check each op of @ops against the engine's ops_available line. */
static void validate_ops(enum engine_id id, const char *ops,
			 const char *stats)
{
	char avail[256] = "", unavail[256] = "", *tok, *save = NULL;
	char buf[256];

	line_value(stats, MMT_STAT_OPS_AVAILABLE, avail, sizeof(avail));
	line_value(stats, MMT_STAT_OPS_UNAVAILABLE, unavail, sizeof(unavail));
	if (!strcmp(ops, MMT_OPS_ALL))
		return;
	snprintf(buf, sizeof(buf), "%s", ops);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *sp = strchr(unavail, ' ');
		size_t ulen = sp ? (size_t)(sp - unavail) : strlen(unavail);
		char ulist[256];

		if (in_list(avail, tok, strlen(tok)))
			continue;
		snprintf(ulist, sizeof(ulist), "%.*s", (int)ulen, unavail);
		if (*ulist && in_list(ulist, tok, strlen(tok)))
			usage_error("engine %s op %s is not available on this kernel (status says: %s)",
				    engine_names[id], tok, unavail);
		usage_error("engine %s has no op '%s'; available here: %s",
			    engine_names[id], tok, *avail ? avail : "none");
	}
}

void engines_validate(struct engines *e)
{
	char stats[STATS_MAX], file[64];
	unsigned int i;
	int id, ret;

	for (i = 0; i < e->nr_set; i++)
		if (!engines_on(e, e->set[i].engine))
			usage_error("--engine-set %s.%s=%s: engine %s is not in --engines (%s)",
				    engine_names[e->set[i].engine],
				    e->set[i].key, e->set[i].value,
				    engine_names[e->set[i].engine],
				    names_of(e->mask));
	if (!engines_any(e))
		return;
	if (access(MMT_DIR, F_OK)) {
		if (errno == EACCES)
			usage_error("--engines needs root (cannot look into " MMT_DEBUGFS_MOUNT ")");
		usage_error("--engines needs the " MMT_MODULE_NAME " module loaded (" MMT_DIR " missing): insmod " MMT_MODULE_NAME ".ko");
	}
	for (id = 0; id < ENG_NR; id++) {
		if (!engines_on(e, id))
			continue;
		snprintf(file, sizeof(file), "%s/" MMT_FILE_STATS, engine_names[id]);
		ret = mmt_read(file, stats, sizeof(stats));
		if (ret < 0)
			usage_error("engine %s: cannot read " MMT_DIR "/%s: %s (module too old?)",
				    engine_names[id], file, strerror(-ret));
		if (engines_get(e, id, "ops"))
			validate_ops(id, engines_get(e, id, "ops"), stats);
		if (id == ENG_TLBDELAY && engines_get(e, id, "budget_ms") &&
		    access(MMT_DIR "/" MMT_ENGINE_TLBDELAY "/" MMT_FILE_BUDGET_MS, F_OK))
			usage_error("--engine-set tlbdelay.budget_ms: this module has no " MMT_DIR "/tlbdelay/budget_ms (it predates the delay budget)");
	}
}

void engines_add_file(struct engines *e, int fd)
{
	int ret;

	if (!engines_any(e))
		return;
	ret = mmt_write(MMT_FILE_TARGETS, MMT_TARGET_FILE_VERB " %d", fd);
	if (ret)
		setup_fail(e, "cannot register file fd %d with the module (targets): %s",
			   fd, strerror(-ret));
	e->nr_targets++;
}

void engines_add_arena(struct engines *e, const void *start, size_t len)
{
	int ret;

	if (!engines_any(e))
		return;
	ret = mmt_write(MMT_FILE_TARGETS, MMT_TARGET_ARENA_VERB " %lx %lx", (unsigned long)start,
			(unsigned long)len);
	if (ret)
		setup_fail(e, "cannot register arena %p+%#zx with the module (targets): %s",
			   start, len, strerror(-ret));
	e->nr_targets++;
}

static const char *errmsg(enum engine_id id, const char *what, int err)
{
	static char buf[160];

	if (err == -EBUSY)
		snprintf(buf, sizeof(buf), "engine %s is already enabled (another run?); %s not changed",
			 engine_names[id], what);
	else
		snprintf(buf, sizeof(buf), "%s", strerror(-err));
	return buf;
}

static void apply(struct engines *e, enum engine_id id)
{
	const char *name = engine_names[id], *v;
	char file[64], buf[256], cmd[300], *tok, *save = NULL;
	static const char *const knobs[] = {
		MMT_FILE_THREADS, MMT_FILE_INTERVAL_US, MMT_FILE_OPS
	};
	unsigned int k;
	int ret;

	snprintf(file, sizeof(file), "%s/" MMT_FILE_ENABLE, name);
	if (mmt_read(file, buf, sizeof(buf)) > 0 && buf[0] == '1')
		setup_fail(e, "engine %s is already enabled (another run, or one that died on a module without auto-stop): echo 0 > " MMT_DIR "/%s",
			   name, file);
	for (k = 0; k < 3; k++) {
		v = engines_get(e, id, knobs[k]);
		if (!v)
			continue;
		snprintf(file, sizeof(file), "%s/%s", name, knobs[k]);
		ret = mmt_write(file, "%s", v);
		if (ret == -EOPNOTSUPP) {
			snprintf(file, sizeof(file), "%s/" MMT_FILE_STATS, name);
			if (mmt_read(file, buf, sizeof(buf)) < 0 ||
			    !line_value(buf, MMT_STAT_OPS_UNAVAILABLE, cmd, sizeof(cmd)))
				snprintf(cmd, sizeof(cmd), "nothing");
			setup_fail(e, "engine %s op %s is not available on this kernel (status says: %s)",
				   name, v, cmd);
		}
		if (ret)
			setup_fail(e, "engine %s: writing %s=%s: %s", name,
				   knobs[k], v, errmsg(id, knobs[k], ret));
	}
	if (id == ENG_MKCLEAN) {
		/* Set every run: the module keeps it from the last one. */
		v = engines_get(e, id, "shared");
		ret = mmt_write(MMT_ENGINE_MKCLEAN "/" MMT_FILE_SHARED, "%s", v ? v : "0");
		if (ret)
			setup_fail(e, "engine mkclean: writing shared=%s: %s",
				   v ? v : "0", errmsg(id, "shared", ret));
	}
	if (id != ENG_TLBDELAY)
		return;
	v = engines_get(e, id, "sites");
	if (!v) {
		ret = mmt_write(MMT_ENGINE_TLBDELAY "/" MMT_FILE_SITES, MMT_SITES_DEFAULTS);
		if (ret)
			setup_fail(e, "engine tlbdelay: none of the default sites can be probed on this kernel (sites \"defaults\": %s)",
				   errmsg(id, "sites", ret));
	} else {
		ret = mmt_write(MMT_ENGINE_TLBDELAY "/" MMT_FILE_SITES, MMT_SITES_CLEAR);
		if (ret)
			setup_fail(e, "engine tlbdelay: sites clear: %s",
				   errmsg(id, "sites", ret));
		snprintf(buf, sizeof(buf), "%s", v);
		for (tok = strtok_r(buf, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			parse_site(tok, cmd, sizeof(cmd));
			ret = mmt_write(MMT_ENGINE_TLBDELAY "/" MMT_FILE_SITES, "%s", cmd);
			if (ret)
				setup_fail(e, "engine tlbdelay: site %s: %s", tok,
					   ret == -ENOENT ? "no such symbol, or it cannot be probed on this kernel" :
					   errmsg(id, "sites", ret));
		}
	}
	v = engines_get(e, id, "budget_ms");
	if (v) {
		ret = mmt_write(MMT_ENGINE_TLBDELAY "/" MMT_FILE_BUDGET_MS, "%s", v);
		if (ret == -ENOENT)
			setup_fail(e, "--engine-set tlbdelay.budget_ms: this module has no " MMT_DIR "/" MMT_ENGINE_TLBDELAY "/" MMT_FILE_BUDGET_MS);
		if (ret)
			setup_fail(e, "engine tlbdelay: budget_ms=%s: %s", v,
				   errmsg(id, "budget_ms", ret));
	}
}

static unsigned int enabled_mask;

/*
 * The module's counters run on across enables (and other processes' runs):
 * what they were when we armed, subtracted from the final ones.
 */
static struct engines base;
static void keep_final(struct engines *e, enum engine_id id, char *stats);

void engines_arm(struct engines *e, uint64_t seed)
{
	char file[64];
	int id, ret;

	if (!engines_any(e) || e->armed)
		return;
	ret = mmt_write(MMT_FILE_SEED, "%llu", (unsigned long long)seed);
	if (ret)
		setup_fail(e, "cannot write the seed to the module: %s",
			   strerror(-ret));
	if (!e->nr_targets) {
		/*
		 * The engines act only on registered targets' mms (tlbdelay's
		 * filter, lazytlb's adoption): give them a page that no
		 * checker looks at (and that no engine can hurt).
		 */
		spare_len = sysconf(_SC_PAGESIZE);
		spare_page = mmap(NULL, spare_len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (spare_page == MAP_FAILED)
			setup_fail(e, "mmap of the engines' page: %s", strerror(errno));
		memset(spare_page, 0x5a, spare_len);
		engines_add_arena(e, spare_page, spare_len);
	}
	for (id = 0; id < ENG_NR; id++)
		if (engines_on(e, id))
			apply(e, id);
	for (id = 0; id < ENG_NR; id++) {
		char stats[STATS_MAX];

		snprintf(file, sizeof(file), "%s/" MMT_FILE_STATS, engine_names[id]);
		base.nr_final[id] = 0;
		if (engines_on(e, id) && mmt_read(file, stats, sizeof(stats)) > 0)
			keep_final(&base, id, stats);
	}
	e->armed = true;
	for (id = 0; id < ENG_NR; id++) {
		if (!engines_on(e, id))
			continue;
		snprintf(file, sizeof(file), "%s/" MMT_FILE_ENABLE, engine_names[id]);
		ret = mmt_write(file, "1");
		if (ret)
			setup_fail(e, "cannot enable engine %s: %s", engine_names[id],
				   ret == -ENOENT && id == ENG_TLBDELAY ?
				   "no site could be probed" : strerror(-ret));
		enabled_mask |= ENG_BIT(id);
	}
	e->armed_at = now_s();
}

/* Numeric "key: value" lines of an engine's stats, except knobs and sites. */
static void keep_final(struct engines *e, enum engine_id id, char *stats)
{
	static const char *const skip[] = {
		MMT_STAT_ENABLED, MMT_STAT_THREADS, MMT_STAT_INTERVAL_US, NULL
	};
	char *line, *save = NULL, *colon, *end;
	unsigned int k;
	long long v;

	e->nr_final[id] = 0;
	for (line = strtok_r(stats, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		colon = strstr(line, ": ");
		if (!colon || !strncmp(line, "site:", 5))
			continue;
		*colon = '\0';
		errno = 0;
		v = strtoll(colon + 2, &end, 10);
		if (errno || end == colon + 2 || *end)
			continue;
		for (k = 0; skip[k] && strcmp(skip[k], line); k++)
			;
		if (skip[k] || strlen(line) >= sizeof(e->final[id][0].key) ||
		    e->nr_final[id] >= sizeof(e->final[id]) / sizeof(e->final[id][0]))
			continue;
		snprintf(e->final[id][e->nr_final[id]].key,
			 sizeof(e->final[id][0].key), "%s", line);
		e->final[id][e->nr_final[id]++].value = v;
	}
}

static void subtract_base(struct engines *e, enum engine_id id)
{
	unsigned int i, j;

	for (i = 0; i < e->nr_final[id]; i++) {
		/*
		 * tlbdelay's sites, and so their sums, are new each arm;
		 * budget_ms is a setting and parked_sites a gauge, not
		 * counters.
		 */
		if (id == ENG_TLBDELAY &&
		    (!strcmp(e->final[id][i].key, MMT_STAT_TLBDELAY_DELAYS) ||
		     !strcmp(e->final[id][i].key, MMT_STAT_TLBDELAY_CALLS) ||
		     !strcmp(e->final[id][i].key, MMT_STAT_TLBDELAY_BUDGET_SKIPS) ||
		     !strcmp(e->final[id][i].key, MMT_STAT_TLBDELAY_DELAY_US) ||
		     !strcmp(e->final[id][i].key, MMT_STAT_TLBDELAY_PARKED) ||
		     !strcmp(e->final[id][i].key, MMT_FILE_BUDGET_MS)))
			continue;
		for (j = 0; j < base.nr_final[id]; j++)
			if (!strcmp(e->final[id][i].key, base.final[id][j].key))
				e->final[id][i].value -= base.final[id][j].value;
	}
}

/*
 * tlbdelay's live delays/filtered_calls: the sum of its sites' hits=/calls=
 * (its summary lines are summed only after they are printed).
 */
static long long tlbdelay_live(const char *stats, const char *key)
{
	const char *p = stats, *f = !strcmp(key, MMT_STAT_TLBDELAY_DELAYS) ? " " MMT_SITE_HITS "=" : " " MMT_SITE_CALLS "=";
	long long n = -1;

	while ((p = strstr(p, MMT_STAT_TLBDELAY_SITE ": "))) {
		const char *nl = strchrnul(p, '\n'), *q = strstr(p, f);

		if (q && q < nl)
			n = (n < 0 ? 0 : n) + strtoll(q + strlen(f), NULL, 10);
		p = nl;
	}
	return n;
}

void engines_disarm(struct engines *e)
{
	char file[64], stats[STATS_MAX];
	int id, ret;

	if (e->armed) {
		for (id = ENG_NR - 1; id >= 0; id--) {
			if (!(enabled_mask & ENG_BIT(id)))
				continue;
			snprintf(file, sizeof(file), "%s/" MMT_FILE_ENABLE, engine_names[id]);
			ret = mmt_write(file, "0");
			if (ret)
				fprintf(stderr, "%s: cannot disable engine %s: %s\n",
					prog_name, engine_names[id], strerror(-ret));
			enabled_mask &= ~ENG_BIT(id);
		}
		e->disarmed_at = now_s();
		for (id = 0; id < ENG_NR; id++) {
			if (!engines_on(e, id))
				continue;
			snprintf(file, sizeof(file), "%s/" MMT_FILE_STATS, engine_names[id]);
			if (mmt_read(file, stats, sizeof(stats)) > 0)
				keep_final(e, id, stats);
			subtract_base(e, id);
		}
		e->armed = false;
	}
	if (e->nr_targets) {
		ret = mmt_write(MMT_FILE_TARGETS, MMT_TARGET_RELEASE_VERB " " MMT_TARGET_ALL);
		if (ret)
			fprintf(stderr, "%s: cannot release our targets: %s\n",
				prog_name, strerror(-ret));
		e->nr_targets = 0;
	}
	if (spare_page) {
		munmap(spare_page, spare_len);
		spare_page = NULL;
	}
}

long long engines_stat(const struct engines *e, enum engine_id id,
		       const char *key)
{
	char file[64], stats[STATS_MAX], val[64], *end;
	unsigned int i;
	long long v;

	if (!engines_on(e, id))
		return -1;
	if (!e->armed) {
		for (i = 0; i < e->nr_final[id]; i++)
			if (!strcmp(e->final[id][i].key, key))
				return e->final[id][i].value;
		return -1;
	}
	snprintf(file, sizeof(file), "%s/" MMT_FILE_STATS, engine_names[id]);
	if (mmt_read(file, stats, sizeof(stats)) <= 0)
		return -1;
	if (id == ENG_TLBDELAY && (!strcmp(key, MMT_STAT_TLBDELAY_DELAYS) ||
				   !strcmp(key, MMT_STAT_TLBDELAY_CALLS)) &&
	    tlbdelay_live(stats, key) >= 0)
		return tlbdelay_live(stats, key);
	if (!line_value(stats, key, val, sizeof(val)))
		return -1;
	errno = 0;
	v = strtoll(val, &end, 10);
	if (errno || end == val || *end)
		return -1;
	for (i = 0; i < base.nr_final[id]; i++)
		if (!strcmp(base.final[id][i].key, key))
			v -= base.final[id][i].value;
	return v;
}

long long engines_delays(const struct engines *e)
{
	long long v = engines_stat(e, ENG_TLBDELAY, MMT_STAT_TLBDELAY_DELAYS);

	return v < 0 ? 0 : v;
}

unsigned int engines_nr_tests(const struct engines *e)
{
	return __builtin_popcount(e->mask);
}

void engines_describe(const struct engines *e, char *buf, size_t len)
{
	size_t n;
	unsigned int i;

	char status[4096], broken[64];

	n = snprintf(buf, len, "engines=%s", names_of(e->mask));
	if (engines_any(e) && mmt_read(MMT_FILE_STATUS, status, sizeof(status)) > 0 &&
	    line_value(status, MMT_STATUS_BROKEN, broken, sizeof(broken)))
		n += snprintf(buf + n, len - n, " module_broken=%s", broken);
	for (i = 0; i < e->nr_set && n < len; i++)
		n += snprintf(buf + n, len - n, " %s.%s=%s",
			      engine_names[e->set[i].engine], e->set[i].key,
			      e->set[i].value);
}

static long long final_of(const struct engines *e, enum engine_id id,
			  const char *key)
{
	unsigned int i;

	for (i = 0; i < e->nr_final[id]; i++)
		if (!strcmp(e->final[id][i].key, key))
			return e->final[id][i].value;
	return -1;
}

/* Sum of the op_* counters: the engine's operations on our targets. */
static long long ops_done(const struct engines *e, enum engine_id id)
{
	long long n = 0;
	unsigned int i;

	for (i = 0; i < e->nr_final[id]; i++)
		if (!strncmp(e->final[id][i].key, MMT_STAT_OP_PREFIX, strlen(MMT_STAT_OP_PREFIX)))
			n += e->final[id][i].value;
	return n;
}

void engines_report(const struct engines *e, unsigned int first,
		    enum verdict *v)
{
	char name[64], why[192];
	unsigned int i, t = 0;
	long long viol, errs, work;
	int id;

	for (id = 0; id < ENG_NR; id++) {
		if (!engines_on(e, id))
			continue;
		for (i = 0; i < e->nr_final[id]; i++) {
			snprintf(name, sizeof(name), "engine_%s_%s",
				 engine_names[id], e->final[id][i].key);
			metric(name, e->final[id][i].value, NULL);
		}
	}
	for (id = 0; id < ENG_NR; id++) {
		if (!engines_on(e, id))
			continue;
		snprintf(name, sizeof(name), "engine_%s", engine_names[id]);
		viol = final_of(e, id, MMT_STAT_VIOLATIONS);
		errs = final_of(e, id, MMT_STAT_ERRORS);
		switch (id) {
		case ENG_TLBDELAY:
			work = final_of(e, id, MMT_STAT_TLBDELAY_CALLS);
			break;
		case ENG_MKCLEAN:
			work = final_of(e, id, MMT_STAT_MKCLEAN_PASSES);
			break;
		default:
			work = ops_done(e, id);
			break;
		}
		if (id == ENG_TLBDELAY)
			diag("engine tlbdelay: filtered_calls=%lld delays=%lld budget_skips=%s errors=%lld violations=%lld",
			     work, final_of(e, id, MMT_STAT_TLBDELAY_DELAYS),
			     final_of(e, id, MMT_STAT_TLBDELAY_BUDGET_SKIPS) < 0 ? "n/a" :
			     (snprintf(why, sizeof(why), "%lld",
				       final_of(e, id, MMT_STAT_TLBDELAY_BUDGET_SKIPS)), why),
			     errs, viol);
		else
			diag("engine %s: %s=%lld errors=%lld violations=%lld",
			     engine_names[id],
			     id == ENG_MKCLEAN ? "passes" : "ops", work, errs,
			     viol);
		v[t] = V_PASS;
		why[0] = '\0';
		if (!e->nr_final[id]) {
			v[t] = V_FAIL;
			snprintf(why, sizeof(why), "no final counters: the engine was not armed or its stats were unreadable");
		} else if (viol > 0) {
			v[t] = V_FAIL;
			snprintf(why, sizeof(why), "%lld invariant violations (see the module's messages)", viol);
		} else if (work <= 0) {
			v[t] = V_FAIL;
			snprintf(why, sizeof(why), "did no work on our memory (%s=%lld, errors=%lld)",
				 id == ENG_TLBDELAY ? "filtered_calls" :
				 id == ENG_MKCLEAN ? "passes" : "op_* total",
				 work, errs);
		}
		ktap_result(first + t, name, v[t], why);
		t++;
	}
}

_Noreturn void engines_expire(const struct engines *e, const char *test,
			      const char *why)
{
	unsigned int id, n = 2;

	ktap_seize(1);
	ktap_raw_diag("watchdog: ", why);
	ktap_raw_result(1, test, V_TIMEOUT, why);
	for (id = 0; id < ENG_NR; id++)
		if (engines_on(e, id))
			ktap_raw_engine_timeout(n++, engine_names[id], why);
	_exit(MMT_EXIT_FAIL);
}

void ktap_raw_engine_timeout(unsigned int num, const char *engine,
			     const char *why)
{
	char name[64] = "engine_";
	size_t i, n = strlen(name);

	for (i = 0; engine[i] && n < sizeof(name) - 1; i++)
		name[n++] = engine[i];
	name[n] = '\0';
	ktap_raw_result(num, name, V_TIMEOUT, why);
}

static void race_thread(struct engines *e, pthread_t *tid,
			void *(*fn)(void *), void *arg, const char *name)
{
	errno = pthread_create(tid, NULL, fn, arg);
	if (errno) {
		engines_disarm(e);
		die_errno("pthread_create %s", name);
	}
	pthread_setname_np(*tid, name);
}

double engines_race(struct engines *e, uint64_t seed, struct race *r,
		    double duration)
{
	double elapsed;
	char name[16];
	unsigned long i;

	r->tids = calloc(r->nr, sizeof(*r->tids));
	if (!r->tids)
		die_errno("calloc");
	engines_arm(e, seed);
	r->start = now_s();
	if (watchdog_start(r->wd)) {
		engines_disarm(e);
		die_errno("watchdog");
	}
	for (i = 0; i < r->nr; i++) {
		snprintf(name, sizeof(name), "%.4s%u", r->prefix,
			 (unsigned int)i);
		race_thread(e, &r->tids[i], r->fn,
			    (char *)r->args + i * r->stride, name);
	}
	if (r->solo_fn)
		race_thread(e, &r->solo, r->solo_fn, NULL, r->solo_name);
	elapsed = run_for(r->start, duration, r->stop, r->progress);
	atomic_store(&r->wd->finishing, 1);
	if (!atomic_load(r->stop))
		atomic_store(r->stop, 1);
	for (i = 0; i < r->nr; i++) {
		pthread_join(r->tids[i], NULL);
		atomic_fetch_add(&r->wd->main_progress, 1);
	}
	if (r->solo_fn) {
		pthread_join(r->solo, NULL);
		atomic_fetch_add(&r->wd->main_progress, 1);
	}
	engines_disarm(e);
	watchdog_stop(r->wd);
	free(r->tids);
	r->tids = NULL;
	return elapsed;
}

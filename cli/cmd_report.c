/*
 * cmd_report.c - 'loadtape report RESULTS...': the summary of one results
 * file, or of several merged exactly (the shards of one run: counters and
 * histogram counts add; the run's duration is the longest shard's), as
 * text, JSON, Locust-style CSV or a self-contained HTML page, or the run's
 * 1 s intervals (--intervals).
 */
#include "lt_cli.h"
#include "lt_formats.h"
#include "lt_replay.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/*
 * Adds one results file into total: its TOTAL section, or when the run did
 * not finish writing it, the sum of its intervals (with a warning); and its
 * per-endpoint groups into groups (when not NULL), by name.
 */
static int add_file(const char *path, struct lt_stats *total, struct lt_stats *part,
                    struct lt_groups *groups, struct lt_run_meta *meta, uint64_t *start_ns,
                    uint64_t *last_start_ns, int first)
{
    static const char cmd[] = "report";
    struct lt_results_reader *r;
    struct lt_results_section sec;
    struct lt_err err;
    int rc, have_total = 0, ret = -1;
    cJSON *m;

    lt_err_clear(&err);
    r = lt_results_reader_open(path, &err);
    if (!r) {
        lt_cli_error(cmd, "%s", err.msg);
        return -1;
    }
    m = cJSON_Parse(lt_results_reader_meta(r));
    if (m) {
        const cJSON *mode = cJSON_GetObjectItemCaseSensitive(m, "mode");
        uint64_t start;
        /* the run's start, exact either way it was written; shards: the earliest */
        if (lt_json_get_u64(cJSON_GetObjectItemCaseSensitive(m, "start_unix_ns"), &start) == 0) {
            if (*start_ns == 0 || start < *start_ns)
                *start_ns = start;
            if (last_start_ns && start > *last_start_ns)
                *last_start_ns = start; /* shards: how far apart their clocks started them */
        }
        if (first)
            lt_run_meta_from_json(meta, lt_results_reader_meta(r));
        else if (cJSON_IsString(mode) && strcmp(meta->mode, mode->valuestring) != 0)
            lt_cli_warn(cmd, "'%s' is a %s run, the first file a %s run", path, mode->valuestring,
                        meta->mode);
        cJSON_Delete(m);
    }
    lt_stats_reset(part);
    while ((rc = lt_results_reader_next(r, &sec, &err)) == 1) {
        if (sec.kind == LT_RESULTS_TOTAL) {
            struct lt_stats *t = part;
            /* the total replaces the intervals summed so far */
            lt_stats_reset(t);
            if (lt_stats_add_section(t, &sec, &err))
                goto bad;
            have_total = 1;
        } else if (sec.kind == LT_RESULTS_GROUP) {
            if (groups && lt_groups_add_section(groups, &sec, &err))
                goto bad;
        } else if (!have_total && lt_stats_add_section(part, &sec, &err)) {
            goto bad;
        }
    }
    if (rc < 0 && !(rc == LT_E_TRUNCATED && !have_total)) {
        lt_cli_error(cmd, "%s", err.msg);
        goto out;
    }
    if (rc < 0) {
        /* the writer never finished: whatever stopped it, the run is not whole */
        lt_cli_warn(cmd, "%s; using its complete intervals, and the run counts as interrupted",
                    err.msg);
        part->c[LT_RC_INTERRUPTED] = 1;
    }
    lt_stats_merge(total, part);
    ret = 0;
    goto out;
bad:
    lt_cli_error(cmd, "'%s': %s", path, err.msg);
out:
    lt_results_reader_free(r);
    return ret;
}

/* Whether a results file holds a --find-max search (its metadata says so). */
static int is_find_max(const char *path)
{
    struct lt_err err;
    struct lt_results_reader *r;
    int yes;

    if (strcmp(path, "-") == 0)
        return 0; /* read once, as a plain run */
    r = lt_results_reader_open(path, &err);
    yes = r && lt_cli_find_max_meta(lt_results_reader_meta(r));
    lt_results_reader_free(r);
    return yes;
}

/* Writes b to path ("-" or NULL: stdout); 0, or -1 after printing the error. */
static int write_out(const char *cmd, const char *path, const struct lt_buf *b)
{
    FILE *f = lt_cli_open_out(cmd, path, 0);
    int bad;

    if (!f)
        return -1;
    bad = b->len && fwrite(b->data, 1, b->len, f) != b->len;
    bad |= fflush(f) != 0 || ferror(f);
    if (f != stdout)
        bad |= fclose(f) != 0;
    if (bad)
        lt_cli_error(cmd, "cannot write '%s'", path && strcmp(path, "-") != 0 ? path : "stdout");
    return bad ? -1 : 0;
}

/*
 * The formats that need the run over time: CSV (the stats and the history
 * file, OUT_stats.csv and OUT_stats_history.csv), HTML, and --intervals.
 */
static int write_report(const char *cmd, const char *format, int intervals, const char *out,
                        const struct lt_report *rep)
{
    struct lt_buf b;
    int rc = 0, ret = -1;

    lt_buf_init(&b, 0);
    if (intervals && strcmp(format, "json") == 0)
        rc = lt_report_intervals_jsonl(&b, rep->series);
    else if (intervals)
        rc = lt_report_intervals_text(&b, rep->series);
    else if (strcmp(format, "html") == 0)
        rc = lt_report_html(&b, rep);
    if (rc)
        goto nomem;
    if (strcmp(format, "csv") != 0 || intervals) {
        ret = write_out(cmd, out, &b);
        goto out;
    }
    for (int k = 0; k < 2; k++) {
        static const char *const suffix[2] = {"_stats.csv", "_stats_history.csv"};
        char path[4096];
        if ((size_t)snprintf(path, sizeof(path), "%s%s", out, suffix[k]) >= sizeof(path)) {
            lt_cli_error(cmd, "-o: name too long");
            goto out;
        }
        lt_buf_reset(&b);
        rc = k == 0 ? lt_report_csv_stats(&b, rep) : lt_report_csv_history(&b, rep);
        if (rc)
            goto nomem;
        if (write_out(cmd, path, &b))
            goto out;
    }
    ret = 0;
    goto out;
nomem:
    lt_cli_error(cmd, "out of memory");
out:
    lt_buf_release(&b);
    return ret;
}

/*
 * report A B --compare: each file is a run of its own (never merged with the
 * other), shown side by side. The exit status is the worse of the two
 * verdicts under --slo.
 */
static int run_compare(const char *cmd, char **pos, const char *format, const char *out,
                       const struct lt_slo *slo)
{
    struct lt_stats total[2], part;
    struct lt_run_meta meta[2];
    struct lt_summary sum[2];
    struct lt_report_series series[2];
    struct lt_report rep[2];
    struct lt_err err;
    struct lt_buf b;
    int ret = LT_EXIT_FAIL, worst = LT_VERDICT_PASS, rc = 0, n = 0;

    lt_buf_init(&b, 0);
    memset(meta, 0, sizeof(meta));
    if (lt_stats_init(&part))
        goto nomem;
    for (n = 0; n < 2; n++) {
        lt_report_series_init(&series[n]);
        if (lt_stats_init(&total[n]))
            goto nomem;
    }
    for (int i = 0; i < 2; i++) {
        uint64_t start_ns = 0;
        if (add_file(pos[i], &total[i], &part, NULL, &meta[i], &start_ns, NULL, 1))
            goto out;
        lt_summary_compute(&sum[i], &total[i]);
        if (strcmp(format, "html") == 0 &&
            lt_report_series_load(&series[i], (const char *const *)&pos[i], 1, &err)) {
            lt_cli_error(cmd, "%s", err.msg);
            goto out;
        }
        rep[i] = (struct lt_report){&meta[i], &sum[i], &total[i], slo,    &series[i],
                                    NULL,     0,       1,         pos[i], NULL};
    }
    if (strcmp(format, "json") == 0) {
        cJSON *j = lt_report_compare_json(&rep[0], &rep[1]);
        char *js = j ? cJSON_PrintUnformatted(j) : NULL;
        rc = !js || lt_buf_puts(&b, js) || lt_buf_putc(&b, '\n');
        free(js);
        cJSON_Delete(j);
    } else if (strcmp(format, "html") == 0) {
        rc = lt_report_compare_html(&b, &rep[0], &rep[1]);
    } else {
        rc = lt_report_compare_text(&b, &rep[0], &rep[1]);
    }
    if (rc)
        goto nomem;
    if (write_out(cmd, out, &b))
        goto out;
    for (int i = 0; i < 2; i++) {
        enum lt_verdict v = lt_summary_verdict(&sum[i], slo);
        if ((int)v > worst)
            worst = (int)v;
        if (sum[i].interrupted)
            lt_cli_warn(cmd, "'%s': the run was interrupted: the numbers cover part of it", pos[i]);
        if (sum[i].client_bound)
            lt_cli_warn(cmd, "'%s': client-bound: %s", pos[i], sum[i].client_bound_reason);
    }
    ret = worst == LT_VERDICT_PASS     ? LT_EXIT_OK
          : worst == LT_VERDICT_BREACH ? LT_EXIT_SLO
                                       : LT_EXIT_INCONCLUSIVE;
    goto out;
nomem:
    lt_cli_error(cmd, "out of memory");
out:
    for (int i = 0; i < n; i++) {
        lt_stats_release(&total[i]);
        lt_report_series_release(&series[i]);
    }
    lt_stats_release(&part);
    lt_buf_release(&b);
    return ret;
}

/* A metadata value as text for comparing ("(none)" when absent); the shard count only. */
static void meta_value(const cJSON *m, const char *key, char *out, size_t n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, key);
    char *t;

    if (!v) {
        snprintf(out, n, "(none)");
        return;
    }
    if (strcmp(key, "shard") == 0 && cJSON_IsString(v)) {
        const char *slash = strchr(v->valuestring, '/');
        snprintf(out, n, "of %s", slash ? slash + 1 : v->valuestring);
        return;
    }
    if (strcmp(key, "tape") == 0 && cJSON_IsString(v)) {
        /* the same tape may sit in other folders on other machines */
        const char *b = strrchr(v->valuestring, '/');
        snprintf(out, n, "%s", b ? b + 1 : v->valuestring);
        return;
    }
    t = cJSON_PrintUnformatted(v);
    snprintf(out, n, "%s", t ? t : "?");
    free(t);
}

/*
 * Results merge only when they are parts of one run (DESIGN.md §4): the same tape,
 * target and schedule, each shard once. Names the first difference.
 */
static int check_same_run(const char *cmd, char **pos, int npos, int merge_any)
{
    static const char *const keys[] = {
        "tape_id", "tape", "target", "mode", "speed", "rate",       "arrivals", "seed",
        "spike",   "loop", "limit",  "from", "to",    "duration_s", "shard",    "rules_id"};
    cJSON *first = NULL, *m = NULL;
    char **shards = calloc((size_t)npos, sizeof(char *));
    int ret = -1;

    if (!shards)
        return -1;
    for (int i = 0; i < npos; i++) {
        struct lt_err err;
        struct lt_results_reader *r = lt_results_reader_open(pos[i], &err);
        const cJSON *sh;
        if (!r) {
            lt_cli_error(cmd, "%s", err.msg);
            goto out;
        }
        m = cJSON_Parse(lt_results_reader_meta(r));
        lt_results_reader_free(r);
        if (!m) {
            lt_cli_error(cmd, "'%s': its metadata is not JSON", pos[i]);
            goto out;
        }
        sh = cJSON_GetObjectItemCaseSensitive(m, "shard");
        if (cJSON_IsString(sh)) {
            for (int j = 0; j < i; j++)
                if (shards[j] && strcmp(shards[j], sh->valuestring) == 0) {
                    lt_cli_error(cmd,
                                 "'%s' and '%s' are both shard %s: merged, it would count twice",
                                 pos[j], pos[i], sh->valuestring);
                    goto out;
                }
            shards[i] = strdup(sh->valuestring);
        }
        if (!first) {
            first = m;
            m = NULL;
            continue;
        }
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
            char a[256], b[256];
            meta_value(first, keys[k], a, sizeof(a));
            meta_value(m, keys[k], b, sizeof(b));
            if (strcmp(a, b) != 0) {
                if (merge_any) {
                    lt_cli_warn(cmd, "merging different runs: '%s' has %s %s, '%s' %s", pos[i],
                                keys[k], b, pos[0], a);
                    ret = 1;
                    goto out;
                }
                lt_cli_error(cmd,
                             "'%s' is not part of the same run as '%s': %s %s vs %s "
                             "(--merge-any merges them anyway)",
                             pos[i], pos[0], keys[k], b, a);
                goto out;
            }
        }
        cJSON_Delete(m);
        m = NULL;
    }
    ret = 0;
out:
    cJSON_Delete(first);
    cJSON_Delete(m);
    for (int i = 0; i < npos; i++)
        free(shards[i]);
    free(shards);
    return ret;
}

/* The options of report, as given. */
struct report_opts {
    const char *format, *out, *slo_s;
    int intervals, compare, merge_any;
    int json;     /* --format json */
    int timeline; /* the format needs the run over time: csv, html or --intervals */
};

/* The usage errors of report's options and files; -1 to go on, or LT_EXIT_USAGE. */
static int check_options(struct report_opts *o, char **pos, int npos, struct lt_slo *slo)
{
    static const char cmd[] = "report";
    const char *format = o->format;
    struct lt_err err;

    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0 &&
        strcmp(format, "html") != 0)
        return lt_cli_usage(cmd, "--format: expected text, json, csv or html, not '%s'", format);
    if (o->intervals && (strcmp(format, "csv") == 0 || strcmp(format, "html") == 0))
        return lt_cli_usage(cmd, "--intervals goes with --format text or json (csv and html "
                                 "always hold the intervals)");
    if (strcmp(format, "csv") == 0 && (!o->out || strcmp(o->out, "-") == 0))
        return lt_cli_usage(cmd, "--format csv needs -o PREFIX (it writes PREFIX_stats.csv and "
                                 "PREFIX_stats_history.csv)");
    o->json = strcmp(format, "json") == 0;
    o->timeline = o->intervals || strcmp(format, "csv") == 0 || strcmp(format, "html") == 0;
    if (o->slo_s && lt_slo_parse(slo, o->slo_s, &err))
        return lt_cli_usage(cmd, "--slo: %s", err.msg);
    /* the run over time is read in a second pass, which standard input cannot give */
    for (int i = 0; i < npos; i++)
        if (strcmp(pos[i], "-") == 0 && o->timeline)
            return lt_cli_usage(cmd,
                                "--format %s%s reads its results twice: give a file, not "
                                "'-' (standard input)",
                                format, o->intervals ? " --intervals" : "");
    if (o->compare && (npos != 2 || o->intervals || strcmp(format, "csv") == 0))
        return lt_cli_usage(cmd, "--compare takes two results files (A and B), with --format "
                                 "text, json or html");
    return -1;
}

/* The merged results of one or more files, and what is reported of them. */
struct report_run {
    struct lt_stats total, part;
    struct lt_groups groups;
    struct lt_report_group *rows;
    size_t nrows;
    struct lt_run_meta meta;
    struct lt_summary sum;
    struct lt_report_series series;
    uint64_t start_ns, last_start_ns; /* the earliest and latest start of the files */
    char started[48];                 /* start_ns in ISO 8601, "" when unknown */
};

/*
 * A --find-max search is reported alone, as its step table (text, json):
 * -1 to go on, or the exit status.
 */
static int find_max_alone(const struct report_opts *o, char **pos, int npos)
{
    static const char cmd[] = "report";
    FILE *f;
    int ret;

    for (int i = 0; npos > 1 && i < npos; i++)
        if (is_find_max(pos[i])) {
            lt_cli_error(cmd, "'%s' is a --find-max search: it is reported alone", pos[i]);
            return LT_EXIT_FAIL;
        }
    if (o->intervals || !(o->json || strcmp(o->format, "text") == 0) || !is_find_max(pos[0]))
        return -1;
    /* a search's steps are runs of their own: the table, not one sum */
    f = lt_cli_open_out(cmd, o->out, 0);
    if (!f)
        return LT_EXIT_FAIL;
    ret = lt_cli_report_find_max(cmd, pos[0], o->json, f);
    lt_cli_close_out(f);
    return ret;
}

/* Reads and merges the files into r (the shards of one run unless --merge-any); 0, or -1. */
static int load_results(const struct report_opts *o, char **pos, int npos, struct report_run *r)
{
    static const char cmd[] = "report";
    int mixed = 0;

    if (npos > 1) {
        int same = check_same_run(cmd, pos, npos, o->merge_any);
        if (same < 0)
            return -1;
        mixed = same > 0;
    }
    for (int i = 0; i < npos; i++)
        if (add_file(pos[i], &r->total, &r->part, &r->groups, &r->meta, &r->start_ns,
                     &r->last_start_ns, i == 0))
            return -1;
    r->meta.mixed = mixed;
    lt_summary_compute(&r->sum, &r->total);
    r->rows = calloc(r->groups.n + 1, sizeof(*r->rows));
    if (!r->rows) {
        lt_cli_error(cmd, "out of memory");
        return -1;
    }
    r->nrows = lt_groups_rows(&r->groups, r->rows);
    if (r->start_ns)
        lt_format_iso8601((int64_t)r->start_ns, 9, r->started, sizeof(r->started));
    return 0;
}

/*
 * The formats of the run over time (csv, html, --intervals); -1 to go on to
 * the verdict, or an exit status (a --find-max search's is its own).
 */
static int report_timeline(const struct report_opts *o, char **pos, int npos,
                           const struct lt_slo *slo, struct report_run *r)
{
    static const char cmd[] = "report";
    struct lt_report rep = {&r->meta, &r->sum,  &r->total, slo,  &r->series,
                            r->rows,  r->nrows, npos,      NULL, NULL};
    struct lt_report_find_max fm;
    struct lt_err err;
    int fm_exit = 0, bad;

    if (npos == 1 && is_find_max(pos[0])) {
        if (lt_cli_find_max_load(cmd, pos[0], &fm, &fm_exit))
            return LT_EXIT_FAIL;
        rep.find_max = &fm;
    }
    bad = lt_report_series_load(&r->series, (const char *const *)pos, (size_t)npos, &err);
    if (bad)
        lt_cli_error(cmd, "%s", err.msg);
    else
        bad = write_report(cmd, o->format, o->intervals, o->out, &rep);
    if (rep.find_max)
        free((void *)fm.steps);
    if (bad)
        return LT_EXIT_FAIL;
    return rep.find_max ? fm_exit : -1; /* a search's verdict, not one of its summed steps */
}

/* The summary of the merged files, as text or JSON, to -o; 0, or -1 after an error. */
static int print_summary(const struct report_opts *o, int npos, const struct lt_slo *slo,
                         const struct report_run *r)
{
    FILE *f = lt_cli_open_out("report", o->out, 0);
    double skew_ms = (double)(r->last_start_ns - r->start_ns) / 1e6;

    if (!f)
        return -1;
    if (o->json) {
        cJSON *j = lt_summary_json(&r->sum, &r->total, &r->meta, slo);
        char *s;
        if (j && r->start_ns) {
            cJSON_AddItemToObject(j, "start_unix_ns", lt_json_u64(r->start_ns));
            cJSON_AddStringToObject(j, "started", r->started);
        }
        if (j && npos > 1) {
            cJSON_AddNumberToObject(j, "merged", npos);
            cJSON_AddNumberToObject(j, "start_skew_ms", skew_ms);
        }
        if (j)
            lt_summary_groups_json(j, r->rows, r->nrows);
        s = j ? cJSON_PrintUnformatted(j) : NULL;
        if (s)
            fprintf(f, "%s\n", s);
        free(s);
        cJSON_Delete(j);
    } else {
        struct lt_buf b;
        lt_buf_init(&b, 0);
        if (npos > 1)
            lt_buf_printf(&b, "merged      %d results files (their starts %.3f ms apart)\n", npos,
                          skew_ms);
        if (r->start_ns)
            lt_buf_printf(&b, "started     %s\n", r->started);
        if (lt_summary_text(&b, &r->sum, &r->total, &r->meta, slo) == 0 &&
            lt_summary_groups_text(&b, r->rows, r->nrows) == 0)
            fwrite(b.data, 1, b.len, f);
        lt_buf_release(&b);
    }
    lt_cli_close_out(f);
    return 0;
}

/* The exit status of the merged run under --slo, and what it rests on. */
static int verdict(const struct lt_summary *sum, const struct lt_slo *slo)
{
    static const char cmd[] = "report";
    int ret = lt_cli_verdict_exit(lt_summary_verdict(sum, slo));

    if (sum->interrupted)
        lt_cli_warn(cmd, "the run was interrupted: the numbers cover part of it (exit 4)");
    if (sum->tape_skipped)
        lt_cli_warn(cmd, "%llu records of damaged tape blocks were never sent (exit 4)",
                    (unsigned long long)sum->tape_skipped);
    if (sum->no_outcome)
        lt_cli_warn(cmd,
                    "incomplete: %llu requests have no outcome in the results (their writer "
                    "stopped first); the counters do not add up (exit 4)",
                    (unsigned long long)sum->no_outcome);
    if (sum->client_bound)
        lt_cli_warn(cmd, "client-bound: %s; latency includes loadtape's own delay",
                    sum->client_bound_reason);
    return ret;
}

/* One run from one or more files: loaded, merged, written in the format asked for. */
static int report_merged(const struct report_opts *o, char **pos, int npos,
                         const struct lt_slo *slo)
{
    struct report_run r;
    int ret = LT_EXIT_FAIL;

    memset(&r, 0, sizeof(r));
    lt_report_series_init(&r.series);
    if (lt_stats_init(&r.total) || lt_stats_init(&r.part) ||
        lt_groups_init(&r.groups, LT_GROUPS_MAX)) {
        lt_cli_error("report", "out of memory");
        lt_stats_release(&r.total);
        lt_stats_release(&r.part);
        return LT_EXIT_FAIL;
    }
    if ((ret = find_max_alone(o, pos, npos)) >= 0)
        goto out;
    ret = LT_EXIT_FAIL;
    if (load_results(o, pos, npos, &r))
        goto out;
    if (o->timeline) {
        if ((ret = report_timeline(o, pos, npos, slo, &r)) >= 0)
            goto out;
    } else if (print_summary(o, npos, slo, &r)) {
        ret = LT_EXIT_FAIL;
        goto out;
    }
    ret = verdict(&r.sum, slo);
out:
    free(r.rows);
    lt_groups_release(&r.groups);
    lt_report_series_release(&r.series);
    lt_stats_release(&r.total);
    lt_stats_release(&r.part);
    return ret;
}

int cmd_report(int argc, char **argv)
{
    static const char cmd[] = "report";
    struct report_opts o = {.format = "text"};
    struct lt_opt opts[] = {
        {"format", 0, LT_OPT_STR, "FMT", "text, json, csv or html (default: text)", &o.format, 0, 0,
         0},
        {"output", 'o', LT_OPT_STR, "OUT",
         "write to OUT (default: stdout); csv: OUT_stats{,_history}.csv", &o.out, 0, 0, 0},
        {"intervals", 0, LT_OPT_FLAG, NULL,
         "the per-second table, not the summary (JSON lines with --format json)", &o.intervals, 0,
         0, 0},
        {"compare", 0, LT_OPT_FLAG, NULL,
         "two runs side by side (RESULTS A and B): every number with B - A", &o.compare, 0, 0, 0},
        {"slo", 0, LT_OPT_STR, "EXPR",
         "thresholds, e.g. 'p99<200ms,error_rate<1%' (exit 3 when one fails)", &o.slo_s, 0, 0, 0},
        {"merge-any", 0, LT_OPT_FLAG, NULL,
         "merge results of different runs too (by default only the shards of one run)",
         &o.merge_any, 0, 0, 0},
        LT_OPT_END,
    };
    struct lt_cmd_spec spec = {cmd,
                               "RESULTS... [options]",
                               "Print the summary of results files; several are merged exactly.",
                               "Merging adds counters and histograms: the shards of one run\n"
                               "(--shard I/N) report as the whole run.\n"
                               "--format csv writes Locust's stats.csv and stats_history.csv\n"
                               "columns; --format html one self-contained page with charts.\n"
                               "Exit status: 0 ok, 1 failure, 2 usage, 3 a --slo threshold "
                               "failed,\n4 inconclusive (the run was interrupted or never "
                               "finished its file, or\nit was client-bound and a latency or "
                               "throughput threshold failed).\n",
                               opts,
                               1,
                               -1};
    struct lt_slo slo;
    char **pos;
    int npos, rc;

    memset(&slo, 0, sizeof(slo));
    rc = lt_cli_parse(&spec, argc, argv, &pos, &npos);
    if (rc >= 0)
        return rc;
    if ((rc = check_options(&o, pos, npos, &slo)) >= 0)
        return rc;
    if (o.compare)
        return run_compare(cmd, pos, o.format, o.out, &slo);
    return report_merged(&o, pos, npos, &slo);
}

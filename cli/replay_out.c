/*
 * replay_out.c - what a replay leaves: the status line while it runs, the
 * results file (its metadata, its intervals, its total and groups), and at
 * the end the warnings, the summary on stdout (text or --json) and the exit
 * status.
 */
#include "replay_cmd.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- while it runs ------------------------------------------------------------------- */

/*
 * The status line: fields in order of importance, so a narrow terminal drops
 * the last ones rather than wrapping (lt_cli_status fits it in place).
 */
void replay_show_progress(void *ctx, const struct lt_replay_progress *p)
{
    char el[32], tot[32], t[72], sent[32], rps[32], p50[40], p99[40], errs[32], fl[40];
    const char *f[] = {t, sent, rps, p99, errs, p50, fl};

    (void)ctx;
    lt_format_duration(p->elapsed_ns, el, sizeof(el));
    lt_format_duration(p->total_ns, tot, sizeof(tot));
    snprintf(t, sizeof(t), "%s%s%s", el, p->total_ns ? "/" : "", p->total_ns ? tot : "");
    snprintf(sent, sizeof(sent), "sent %llu", (unsigned long long)p->sent);
    snprintf(rps, sizeof(rps), "%.0f req/s", p->rps_last);
    lt_format_duration((int64_t)p->p99_last_ns, tot, sizeof(tot));
    snprintf(p99, sizeof(p99), "p99 %s", tot);
    lt_format_duration((int64_t)p->p50_last_ns, tot, sizeof(tot));
    snprintf(p50, sizeof(p50), "p50 %s", tot);
    snprintf(errs, sizeof(errs), "errors %llu", (unsigned long long)p->errors);
    snprintf(fl, sizeof(fl), "in flight %llu", (unsigned long long)(p->in_flight + p->queued));
    lt_cli_status(f, sizeof(f) / sizeof(f[0]));
}

int replay_write_interval(void *ctx, const struct lt_results_section *sec, struct lt_err *err)
{
    struct lt_results_writer *w = ctx;

    return w ? lt_results_writer_add(w, sec, err) : 0;
}

/* ---- what the run was ---------------------------------------------------------------- */

/*
 * The tape's identity for report's merge check: its origin, records and time span, the
 * same wherever the tape was copied to; none for a tape read from a pipe (not known yet).
 */
static void add_tape_id(cJSON *m, const struct lt_tape_info *info)
{
    char id[24];
    uint64_t h;

    if (info->streamed)
        return;
    h = lt_splitmix64(info->origin_ns);
    h = lt_splitmix64(h ^ info->nrecords);
    h = lt_splitmix64(h ^ info->first_ts_ns);
    h = lt_splitmix64(h ^ info->last_ts_ns);
    snprintf(id, sizeof(id), "%016llx", (unsigned long long)h);
    cJSON_AddStringToObject(m, "tape_id", id);
}

/*
 * The rewrite rules change what is sent, so they are part of what a run is: their
 * option names in order, and a hash of names and values ("rules_id"), since values
 * may be secrets (staging's write key) that must not land in a results file.
 */
static void add_rules(cJSON *m, const struct replay_args *a)
{
    uint64_t h = 0x6c7472756c6573ULL;
    cJSON *names;
    char id[24];

    if (a->rules.n == 0 && !a->fresh_ids)
        return;
    names = cJSON_AddArrayToObject(m, "rules");
    for (size_t i = 0; i < a->rules.n; i++) {
        const struct lt_optseq_item *it = &a->rules.v[i];
        cJSON_AddItemToArray(names, cJSON_CreateString(it->opt));
        for (const char *p = it->opt; *p; p++)
            h = lt_splitmix64(h ^ (uint8_t)*p);
        h = lt_splitmix64(h ^ 0x100);
        for (const char *p = it->val; *p; p++)
            h = lt_splitmix64(h ^ (uint8_t)*p);
        h = lt_splitmix64(h ^ 0x101);
    }
    if (a->fresh_ids) {
        cJSON_AddItemToArray(names, cJSON_CreateString("fresh-ids"));
        h = lt_splitmix64(h ^ 0x102);
    }
    snprintf(id, sizeof(id), "%016llx", (unsigned long long)h);
    cJSON_AddStringToObject(m, "rules_id", id);
}

/* The rest of the schedule: what makes two results files parts of one run. */
static void add_schedule(cJSON *m, const struct replay_cmd *c)
{
    const struct replay_args *a = &c->a;

    if (a->loops > 1)
        cJSON_AddNumberToObject(m, "loop", (double)a->loops);
    if (a->limit)
        cJSON_AddNumberToObject(m, "limit", (double)a->limit);
    if (a->from)
        cJSON_AddStringToObject(m, "from", a->from);
    if (a->to)
        cJSON_AddStringToObject(m, "to", a->to);
    if (a->arrivals && strcmp(a->arrivals, "poisson") == 0)
        cJSON_AddNumberToObject(m, "seed", (double)a->seed);
    if (a->duration)
        cJSON_AddNumberToObject(m, "duration_s", (double)a->duration / 1e9);
    if (a->find_max) {
        cJSON *f = cJSON_AddObjectToObject(m, "find_max");
        cJSON_AddNumberToObject(f, "step_s", (double)a->step / 1e9);
        cJSON_AddNumberToObject(f, "cooldown_s", (double)a->cooldown / 1e9);
        cJSON_AddNumberToObject(f, "max_speed", a->max_speed);
        cJSON_AddNumberToObject(f, "precision", a->precision);
        cJSON_AddNumberToObject(f, "require", a->require);
    }
    add_rules(m, a);
    if (c->ro.shard_n > 1) {
        char sh[48];
        snprintf(sh, sizeof(sh), "%u/%u", c->ro.shard_i, c->ro.shard_n);
        cJSON_AddStringToObject(m, "shard", sh);
    }
}

char *replay_meta_json(const struct replay_cmd *c, int64_t start_unix,
                       const struct lt_tape_info *info)
{
    const struct replay_args *a = &c->a;
    cJSON *m = cJSON_CreateObject();
    char *s;

    cJSON_AddStringToObject(m, "tool", "loadtape");
    cJSON_AddStringToObject(m, "version", LT_VERSION);
    cJSON_AddStringToObject(m, "mode", c->mode);
    cJSON_AddStringToObject(m, "target", a->target);
    cJSON_AddStringToObject(m, "tape", c->tape);
    /* exact: a double would lose the nanoseconds (DESIGN.md §3's u64 rule) */
    cJSON_AddItemToObject(m, "start_unix_ns", lt_json_u64((uint64_t)start_unix));
    cJSON_AddNumberToObject(m, "connections", (double)a->conns);
    cJSON_AddStringToObject(m, "engine", c->ro.engine->name);
    cJSON_AddStringToObject(m, "ok", a->ok ? a->ok : "2xx");
    cJSON_AddNumberToObject(m, "threads", (double)a->threads);
    if (strcmp(c->mode, "speed") == 0)
        cJSON_AddNumberToObject(m, "speed", a->speed);
    if (strcmp(c->mode, "rate") == 0) {
        cJSON_AddNumberToObject(m, "rate", a->rate);
        cJSON_AddStringToObject(m, "arrivals", a->arrivals ? a->arrivals : "constant");
    }
    if (a->spike)
        cJSON_AddStringToObject(m, "spike", a->spike);
    add_tape_id(m, info);
    add_schedule(m, c);
    s = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    return s;
}

void replay_fill_meta(struct lt_run_meta *meta, const struct replay_cmd *c, int threads)
{
    const struct replay_args *a = &c->a;

    memset(meta, 0, sizeof(*meta));
    snprintf(meta->mode, sizeof(meta->mode), "%s", c->mode);
    snprintf(meta->target, sizeof(meta->target), "%s", a->target);
    snprintf(meta->tape, sizeof(meta->tape), "%s", c->tape);
    snprintf(meta->engine, sizeof(meta->engine), "%s", c->ro.engine->name);
    snprintf(meta->spike, sizeof(meta->spike), "%s", a->spike ? a->spike : "");
    meta->speed = a->speed;
    meta->rate = a->rate;
    meta->connections = a->conns;
    meta->threads = threads;
}

/* ---- after the run ------------------------------------------------------------------- */

static const char *added_what(enum lt_rule_kind k)
{
    return k == LT_RULE_SET_QUERY ? "the parameter"
           : k == LT_RULE_HEADER  ? "the header"
                                  : "the field";
}

void replay_report_rules(const struct lt_rewrite *rw)
{
    for (size_t i = 0; i < lt_rewrite_count(rw); i++) {
        struct lt_rule_stat st;
        lt_rewrite_stat(rw, i, &st);
        if (st.matched)
            continue;
        if (st.added)
            lt_cli_warn(REPLAY_CMD, "rule %zu (%s %s) never matched: it added %s to %llu request%s",
                        i + 1, st.option, st.subject, added_what(st.kind),
                        (unsigned long long)st.added, st.added == 1 ? "" : "s");
        else
            lt_cli_warn(REPLAY_CMD, "rule %zu (%s %s) never matched", i + 1, st.option, st.subject);
    }
}

/* Transport errors by class, each with the first one's message. */
static void warn_errors(const struct lt_replay *run)
{
    static const char *const cls[] = {"", "connect", "timeout", "reset", "other"};
    const struct lt_stats *t = lt_replay_totals(run);

    for (int c = LT_XERR_CONNECT; c <= LT_XERR_OTHER; c++) {
        uint64_t n = t->c[LT_RC_ERR_CONNECT + c - 1];
        if (n)
            lt_cli_warn(REPLAY_CMD, "%llu %s error%s, the first: %s", (unsigned long long)n, cls[c],
                        n == 1 ? "" : "s", lt_replay_first_error(run, (enum lt_xfer_err)c));
    }
}

/* What the verdicts rest on: an interruption, requests never sent, a client-bound run. */
static void warn_verdicts(const struct lt_summary *sum)
{
    if (sum->interrupted)
        lt_cli_warn(REPLAY_CMD,
                    "interrupted: the numbers cover part of the run, and no threshold passes");
    if (sum->not_sent)
        lt_cli_warn(REPLAY_CMD,
                    "%llu requests were never sent: every connection was still busy when the "
                    "run ended (the target stalled); they count as failures",
                    (unsigned long long)sum->not_sent);
    if (sum->client_bound)
        lt_cli_warn(REPLAY_CMD,
                    "client-bound: %s; latency includes loadtape's own delay (try --threads, a "
                    "higher -c, or --shard across machines)",
                    sum->client_bound_reason);
}

/*
 * Ends -o: the total and the groups, or, when a write failed during the run,
 * what the file holds. 0, or the error (printed).
 */
static int finish_results(struct replay_cmd *c, const struct lt_replay *run,
                          const struct lt_summary *sum)
{
    struct lt_results_writer *w = c->w;
    struct lt_err err;
    int rc;

    c->w = NULL;
    if (!w)
        return 0;
    if (lt_results_writer_failed(w)) {
        /* the error was said when the write failed; what is there is not whole */
        lt_results_writer_close(w, NULL);
        if (c->out_existed)
            lt_cli_warn(REPLAY_CMD, "'%s' was left as it was", c->a.out);
        else if (access(c->a.out, F_OK) == 0)
            lt_cli_warn(REPLAY_CMD,
                        "'%s' holds only the first part of the run (report calls it incomplete)",
                        c->a.out);
        return 0;
    }
    rc = lt_stats_close_results(w, lt_replay_totals(run), sum->tape_skipped, lt_replay_groups(run),
                                &err);
    if (rc)
        lt_cli_error(REPLAY_CMD, "%s", err.msg);
    return rc;
}

/* The summary on stdout: --json's object, or the table. 0, or -1 without memory. */
static int print_summary(const struct replay_cmd *c, const struct lt_replay *run,
                         const struct lt_summary *sum)
{
    const struct lt_groups *groups = lt_replay_groups(run);
    struct lt_report_group *rows = calloc(groups->n + 1, sizeof(*rows));
    struct lt_run_meta meta;
    size_t nrows;

    if (!rows) {
        lt_cli_error(REPLAY_CMD, "out of memory");
        return -1;
    }
    nrows = lt_groups_rows(groups, rows);
    replay_fill_meta(&meta, c, lt_replay_threads(run));
    if (c->a.json) {
        cJSON *j = lt_summary_json(sum, lt_replay_totals(run), &meta, &c->slo);
        char *s;
        if (j)
            lt_summary_groups_json(j, rows, nrows);
        if (j && lt_rewrite_count(c->rw))
            cJSON_AddItemToObject(j, "rules", lt_rewrite_json(c->rw));
        s = j ? cJSON_PrintUnformatted(j) : NULL;
        if (s)
            printf("%s\n", s);
        free(s);
        cJSON_Delete(j);
    } else {
        struct lt_buf b;
        lt_buf_init(&b, 0);
        if (lt_summary_text(&b, sum, lt_replay_totals(run), &meta, &c->slo) == 0 &&
            lt_summary_groups_text(&b, rows, nrows) == 0)
            fwrite(b.data, 1, b.len, stdout);
        lt_buf_release(&b);
    }
    fflush(stdout);
    free(rows);
    return 0;
}

/* The exit status of a run that ran: nothing reached the target, or the verdict. */
static int exit_status(const struct replay_cmd *c, const struct lt_summary *sum)
{
    int ret;

    if (sum->completed == 0) {
        lt_cli_error(REPLAY_CMD,
                     sum->scheduled ? "not one request reached the target '%s'"
                                    : "nothing was sent to '%s' (no records to replay)",
                     c->a.target);
        return LT_EXIT_FAIL;
    }
    ret = lt_cli_verdict_exit(lt_summary_verdict(sum, &c->slo));
    if (ret == LT_EXIT_SLO)
        lt_cli_warn(REPLAY_CMD, "a threshold of --slo failed");
    else if (ret == LT_EXIT_INCONCLUSIVE)
        lt_cli_warn(REPLAY_CMD, "inconclusive: %s",
                    sum->interrupted ? "the run was interrupted"
                    : sum->tape_skipped
                        ? "damaged tape blocks were skipped, so not the whole tape was sent"
                        : "a threshold failed while the client could not keep up");
    return ret;
}

int replay_report(struct replay_cmd *c, const struct lt_replay *run, int run_rc,
                  uint64_t tape_skipped)
{
    struct lt_summary sum;

    warn_errors(run);
    lt_summary_compute(&sum, lt_replay_totals(run));
    sum.tape_skipped = tape_skipped;
    warn_verdicts(&sum);
    if (finish_results(c, run, &sum))
        run_rc = LT_EXIT_FAIL;
    if (sum.scheduled)
        replay_report_rules(c->rw);
    if (print_summary(c, run, &sum) || run_rc)
        return LT_EXIT_FAIL;
    return exit_status(c, &sum);
}

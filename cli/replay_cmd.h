/*
 * replay_cmd.h - what the files of 'loadtape replay' share: cmd_replay.c
 * wires the run (tape, plan, engine, signals), replay_opts.c holds the
 * option table and turns the options into the run's settings, replay_out.c
 * writes what a run leaves (status line, results file, summary, exit status).
 * Private to cli/.
 */
#ifndef LT_REPLAY_CMD_H
#define LT_REPLAY_CMD_H

#include "lt_cli.h"
#include "lt_formats.h"
#include "lt_replay.h"

#include <stdio.h>

#define REPLAY_CMD "replay"
#define REPLAY_MAX_OPTS 64

/* The options as given (the option table points into it). */
struct replay_args {
    const char *target, *arrivals, *spike, *slo, *out, *from, *to, *shard, *start_at, *engine, *ok;
    const char *schedule_out;
    uint64_t threads;
    double speed, rate, max_speed, precision, require;
    int find_max;
    int64_t step, cooldown;
    int burst, keep_order, keep_host, fresh_ids, json, progress, insecure, check;
    uint64_t conns, loops, limit, seed, max_groups;
    int64_t timeout, duration;
    struct lt_strlist headers, drops; /* from rules, in their order */
    struct lt_optseq rules;           /* every rewrite rule, in command-line order */
    int skip_damaged;
};

/* One replay command, from its options to its exit status; every pointer owned. */
struct replay_cmd {
    struct replay_args a;
    struct lt_opt opts[REPLAY_MAX_OPTS];
    struct lt_cmd_spec spec;
    const char *tape; /* TAPE as given */

    /* what the options give (replay_opts.c) */
    struct lt_target target;
    struct lt_slo slo;
    struct lt_replay_opts ro; /* points into target and a */
    struct lt_rewrite *rw;
    const char *mode;   /* "speed", "rate" or "burst" */
    int64_t start_unix; /* --start-at in Unix ns, 0 when not given */

    /* the source, and what the run writes */
    struct lt_tape_reader *rd;
    struct lt_record_source src; /* the tape through its --from/--to window */
    struct lt_results_writer *w; /* -o */
    int out_existed;             /* a file was at -o before the run */
    char *meta_s;                /* the results file's metadata */
    FILE *sched_f;               /* --schedule-out */
};

/* ---- replay_opts.c ---- */

/* The defaults and the option table (c is then parsed in place). */
void replay_cmd_init(struct replay_cmd *c);
/*
 * Parses argv, checks every option and fills target, slo, ro, rw, mode and
 * start_unix. Returns -1 to go on, or an exit status (the error printed).
 */
int replay_cmd_parse(struct replay_cmd *c, int argc, char **argv);
/* --from/--to against the tape's times into *w; -1 to go on, or an exit status. */
int replay_cmd_window(struct replay_cmd *c, const struct lt_tape_info *info,
                      struct lt_tape_window *w);
/* Frees what c holds; returns rc, or LT_EXIT_FAIL when --schedule-out could not be written. */
int replay_cmd_release(struct replay_cmd *c, int rc);

/* ---- replay_out.c ---- */

/* The status line (struct lt_replay_cbs.progress). */
void replay_show_progress(void *ctx, const struct lt_replay_progress *p);
/* Each closed interval into the results file ctx (may be NULL). */
int replay_write_interval(void *ctx, const struct lt_results_section *sec, struct lt_err *err);
/* The results file's metadata: the run's identity, which report's merge check compares. */
char *replay_meta_json(const struct replay_cmd *c, int64_t start_unix,
                       const struct lt_tape_info *info);
/* What the summary says the run was, with its worker threads. */
void replay_fill_meta(struct lt_run_meta *meta, const struct replay_cmd *c, int threads);
/* "rule 2 (--set-field writeKey) never matched", for each such rule, on stderr. */
void replay_report_rules(const struct lt_rewrite *rw);
/*
 * After a run: its warnings, the rest of the results file, the summary on
 * stdout (text or --json) and the exit status. run_rc is lt_replay_run's,
 * tape_skipped the records of damaged blocks the run passed over.
 */
int replay_report(struct replay_cmd *c, const struct lt_replay *run, int run_rc,
                  uint64_t tape_skipped);

#endif

/*
 * lt_cli.h - the command line: the command table, option tables that both
 * parse argv and print --help, and the helpers every cmd_<name>.c shares.
 * This is the only library that prints or chooses exit codes.
 */
#ifndef LT_CLI_H
#define LT_CLI_H

#include "lt_common.h"

#include <signal.h>
#include <stdio.h>
#include <sys/types.h>

/* Exit codes (DESIGN.md §4). */
enum {
    LT_EXIT_OK = 0,
    LT_EXIT_FAIL = 1,
    LT_EXIT_USAGE = 2,
    LT_EXIT_SLO = 3,
    LT_EXIT_INCONCLUSIVE = 4, /* interrupted, or client-bound with a threshold failed */
};

/* The exit status of a verdict (enum lt_verdict of lt_replay.h: pass, breach, inconclusive). */
int lt_cli_verdict_exit(int verdict);

enum lt_opt_type {
    LT_OPT_FLAG,     /* int *: set to 1 */
    LT_OPT_STR,      /* const char **: the argument as given */
    LT_OPT_STRLIST,  /* struct lt_strlist *: repeatable, also comma-free list */
    LT_OPT_U64,      /* uint64_t *, within [min, max] */
    LT_OPT_DOUBLE,   /* double * */
    LT_OPT_DURATION, /* int64_t * ns: 500ms, 30s, 1m30s */
    LT_OPT_RATE,     /* double * per second: 500, 5k, 1.5M, 300/m */
    LT_OPT_SIZE,     /* uint64_t * bytes: 50B, 4KiB, 50KB */
    LT_OPT_FRACTION, /* double * in [0,1]: 0.1 or 10% */
    LT_OPT_FACTOR,   /* double * above 0: 2 or 2x */
    LT_OPT_SEQ,      /* struct lt_optseq *: repeatable; options sharing one keep their order */
};

/* min of a LT_OPT_DURATION that must be above 0, as every --duration is. */
#define LT_OPT_POSITIVE 1

struct lt_strlist {
    const char **v; /* pointers into argv */
    size_t n;
};

/* Values of several options in the order given (rules applied in that order). */
struct lt_optseq_item {
    const char *opt; /* the option's long name */
    const char *val; /* pointer into argv */
};

struct lt_optseq {
    struct lt_optseq_item *v;
    size_t n;
};

struct lt_opt {
    const char *lname; /* without "--" */
    char sname;        /* 0 when none */
    enum lt_opt_type type;
    const char *arg;  /* metavariable in help, NULL for flags */
    const char *help; /* one line; the default may be given as "(default: ...)" */
    void *dest;
    uint64_t min, max; /* LT_OPT_U64: both 0 means any; LT_OPT_DURATION: min 1 = above 0 */
    int seen;          /* set by the parser: how many times given */
};

#define LT_OPT_END                                                                                 \
    {                                                                                              \
        NULL, 0, LT_OPT_FLAG, NULL, NULL, NULL, 0, 0, 0                                            \
    }

struct lt_cmd_spec {
    const char *name;  /* "replay" */
    const char *usage; /* "TAPE --target URL [options]" */
    const char *summary;
    const char *details;  /* printed after the options; may be NULL */
    struct lt_opt *opts;  /* terminated by LT_OPT_END */
    int min_pos, max_pos; /* positional argument counts; max_pos -1 = any */
};

/*
 * Parses argv (argv[0] is the command name) against spec. Positional
 * arguments are returned in *pos (pointers into argv, array owned by the
 * caller's argv storage: it is argv itself, compacted). Returns -1 to go on,
 * or an exit code to return at once (0 after --help, 2 after a usage error,
 * which has been printed).
 */
int lt_cli_parse(struct lt_cmd_spec *spec, int argc, char **argv, char ***pos, int *npos);
void lt_cli_help(const struct lt_cmd_spec *spec, FILE *out);
/* Finds an option by long name (to ask opt->seen). */
struct lt_opt *lt_cli_opt(struct lt_cmd_spec *spec, const char *lname);

/* Prints "loadtape CMD: error: MSG" on stderr. */
void lt_cli_error(const char *cmd, const char *fmt, ...) LT_PRINTF(2, 3);
void lt_cli_warn(const char *cmd, const char *fmt, ...) LT_PRINTF(2, 3);
/* Usage error: prints the message and a hint to --help; returns LT_EXIT_USAGE. */
int lt_cli_usage(const char *cmd, const char *fmt, ...) LT_PRINTF(2, 3);

/*
 * Opens an output: "-" or NULL is stdout. With binary set, refuses stdout
 * when it is a terminal. Returns NULL after printing an error.
 */
FILE *lt_cli_open_out(const char *cmd, const char *path, int binary);
void lt_cli_close_out(FILE *f);

/* True when progress should be shown: stderr is a terminal or forced. */
/* For a tape read from a URL: one line on stderr with the bytes and range requests it took. */
struct lt_tape_reader;
void lt_cli_note_fetched(const char *cmd, const struct lt_tape_reader *rd);
int lt_cli_progress_wanted(int forced);

/* The terminal's width in columns: $COLUMNS when set, else stderr's (TIOCGWINSZ), else 80. */
int lt_cli_term_width(void);
/*
 * Joins fields with two spaces into out, as many as fit in width - 1 columns
 * (earlier fields matter more: later ones are dropped; a first field too wide
 * is cut). Returns the length written. Fields are ASCII.
 */
size_t lt_cli_fit_fields(char *out, size_t outlen, int width, const char *const *fields, size_t n);
/* Draws the status line on stderr in place, fitted to the terminal. */
void lt_cli_status(const char *const *fields, size_t n);
/* Clears the status line if one is shown, leaving the cursor at column 0. */
void lt_cli_status_clear(void);

/*
 * The embedded sink in a child process on 127.0.0.1 (a free port): loadtape
 * itself again when self is its path, else a fork that runs the sink command.
 * Fills url ("http://127.0.0.1:PORT"); returns the pid, or -1 after printing
 * the error as cmd's. The wait for its first line gives up when *stop is set.
 */
pid_t lt_cli_sink_start(const char *cmd, const char *self, char *url, size_t urllen,
                        volatile sig_atomic_t *stop);
/* Stops it (SIGTERM) and waits for it; pid <= 0 is nothing. */
void lt_cli_sink_stop(pid_t pid);

/*
 * Writes the tape of a synth scenario to path ("-": stdout), with a status line
 * when show is set; a set *stop ends it early (the tape is still closed, and
 * LT_EXIT_FAIL is returned after a warning). Returns an exit code; *count gets
 * the events written.
 */
struct lt_synth_config;
int lt_cli_synth_write(const char *cmd, const struct lt_synth_config *cfg, const char *path,
                       int level, int show, volatile sig_atomic_t *stop, uint64_t *count);

/*
 * The redaction options of the commands that record (capture, sink): put
 * LT_CLI_REDACT_OPTS(&r) in the option table and lt_cli_redact_help() in the
 * help's details (the default names); lt_cli_redact_new() makes the
 * transform into *rd and returns -1, or an exit code after printing the
 * error (a bad name is a usage error); lt_cli_redact_release() frees the
 * name lists.
 */
struct lt_cli_redact {
    int keep;
    struct lt_strlist headers, queries, fields;
};
/* clang-format off */
#define LT_CLI_REDACT_OPTS(r)                                                                      \
    {"keep-secrets", 0, LT_OPT_FLAG, NULL, "redact nothing: headers, query and body as received", \
     &(r)->keep, 0, 0, 0},                                                                         \
    {"redact-header", 0, LT_OPT_STRLIST, "NAME", "also redact this header (repeatable)",          \
     &(r)->headers, 0, 0, 0},                                                                      \
    {"redact-query", 0, LT_OPT_STRLIST, "NAME", "also redact this query parameter (repeatable)",  \
     &(r)->queries, 0, 0, 0},                                                                      \
    {"redact-field", 0, LT_OPT_STRLIST, "NAME", "also redact this JSON body field (repeatable)",  \
     &(r)->fields, 0, 0, 0}
/* clang-format on */
struct lt_redact;
const char *lt_cli_redact_help(void);
int lt_cli_redact_new(const char *cmd, const struct lt_cli_redact *r, struct lt_redact **rd);
void lt_cli_redact_release(struct lt_cli_redact *r);

/* Verbosity from -q/-v, shared by commands that accept them. */
extern int lt_cli_verbosity;

/* The command table (commands.c), terminated by a NULL name. */
struct lt_cli_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
    int hidden; /* not in --help or the man page (packaging helpers) */
};
extern const struct lt_cli_command lt_cli_commands[];

/*
 * When set, lt_cli_parse hands the command's spec to this hook and returns
 * 0 without parsing: how the man page and the completion script read every
 * command's option table, the same one that parses its argv.
 */
extern void (*lt_cli_spec_hook)(const struct lt_cmd_spec *spec);
/* Calls fn with the spec of each visible command, in table order. */
void lt_cli_each_spec(void (*fn)(void *ctx, const struct lt_cli_command *c,
                                 const struct lt_cmd_spec *spec),
                      void *ctx);
/* The top-level usage text of 'loadtape --help'. */
void lt_cli_main_usage(FILE *out);

/* Commands: each in cmd_<name>.c, registered in commands.c's table. */
int cmd_synth(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_replay(int argc, char **argv);
/*
 * replay --find-max (cmd_findmax.c): cmd_replay checks the options, opens the
 * tape and the results file, and hands over; the exit status comes back.
 */
struct lt_replay_opts;
struct lt_record_source;
struct lt_slo;
struct lt_results_writer;
struct lt_run_meta;
struct lt_cli_findmax {
    const char *cmd;
    const struct lt_replay_opts *ro; /* the run's options at the base speed or rate */
    struct lt_record_source *src;    /* the tape (its --from/--to window); rewind restarts it */
    const struct lt_slo *slo;
    struct lt_results_writer *w; /* -o, or NULL; closed by the search */
    const struct lt_run_meta *meta;
    int json, progress, rate_mode;
    /* speeds, or rates in req/s with rate_mode: where to start, stop, and what must hold */
    double start, max, require;
    double precision; /* a fraction */
    int64_t step_ns, warmup_ns, cooldown_ns;
};
int lt_cli_find_max(const struct lt_cli_findmax *fm);
/* Whether a results file's metadata is a find-max search's. */
int lt_cli_find_max_meta(const char *meta_json);
/* report of such a file: the step table and the answer (text), or the find_max object. */
int lt_cli_report_find_max(const char *cmd, const char *path, int json, FILE *out);
/* Its steps and answer for the HTML report (fm->steps malloc'ed); 0, or -1 after an error. */
struct lt_report_find_max;
int lt_cli_find_max_load(const char *cmd, const char *path, struct lt_report_find_max *fm,
                         int *exit_status);

int cmd_inspect(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_sink(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_suite(int argc, char **argv);
int cmd_completion(int argc, char **argv);
int cmd_manpage(int argc, char **argv);

#endif

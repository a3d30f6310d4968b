/*
 * cmd_demo.c - 'loadtape demo': the whole job on loopback, with nothing to set
 * up and nothing left running. It synthesizes a realistic tape with a spike
 * into ./loadtape-demo/, starts the sink on a free port, replays the tape at
 * 2x against it with the live status, prints the summary and what its three
 * times mean. Each step is loadtape itself, run as a child process, so the
 * demo shows exactly the commands a user would type; at the end it prints
 * commands to do it again by hand that work as pasted.
 */
#include "lt_cli.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* "$ loadtape ARGS" (with " &" for what runs in the background). */
static void show(const char *const *argv, int background)
{
    fprintf(stderr, "$ loadtape");
    for (int i = 1; argv[i]; i++)
        fprintf(stderr, " %s", argv[i]);
    fprintf(stderr, "%s\n", background ? " &" : "");
}

/* Runs loadtape with argv (argv[0] ignored) and waits; returns its exit code. */
static int run(const char *self, const char *const *argv)
{
    pid_t pid;
    int status;

    show(argv, 0);
    pid = fork();
    if (pid < 0) {
        lt_cli_error("demo", "cannot fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        execv(self, (char *const *)argv);
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

#define DEMO_DIR "loadtape-demo"
#define DEMO_TAPE DEMO_DIR "/demo.tape"

/* What the summary's three rows mean, in three lines. */
static void explain(void)
{
    fprintf(stderr, "\n"
                    "  latency  from each request's due time to its response: what users wait\n"
                    "  service  from its actual send to its response: the target's own time\n"
                    "  lag      how late loadtape sent it: loadtape's own error, best near 0\n");
}

/* Commands to do it again by hand, in a shell, as pasted (the sink in the background). */
static void next_steps(void)
{
    fprintf(stderr, "\n"
                    "The tape stays in ./" DEMO_DIR "/. To do it again by hand:\n"
                    "  loadtape sink --listen 127.0.0.1:8080 &\n"
                    "  loadtape inspect " DEMO_TAPE "\n"
                    "  loadtape replay " DEMO_TAPE " --target http://127.0.0.1:8080 --speed 2x \\\n"
                    "      --slo 'p99<200ms, error_rate<1%%'\n"
                    "  kill $!\n");
}

int cmd_demo(int argc, char **argv)
{
    static struct lt_opt opts[] = {LT_OPT_END};
    struct lt_cmd_spec spec = {
        "demo",
        "",
        "Runs the whole job on loopback in about 20 seconds, with nothing to set up:\n"
        "synthesizes a realistic event tape with a 4x spike (24 s of traffic at 300\n"
        "events/s) into ./" DEMO_DIR "/, starts the sink on a free port, replays the tape\n"
        "at 2x speed against it with the live status, prints the summary and what\n"
        "latency, service and lag mean. Everything it starts it stops; the tape stays.",
        "Each step is printed as the loadtape command that does it; at the end, the\n"
        "commands to do it again by hand, which work as pasted.\n",
        opts,
        0,
        0};
    char self[PATH_MAX], url[200];
    const char *tape = DEMO_TAPE;
    char **pos;
    int npos, rc;
    ssize_t n;
    pid_t sink = -1;
    struct sigaction sa;

    rc = lt_cli_parse(&spec, argc, argv, &pos, &npos);
    if (rc >= 0)
        return rc;
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
        lt_cli_error("demo", "cannot find the loadtape binary: %s", strerror(errno));
        return LT_EXIT_FAIL;
    }
    self[n] = '\0';
    if (mkdir(DEMO_DIR, 0777) != 0 && errno != EEXIST) {
        lt_cli_error("demo", "cannot create '%s' for the demo's tape: %s", DEMO_DIR,
                     strerror(errno));
        return LT_EXIT_FAIL;
    }

    /* Ctrl-C reaches the children (same process group); the demo itself
     * only waits for them and then cleans up. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    fprintf(stderr, "loadtape demo: synth -> sink -> replay at 2x -> report, all on loopback\n\n");
    {
        const char *const synth[] = {"loadtape",  "synth",  "realistic",  "-o",  tape,
                                     "--rate",    "300",    "--duration", "24s", "--spike",
                                     "4x:3s/12s", "--seed", "1",          NULL};
        rc = run(self, synth);
        if (rc != 0) {
            lt_cli_error("demo", "synth failed (exit %d)", rc);
            rc = LT_EXIT_FAIL;
            goto out;
        }
    }
    if (!interrupted) {
        const char *const inspect[] = {"loadtape", "inspect", tape, NULL};
        fputc('\n', stderr);
        run(self, inspect);
    }
    if (interrupted)
        goto out;
    fputc('\n', stderr);
    {
        static const char *const sink_argv[] = {"loadtape", "sink", "--listen", "127.0.0.1:0",
                                                NULL};
        show(sink_argv, 1);
    }
    sink = lt_cli_sink_start("demo", self, url, sizeof(url), &interrupted);
    if (sink >= 0)
        fprintf(stderr, "listening on %s\n", url);
    if (sink < 0) {
        rc = LT_EXIT_FAIL;
        goto out;
    }
    fputc('\n', stderr);
    {
        const char *const replay[] = {"loadtape", "replay", tape, "--target", url,
                                      "--speed",  "2x",     "-c", "32",       NULL};
        rc = run(self, replay);
        if (rc < 0 || rc == 127) {
            lt_cli_error("demo", "replay failed to run");
            rc = LT_EXIT_FAIL;
        }
    }
    if (!interrupted && rc == 0) {
        fflush(stdout);
        explain();
        next_steps();
    }
out:
    lt_cli_sink_stop(sink);
    if (interrupted && rc == 0)
        rc = LT_EXIT_FAIL;
    return rc;
}

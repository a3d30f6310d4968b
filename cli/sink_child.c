/*
 * sink_child.c - the embedded sink as a child process, for the commands that
 * need a target on loopback and bring their own (demo, suite). The child is
 * loadtape itself run again (demo, which shows the command it runs) or a fork
 * that calls the sink command directly (suite); either way the parent reads
 * the URL from its first line and stops it with SIGTERM.
 */
#include "lt_cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t lt_cli_sink_start(const char *cmd, const char *self, char *url, size_t urllen,
                        volatile sig_atomic_t *stop)
{
    static const char *const argv[] = {"loadtape", "sink", "--listen", "127.0.0.1:0", NULL};
    char line[256];
    size_t n = 0;
    int fds[2];
    pid_t pid;
    int64_t deadline = lt_mono_ns() + 10 * (int64_t)1000000000;

    if (pipe(fds) < 0)
        return -1;
    fflush(NULL); /* nothing buffered is written twice by the fork */
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        char *args[5];
        signal(SIGINT, SIG_DFL);
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        if (self) {
            execv(self, (char *const *)argv);
            _exit(127);
        }
        for (int i = 0; i < 5; i++)
            args[i] = (char *)argv[i];
        _exit(cmd_sink(3, args + 1));
    }
    close(fds[1]);
    /* Read byte by byte up to the first newline: the sink keeps the pipe open. */
    while (n + 1 < sizeof(line) && lt_mono_ns() < deadline) {
        ssize_t r = read(fds[0], line + n, 1);
        if (r <= 0) {
            if (r < 0 && errno == EINTR && !*stop)
                continue;
            break;
        }
        if (line[n] == '\n')
            break;
        n++;
    }
    close(fds[0]);
    line[n] = '\0';
    if (strncmp(line, "listening on ", 13) != 0 || strlen(line + 13) >= urllen) {
        lt_cli_error(cmd, "the sink did not start (it said '%s')", line);
        lt_cli_sink_stop(pid);
        return -1;
    }
    strcpy(url, line + 13);
    return pid;
}

void lt_cli_sink_stop(pid_t pid)
{
    int status;

    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
}

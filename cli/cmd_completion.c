/*
 * cmd_completion.c - 'loadtape completion bash' (hidden; packaging installs
 * its output): a bash completion script made from the command table and each
 * command's option table, the ones that parse argv, so it never drifts.
 */
#include "lt_cli.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Words a metavariable stands for: "constant|poisson" -> "constant poisson";
 * "" when it is not a list of lowercase words. */
static void choices(const char *arg, char *out, size_t outlen)
{
    size_t n = 0;

    out[0] = '\0';
    if (!arg || !strchr(arg, '|'))
        return;
    for (const char *p = arg; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '|' || *p == '-'))
            return;
    for (const char *p = arg; *p && n + 1 < outlen; p++)
        out[n++] = *p == '|' ? ' ' : *p;
    out[n] = '\0';
}

/* Metavariables that name files. */
static int is_path(const char *arg)
{
    static const char *const paths[] = {"TAPE", "FILE", "RESULTS", "OUT", NULL};

    for (int i = 0; arg && paths[i]; i++)
        if (strcmp(arg, paths[i]) == 0)
            return 1;
    return 0;
}

static void one_command(void *ctx, const struct lt_cli_command *c, const struct lt_cmd_spec *spec)
{
    FILE *out = ctx;
    char words[256];

    fprintf(out, "    %s)\n        case \"$prev\" in\n", c->name);
    for (const struct lt_opt *o = spec->opts; o && o->lname; o++) {
        if (o->type == LT_OPT_FLAG)
            continue;
        choices(o->arg, words, sizeof(words));
        fprintf(out, "        --%s", o->lname);
        if (o->sname)
            fprintf(out, "|-%c", o->sname);
        if (words[0])
            fprintf(out, ") COMPREPLY=($(compgen -W '%s' -- \"$cur\")); return ;;\n", words);
        else if (is_path(o->arg))
            fprintf(out, ") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n");
        else if (o->arg && strcmp(o->arg, "IFACE") == 0)
            fprintf(out, ") COMPREPLY=($(compgen -W \"$(ls /sys/class/net 2>/dev/null)\" -- "
                         "\"$cur\")); return ;;\n");
        else
            fprintf(out, ") return ;;\n");
    }
    fprintf(out, "        esac\n        opts='");
    for (const struct lt_opt *o = spec->opts; o && o->lname; o++)
        fprintf(out, "--%s ", o->lname);
    fprintf(out, "--help'\n");
    /* synth's positional argument is a scenario: the built-ins, or a file */
    if (strcmp(c->name, "synth") == 0)
        fprintf(out, "        pos='baseline payload realistic burst errors'\n");
    else
        fprintf(out, "        pos=\n");
    fprintf(out, "        ;;\n");
}

int cmd_completion(int argc, char **argv)
{
    static struct lt_opt opts[] = {LT_OPT_END};
    struct lt_cmd_spec spec = {
        "completion", "bash", "Print the bash completion script.", NULL, opts, 1, 1};
    char **pos;
    int npos, rc;

    rc = lt_cli_parse(&spec, argc, argv, &pos, &npos);
    if (rc >= 0)
        return rc;
    if (strcmp(pos[0], "bash") != 0)
        return lt_cli_usage("completion", "only bash is supported, not '%s'", pos[0]);
    printf("# bash completion for loadtape (made by 'loadtape completion bash')\n"
           "_loadtape() {\n"
           "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
           "    local cmd=${COMP_WORDS[1]} opts pos\n"
           "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
           "        COMPREPLY=($(compgen -W '");
    for (const struct lt_cli_command *c = lt_cli_commands; c->name; c++)
        if (!c->hidden)
            printf("%s ", c->name);
    printf("--help --version' -- \"$cur\"))\n"
           "        return\n"
           "    fi\n"
           "    case \"$cmd\" in\n");
    lt_cli_each_spec(one_command, stdout);
    printf("    *) return ;;\n"
           "    esac\n"
           "    if [[ $cur == -* ]]; then\n"
           "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
           "    else\n"
           "        COMPREPLY=($(compgen -W \"$pos\" -- \"$cur\") $(compgen -f -- \"$cur\"))\n"
           "    fi\n"
           "}\n"
           "complete -o filenames -F _loadtape loadtape\n");
    return LT_EXIT_OK;
}

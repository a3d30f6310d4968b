#!/usr/bin/env bash
# completion.sh - 'loadtape completion bash' (made from the option tables) completes
# commands, every option of a command, and option values from their lists.
. "$LT_TEST_ROOT/lib.sh"
# the long options a command's --help lists (its "options:" block); awk reads to the end,
# so a help longer than a pipe write never meets a closed pipe (SIGPIPE under pipefail)
options_of() {
    "$LOADTAPE" "$1" --help | awk '/^options:/{on=1; next} on && /^$/{on=0} on' |
        grep -o '^ *\(-[a-zA-Z], \)\?--[a-z-]*' | grep -o -- '--[a-z-]*'
}
"$LOADTAPE" completion bash >"$LT_TMP/loadtape.bash"
bash -n "$LT_TMP/loadtape.bash" || lt_fail "the completion script is not valid bash"
# shellcheck disable=SC1091
source "$LT_TMP/loadtape.bash"
complete_words() { # complete_words WORD... (the last one is being typed)
    COMP_WORDS=(loadtape "$@")
    COMP_CWORD=$(($# ))
    COMPREPLY=()
    _loadtape
    printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}
lt_eq "commands" "replay report " "$(complete_words re)"
lt_eq "replay options" "--arrivals " "$(complete_words replay x.tape --arr)"
lt_eq "option values" "constant poisson " "$(complete_words synth baseline --arrivals '')"
lt_eq "interfaces" "lo " "$(complete_words capture -i l)"
lt_eq "synth scenarios" "realistic " "$(complete_words synth rea)"
for cmd in $("$LOADTAPE" --help | awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}'); do
    want=$(options_of "$cmd" | sort | tr '\n' ' ')
    lt_eq "$cmd options" "$want" "$(complete_words "$cmd" --)"
done
echo "ok: completion covers every command and option"

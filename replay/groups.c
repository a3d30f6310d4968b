/*
 * groups.c - the per-endpoint breakdown: which group a request belongs to
 * (its method and URL path without the query; for /collect/{stream} the
 * stream), a capped table of groups found by hashing, and each group's
 * totals. The replay's reader classifies each record once; report merges
 * the group sections of several results files by name, so shards add up.
 */
#include "lt_replay.h"

#include <stdlib.h>
#include <string.h>

#define COLLECT "/collect/"

/* Eight bytes at a time (the reader classifies every record): a multiply and a shift each. */
static uint64_t hash_bytes(uint64_t h, const char *p, size_t n)
{
    uint64_t w;

    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
        h ^= h >> 29;
    }
    w = 0;
    if (n)
        memcpy(&w, p, n);
    h = (h ^ w ^ n) * 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 32);
}

static uint64_t hash_of(const char *m, size_t ml, const char *n, size_t nl)
{
    return hash_bytes(hash_bytes(0x6a09e667f3bcc908ULL, m, ml), n, nl);
}

int lt_groups_init(struct lt_groups *gs, size_t max)
{
    memset(gs, 0, sizeof(*gs));
    gs->max = max == 0 ? LT_GROUPS_DEFAULT : max > LT_GROUPS_MAX ? LT_GROUPS_MAX : max;
    gs->other = -1;
    gs->hcap = 16;
    while (gs->hcap < 2 * (gs->max + 1))
        gs->hcap *= 2;
    gs->slot = calloc(gs->hcap, sizeof(*gs->slot));
    gs->g = calloc(gs->max + 1, sizeof(*gs->g));
    if (!gs->slot || !gs->g) {
        lt_groups_release(gs);
        return LT_E_NOMEM;
    }
    return 0;
}

void lt_groups_release(struct lt_groups *gs)
{
    if (!gs)
        return;
    for (size_t i = 0; gs->g && i < gs->n; i++) {
        if (gs->g[i]->st) {
            lt_stats_release(gs->g[i]->st);
            free(gs->g[i]->st);
        }
        free(gs->g[i]);
    }
    free(gs->g);
    free(gs->slot);
    memset(gs, 0, sizeof(*gs));
    gs->other = -1;
}

static int add(struct lt_groups *gs, const char *m, size_t ml, const char *n, size_t nl)
{
    struct lt_group *g = calloc(1, sizeof(*g));

    if (!g)
        return -1;
    memcpy(g->method, m, ml);
    memcpy(g->name, n, nl);
    g->method_len = ml;
    g->name_len = nl;
    gs->g[gs->n] = g;
    return (int)gs->n++;
}

static int other(struct lt_groups *gs)
{
    if (gs->other < 0)
        gs->other = add(gs, "", 0, LT_GROUP_OTHER, strlen(LT_GROUP_OTHER));
    return gs->other;
}

/* Finds (or adds, below max) the group of method m and name n, not NUL-terminated. */
static int lookup(struct lt_groups *gs, const char *m, size_t ml, const char *n, size_t nl)
{
    size_t mask = gs->hcap - 1, i;

    if (ml > LT_RESULTS_GROUP_METHOD_MAX || nl > LT_RESULTS_GROUP_NAME_MAX)
        return other(gs);
    if (ml == 0 && nl == strlen(LT_GROUP_OTHER) && memcmp(n, LT_GROUP_OTHER, nl) == 0)
        return other(gs);
    for (i = hash_of(m, ml, n, nl) & mask; gs->slot[i]; i = (i + 1) & mask) {
        const struct lt_group *g = gs->g[gs->slot[i] - 1];
        if (g->name_len == nl && g->method_len == ml && memcmp(g->name, n, nl) == 0 &&
            memcmp(g->method, m, ml) == 0)
            return (int)gs->slot[i] - 1;
    }
    /* (other) takes the last place of the table, so named ones stop at max */
    if (gs->n - (gs->other >= 0) >= gs->max) {
        return other(gs);
    } else {
        int k = add(gs, m, ml, n, nl);
        if (k >= 0)
            gs->slot[i] = (uint32_t)k + 1;
        return k;
    }
}

int lt_groups_classify(struct lt_groups *gs, const struct lt_bytes *method,
                       const struct lt_bytes *url)
{
    const char *u = (const char *)url->p, *q = url->len ? memchr(u, '?', url->len) : NULL;
    size_t len = q ? (size_t)(q - u) : url->len; /* a request target has no fragment */

    if (len > strlen(COLLECT) && memcmp(u, COLLECT, strlen(COLLECT)) == 0) {
        /* the stream's group, whatever follows it */
        const char *end = memchr(u + strlen(COLLECT), '/', len - strlen(COLLECT));
        if (end && end > u + strlen(COLLECT))
            len = (size_t)(end - u);
    }
    return lookup(gs, (const char *)method->p, method->len, u, len);
}

int lt_groups_find(struct lt_groups *gs, const char *method, const char *name)
{
    return lookup(gs, method, strlen(method), name, strlen(name));
}

struct lt_stats *lt_groups_stats(struct lt_groups *gs, size_t i)
{
    struct lt_group *g = i < gs->n ? gs->g[i] : NULL;

    if (!g)
        return NULL;
    if (!g->st) {
        g->st = malloc(sizeof(*g->st));
        if (!g->st || lt_stats_init(g->st)) {
            free(g->st);
            g->st = NULL;
        }
    }
    return g->st;
}

int lt_groups_add_section(struct lt_groups *gs, const struct lt_results_section *sec,
                          struct lt_err *err)
{
    int k = lt_groups_find(gs, sec->group_method ? sec->group_method : "",
                           sec->group_name ? sec->group_name : "");
    struct lt_stats *st = k >= 0 ? lt_groups_stats(gs, (size_t)k) : NULL;

    if (!st)
        return lt_error(err, LT_E_NOMEM, "out of memory");
    return lt_stats_add_section(st, sec, err);
}

void lt_group_to_section(const struct lt_group *g, void *scratch, struct lt_results_section *out)
{
    lt_stats_to_section(g->st, LT_RESULTS_GROUP, scratch, out);
    out->group_method = g->method;
    out->group_name = g->name;
}

int lt_stats_close_results(struct lt_results_writer *w, const struct lt_stats *total,
                           uint64_t tape_skipped, const struct lt_groups *gs, struct lt_err *err)
{
    struct lt_results_section sec;
    void *scratch = malloc(lt_stats_scratch_size());
    int rc;

    if (!scratch) {
        lt_results_writer_close(w, NULL);
        return lt_error(err, LT_E_NOMEM, "out of memory");
    }
    lt_stats_to_section(total, LT_RESULTS_TOTAL, scratch, &sec);
    sec.c[LT_RC_TAPE_SKIPPED] = tape_skipped;
    rc = lt_results_writer_add(w, &sec, err);
    /* after the total, so a reader before 1.2 skips them */
    for (size_t i = 0; !rc && gs && i < gs->n; i++)
        if (gs->g[i]->st) {
            lt_group_to_section(gs->g[i], scratch, &sec);
            rc = lt_results_writer_add(w, &sec, err);
        }
    free(scratch);
    if (rc) {
        lt_results_writer_close(w, NULL);
        return rc;
    }
    return lt_results_writer_close(w, err);
}

static int row_cmp(const void *a, const void *b)
{
    const struct lt_report_group *x = a, *y = b;
    int ox = strcmp(x->name, LT_GROUP_OTHER) == 0 && !x->method[0];
    int oy = strcmp(y->name, LT_GROUP_OTHER) == 0 && !y->method[0];
    int c;

    if (ox != oy)
        return ox - oy;
    c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->method, y->method);
}

size_t lt_groups_rows(const struct lt_groups *gs, struct lt_report_group *out)
{
    size_t n = 0;

    for (size_t i = 0; i < gs->n; i++)
        if (gs->g[i]->st) {
            out[n].method = gs->g[i]->method;
            out[n].name = gs->g[i]->name;
            out[n].stats = gs->g[i]->st;
            n++;
        }
    qsort(out, n, sizeof(*out), row_cmp);
    return n;
}

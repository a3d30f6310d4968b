/*
 * jsonval.h - the small, strict, bounded JSON reader of every untrusted JSON
 * text (private to formats/; its rules are in lt_formats.h "JSON helpers"):
 * events, JSONL and HAR imports, and through lt_json_check scenario files.
 * It exists because cJSON keeps numbers only as doubles (ts_ns and sessions
 * are u64) and strings only as C strings (a "\u0000" would cut them short),
 * and takes much that is not JSON (bytes that are not UTF-8, raw control
 * characters, text after the value): here numbers keep their raw text and
 * strings their length, and what is not JSON is refused.
 *
 * The document is a flat array of nodes linked by index; strings without
 * escapes point into the input (borrowed: it must outlive the document),
 * decoded ones into the document's own buffer.
 */
#ifndef LT_JSONVAL_H
#define LT_JSONVAL_H

#include "lt_formats.h"

enum jv_type {
    JV_NULL,
    JV_FALSE,
    JV_TRUE,
    JV_NUM,
    JV_STR,
    JV_ARR,
    JV_OBJ,
};

struct jv_node {
    uint8_t type;        /* enum jv_type */
    uint8_t esc;         /* value string lives in strs (it had escapes) */
    uint8_t kesc;        /* key string lives in strs */
    uint32_t off, len;   /* STR: text; NUM: raw text in the input; ARR/OBJ: len = children */
    uint32_t koff, klen; /* key, for members of an object */
    uint32_t child;      /* first child, index + 1; 0 when none */
    uint32_t next;       /* next sibling, index + 1; 0 when none */
    uint32_t pos;        /* input offset where the value starts (for messages) */
};

struct jv_doc {
    const char *in;
    size_t inlen;
    struct jv_node *nodes;
    size_t n, cap, max_nodes;
    struct lt_buf strs;
    /* the members of objects too large to compare keys pairwise, hashed by
     * (object, key): object index + 1 << 32 | member index + 1; 0 = free */
    uint64_t *keys;
    size_t nkeys, keys_cap;
    size_t nul_at;         /* offset + 1 of the first \u0000 in a string; 0 when none */
    struct jv_node *local; /* the caller's storage for the first nodes, or NULL */
};

/* Arrays and objects nest at most this deep. */
#define JV_DEPTH_MAX LT_JSON_DEPTH_MAX
/* Inputs are indexed with 32-bit offsets. */
#define JV_INPUT_MAX ((size_t)UINT32_MAX - 1)

/* max_nodes bounds memory (0: one node per input byte at most). */
void jv_init(struct jv_doc *d, size_t max_nodes);
/* The same, the first n nodes held in the caller's local[] (borrowed for the
 * document's life): a small document then allocates nothing. */
void jv_init_local(struct jv_doc *d, size_t max_nodes, struct jv_node *local, size_t n);
void jv_release(struct jv_doc *d);
/* Parses in[0, len) (one value, whitespace around it). Errors say where. */
int jv_parse(struct jv_doc *d, const char *in, size_t len, struct lt_err *err);

const struct jv_node *jv_root(const struct jv_doc *d);
const struct jv_node *jv_child(const struct jv_doc *d, const struct jv_node *n);
const struct jv_node *jv_next(const struct jv_doc *d, const struct jv_node *n);
/* A string's bytes (not NUL-terminated; may contain NUL). */
const char *jv_str(const struct jv_doc *d, const struct jv_node *n, size_t *len);
const char *jv_key(const struct jv_doc *d, const struct jv_node *n, size_t *len);
int jv_key_is(const struct jv_doc *d, const struct jv_node *n, const char *key);
/* The first member of an object with that key, or NULL. */
const struct jv_node *jv_get(const struct jv_doc *d, const struct jv_node *obj, const char *key);
/*
 * A whole number 0..2^64-1, given as a JSON number without fraction or
 * exponent, or as a string of decimal digits. 0 on success, -1 otherwise.
 */
int jv_u64(const struct jv_doc *d, const struct jv_node *n, uint64_t *v);
/* A finite JSON number as a double. */
int jv_double(const struct jv_doc *d, const struct jv_node *n, double *v);
/* "a string", "a number", ... for messages. */
const char *jv_type_name(const struct jv_node *n);

/*
 * What a record needs to be sent as a request line: a non-empty token
 * method and a non-empty url without spaces or control characters (jsonl.c;
 * shared with the HAR importer).
 */
int jsonl_check_request_line(const struct lt_record *r, struct lt_err *err);

#endif

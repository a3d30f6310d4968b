/*
 * tape_internal.h - the on-disk layout of tape format v1, shared by the
 * writer and the reader of this folder (docs/FORMAT.md describes the same
 * bytes for readers in other languages). Not part of the public API.
 */
#ifndef LT_TAPE_INTERNAL_H
#define LT_TAPE_INTERNAL_H

#include "lt_formats.h"

/* File header: magic, u16 major, u16 minor, u32 flags, u64 origin_ns,
 * u32 meta_len, meta_len bytes of JSON, u32 CRC-32C of all before it. */
#define TAPE_MAGIC "LTTAPE\r\n"
#define TAPE_MAGIC_LEN 8
#define TAPE_HDR_FIXED 28 /* magic .. meta_len */
#define TAPE_META_MAX ((size_t)1 << 20)

/* Block header (56 bytes), then comp_size bytes of one zstd frame. */
#define TAPE_BLOCK_MAGIC "LTBK"
#define TAPE_BLOCK_HDR 56
/* Caps on a block's sizes: a bigger value is corruption, never an allocation. */
#define TAPE_BLOCK_RAW_MAX ((size_t)256 << 20)
#define TAPE_BLOCK_COMP_MAX ((size_t)257 << 20)

/* Index section: "LTIX", u32 nblocks, u64 nrecords, nblocks entries of
 * 48 bytes, u32 meta_len, trailer JSON, u32 CRC-32C of the section. */
#define TAPE_INDEX_MAGIC "LTIX"
#define TAPE_INDEX_FIXED 16
#define TAPE_INDEX_ENTRY 48
#define TAPE_INDEX_MAX ((size_t)256 << 20)

/* Footer (32 bytes, the last of the file): u64 index offset, u64 index
 * length, u32 reserved (0), u32 CRC-32C of the 20 bytes before, magic. */
#define TAPE_FOOTER 32
#define TAPE_FOOTER_MAGIC "LTTAPEND"

/* Columns of a block payload, in this order (FORMAT.md "Block payload"). */
enum tape_col {
    COL_TS,      /* varint delta from the previous ts (the first from first_ts) */
    COL_SESSION, /* zigzag varint of (session - previous session) mod 2^64 */
    COL_METHOD,  /* dictionary codes */
    COL_METHOD_LIT,
    COL_URL,
    COL_URL_LIT,
    COL_NHEADERS, /* varint per record */
    COL_HNAME,
    COL_HNAME_LIT,
    COL_HVALUE,
    COL_HVALUE_LIT,
    COL_BODY_LEN, /* varint per record */
    COL_BODY,     /* bodies, concatenated */
    COL_FLAGS,    /* varint per record */
    COL_STATUS,   /* varint: 0 no response, else status + 1 */
    COL_LATENCY,  /* varint, only for records with a response */
    COL_COUNT
};

/* Dictionary codes: 0 = literal (added to the dictionary), 1 = literal (not
 * added), k >= 2 = entry k - 2. At most TAPE_DICT_MAX entries per column. */
#define TAPE_DICT_MAX 65536u
#define TAPE_DICT_LIT_MAX 1024u /* the writer adds literals up to this length */
/* Headers of one record (DESIGN.md's limit is 256, configurable upward). */
#define TAPE_RECORD_HEADERS_MAX 65536u

#endif

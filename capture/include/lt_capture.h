/*
 * lt_capture.h - getting records off the wire: packet sources (libpcap live
 * and offline) -> link/IP/TCP decode -> TCP reassembly -> HTTP/1.x messages
 * -> records; and the HTTP listener (the sink, which can also record).
 */
#ifndef LT_CAPTURE_H
#define LT_CAPTURE_H

#include "lt_formats.h"

/* ==== HTTP listener and sink (capture/listener*.c, sink*.c) =============== */
/* (declared by the sink work; see issue 4) */

/* ==== packet capture pipeline (capture/pkt*.c, tcp*.c, ...) =============== */
/* (declared by the capture work; see issue 6) */

#endif

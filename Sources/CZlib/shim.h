// zlib from Debian (zlib1g-dev, which the Swift toolchain needs anyway). deflateInit2 and inflateInit2 are
// macros, which Swift cannot call: a function each.
#include <zlib.h>

static inline int teslacam_deflate_init_gzip(z_stream *stream, int level) {
    // 15 window bits + 16: a gzip header and trailer rather than zlib's.
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
}
static inline int teslacam_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 16);
}

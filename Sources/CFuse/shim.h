// Pins the libfuse3 API level TeslaCam is written against (3.12: fuse_loop_cfg_*).
#ifndef TESLACAM_CFUSE_SHIM_H
#define TESLACAM_CFUSE_SHIM_H
#define FUSE_USE_VERSION 312
#include <fuse3/fuse.h>
#include <fuse3/fuse_lowlevel.h>
#include <errno.h>
#include <sys/stat.h>

// Swift cannot call the versioned macro `fuse_loop_mt` directly.
static inline int cfuse_loop_mt(struct fuse *f, unsigned max_threads) {
    struct fuse_loop_config *cfg = fuse_loop_cfg_create();
    fuse_loop_cfg_set_max_threads(cfg, max_threads);
    fuse_loop_cfg_set_clone_fd(cfg, 0);
    int rc = fuse_loop_mt(f, cfg);
    fuse_loop_cfg_destroy(cfg);
    return rc;
}

static inline void *cfuse_private_data(void) {
    struct fuse_context *ctx = fuse_get_context();
    return ctx ? ctx->private_data : 0;
}

// Bit-fields in fuse_file_info are not visible to Swift.
static inline void cfuse_set_direct_io(struct fuse_file_info *fi) { fi->direct_io = 1; fi->keep_cache = 0; }
static inline int cfuse_open_flags(const struct fuse_file_info *fi) { return fi->flags; }
#endif

// Pins the libfuse3 API level TeslaCam is written against (3.12) and gives Swift what C macros, bit-fields and
// atomics hide. The daemon uses libfuse's low-level API: node ids are its own (fixed for the image), so a second
// process can answer requests for inodes the kernel learned from the first (FUSEHandover).
#ifndef TESLACAM_CFUSE_SHIM_H
#define TESLACAM_CFUSE_SHIM_H
#define FUSE_USE_VERSION 312
#include <fuse3/fuse_lowlevel.h>
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>

// Bit-fields in fuse_file_info are not visible to Swift.
static inline void cfuse_set_direct_io(struct fuse_file_info *fi) { fi->direct_io = 1; fi->keep_cache = 0; }
static inline int cfuse_open_flags(const struct fuse_file_info *fi) { return fi->flags; }

// The request journal lives in a MAP_SHARED file that outlives a SIGKILL: its state words are stored in program
// order (the compiler must not sink a store past the reply that follows it).
static inline void cfuse_store_u32(void *p, uint32_t v) { __atomic_store_n((uint32_t *)p, v, __ATOMIC_SEQ_CST); }
static inline uint32_t cfuse_load_u32(const void *p) { return __atomic_load_n((const uint32_t *)p, __ATOMIC_SEQ_CST); }
#endif

#define _GNU_SOURCE
#include <fcntl.h>
#include "clinux.h"

int clinux_punch_hole(int fd, off_t offset, off_t length) {
    return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
}

int clinux_start_writeback(int fd) {
    return sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

#include <unistd.h>
int clinux_syncfs(int fd) { return syncfs(fd); }

#include <malloc.h>
int clinux_limit_malloc_arenas(int n) { return mallopt(M_ARENA_MAX, n); }

#include <sys/mman.h>
int clinux_memfd(const char *name) { return memfd_create(name, MFD_CLOEXEC); }

#include <sys/prctl.h>
#include <sys/syscall.h>
int clinux_thread_id(void) { return (int)syscall(SYS_gettid); }

int clinux_name_thread(const char *name) { return prctl(PR_SET_NAME, name, 0, 0, 0); }

#include <sys/vfs.h>
unsigned long clinux_file_system_type(const char *path) {
    struct statfs info;
    if (statfs(path, &info) != 0) return 0;
    return (unsigned long)info.f_type;
}

// Linux calls that Glibc's Swift module hides behind _GNU_SOURCE.
#ifndef TESLACAM_CLINUX_H
#define TESLACAM_CLINUX_H
#include <sys/types.h>

/// fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE); returns 0 or -1 with errno set.
int clinux_punch_hole(int fd, off_t offset, off_t length);
/// sync_file_range(SYNC_FILE_RANGE_WRITE) over the whole file: start writeback, don't wait.
int clinux_start_writeback(int fd);
/// syncfs(2): commit every dirty file of the file system holding fd in one go.
int clinux_syncfs(int fd);
/// mallopt(M_ARENA_MAX, n): at most n malloc arenas however many threads allocate.
int clinux_limit_malloc_arenas(int n);
/// memfd_create(name, MFD_CLOEXEC): an anonymous file in memory; returns its descriptor or -1 with errno set.
int clinux_memfd(const char *name);
/// gettid(2): the calling thread's id (a thread's own nice value is set through it).
int clinux_thread_id(void);
/// prctl(PR_SET_NAME): the calling thread's name as `top -H` and /proc/PID/task/TID/comm show it (15 bytes).
int clinux_name_thread(const char *name);
/// statfs(2)'s f_type of the file system holding `path` (linux/magic.h), or 0 with errno set.
unsigned long clinux_file_system_type(const char *path);
#endif

/* patgen SEED OFFSET COUNT: writes COUNT bytes of the PatternBlock file with SEED, starting at byte OFFSET,
 * to stdout. Must match Sources/BlockTrace/PatternBlock.swift bit for bit: the host checks the car's files
 * against sha256s the guest computes, and traces recognise these blocks by content. Built -static so the
 * guest initramfs needs no libc. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

static void put64(unsigned char *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i)); }

static void block(uint64_t seed, uint64_t index, unsigned char *b) {
    memcpy(b, "TCBLOCK1", 8);
    put64(b + 8, seed);
    put64(b + 16, index);
    uint64_t state = seed ^ (index * 0xD6E8FEB86659FD93ULL);
    for (int off = 24; off < 512; off += 8) {
        state += 0x9E3779B97F4A7C15ULL;
        uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        put64(b + off, z);
    }
}

static int writeall(const unsigned char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(1, p, n);
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        p += w; n -= (size_t)w;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: patgen SEED OFFSET COUNT\n"); return 2; }
    uint64_t seed = strtoull(argv[1], NULL, 0), pos = strtoull(argv[2], NULL, 0), left = strtoull(argv[3], NULL, 0);
    static unsigned char buf[1 << 16];  /* batch blocks: one write per 64 KiB keeps the guest's pipe cheap */
    size_t used = 0;
    unsigned char b[512];
    while (left > 0) {
        uint64_t index = pos / 512, in = pos % 512;
        uint64_t n = 512 - in; if (n > left) n = left;
        block(seed, index, b);
        memcpy(buf + used, b + in, n);
        used += n; pos += n; left -= n;
        if (used > sizeof buf - 512) { if (writeall(buf, used)) return 1; used = 0; }
    }
    if (used && writeall(buf, used)) return 1;
    return 0;
}

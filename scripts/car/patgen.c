/* patgen SEED OFFSET COUNT: writes COUNT bytes of the PatternBlock file with SEED, starting at byte OFFSET,
 * to stdout. Must match Sources/BlockTrace/PatternBlock.swift bit for bit: the host checks the car's files
 * against sha256s the guest computes, and traces recognise these blocks by content. Built -static so the
 * guest initramfs needs no libc.
 *
 * The car's muxer (car.sh with tc.mux=1) writes a clip as Sources/CarSimulator/MuxedClip.swift lays it out:
 *   patgen mp4-head                 ftyp, then an mdat header whose size is 0 (36 bytes)
 *   patgen mp4-moov UNIXTIME        the moov (mvhd + one avc1 trak, 60 s), byte-identical with MuxedClip.moov
 *   patgen mp4-mdat-size FILE SIZE  seeks back into FILE and writes the final mdat size (big-endian, byte 28) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <fcntl.h>

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

/* A box writer: open() reserves the size field, close() fills it in once the payload (nested boxes) is known. */
static unsigned char mbuf[1024];
static size_t mlen;
static void be(uint64_t v, int n) { for (int i = n - 1; i >= 0; i--) mbuf[mlen++] = (unsigned char)(v >> (8 * i)); }
static void zeros(int n) { memset(mbuf + mlen, 0, (size_t)n); mlen += (size_t)n; }
static void text(const char *s) { size_t n = strlen(s); memcpy(mbuf + mlen, s, n); mlen += n; }
static size_t open_box(const char *type) { size_t at = mlen; be(0, 4); text(type); return at; }
static void close_box(size_t at) {
    uint64_t n = mlen - at;
    for (int i = 0; i < 4; i++) mbuf[at + i] = (unsigned char)(n >> (8 * (3 - i)));
}

enum { MDAT_SIZE_OFFSET = 28 };  /* after the 28-byte ftyp */

static void head(void) {
    size_t ftyp = open_box("ftyp"); text("mp42"); be(0, 4); text("isommp42avc1"); close_box(ftyp);
    be(0, 4); text("mdat");  /* size 0, "to the end of the file", while recording */
}

/* mvhd + one video trak, timescale 1000, 60 s; sample tables empty (the payload is pattern bytes, not H.264). */
static void moov(uint64_t creation) {
    uint64_t t = creation + 2082844800ULL;  /* seconds since 1904 */
    size_t moov = open_box("moov");
    size_t mvhd = open_box("mvhd");
    zeros(4); be(t, 4); be(t, 4); be(1000, 4); be(60000, 4); be(0x00010000, 4); be(0x0100, 2); zeros(10);
    zeros(60); be(2, 4);
    close_box(mvhd);
    size_t trak = open_box("trak");
    size_t tkhd = open_box("tkhd"); be(3, 4); zeros(80); close_box(tkhd);
    size_t mdia = open_box("mdia");
    size_t mdhd = open_box("mdhd"); zeros(12); be(36000, 4); zeros(8); close_box(mdhd);
    size_t hdlr = open_box("hdlr"); zeros(8); text("vide"); zeros(13); close_box(hdlr);
    size_t minf = open_box("minf");
    size_t vmhd = open_box("vmhd"); be(1, 4); zeros(8); close_box(vmhd);
    size_t stbl = open_box("stbl");
    size_t stsd = open_box("stsd"); be(0, 4); be(1, 4);
    size_t avc1 = open_box("avc1");
    zeros(6); be(1, 2); zeros(16); be(1280, 2); be(960, 2); be(0x00480000, 4); be(0x00480000, 4); be(0, 4);
    be(1, 2); zeros(32); be(0x18, 2); be(0xFFFF, 2);
    size_t avcc = open_box("avcC"); be(0x01640028, 4); be(0xFFE0, 2); close_box(avcc);
    close_box(avc1); close_box(stsd);
    size_t stts = open_box("stts"); zeros(8); close_box(stts);
    size_t stsz = open_box("stsz"); zeros(12); close_box(stsz);
    close_box(stbl); close_box(minf); close_box(mdia); close_box(trak); close_box(moov);
}

static int mp4(int argc, char **argv) {
    if (strcmp(argv[1], "mp4-head") == 0 && argc == 2) head();
    else if (strcmp(argv[1], "mp4-moov") == 0 && argc == 3) moov(strtoull(argv[2], NULL, 0));
    else if (strcmp(argv[1], "mp4-mdat-size") == 0 && argc == 4) {
        /* The muxer's last write: in place, in the file's first cluster, after the moov. */
        int fd = open(argv[2], O_WRONLY);
        if (fd < 0) { perror(argv[2]); return 1; }
        mlen = 0; be(strtoull(argv[3], NULL, 0), 4);
        int bad = pwrite(fd, mbuf, 4, MDAT_SIZE_OFFSET) != 4;
        if (close(fd) != 0 || bad) { perror(argv[2]); return 1; }
        return 0;
    } else { fprintf(stderr, "usage: patgen mp4-head | mp4-moov UNIXTIME | mp4-mdat-size FILE SIZE\n"); return 2; }
    return writeall(mbuf, mlen) ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strncmp(argv[1], "mp4-", 4) == 0) return mp4(argc, argv);
    if (argc != 4) { fprintf(stderr, "usage: patgen SEED OFFSET COUNT | mp4-head | mp4-moov UNIXTIME | mp4-mdat-size FILE SIZE\n"); return 2; }
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

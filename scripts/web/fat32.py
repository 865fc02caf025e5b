"""A FAT32 file grown in place inside a volume image, as the car's kernel does it: data clusters first, then the
FAT chain (every copy), then the directory entry's size. Used by browser-test.py to record a clip while the web
UI plays it (mtools can only write whole files).
"""
import os, struct

class FatVolume:
    def __init__(self, image, offset=1 << 20):
        self.fd = os.open(image, os.O_RDWR)
        self.base = offset
        boot = os.pread(self.fd, 512, offset)
        self.sector = struct.unpack_from("<H", boot, 11)[0]
        self.cluster = self.sector * boot[13]
        reserved = struct.unpack_from("<H", boot, 14)[0]
        self.fats = boot[16]
        self.fat_bytes = struct.unpack_from("<I", boot, 36)[0] * self.sector
        self.root = struct.unpack_from("<I", boot, 44)[0]
        self.fat_start = offset + reserved * self.sector
        self.data_start = self.fat_start + self.fats * self.fat_bytes

    def close(self): os.close(self.fd)

    def offset(self, cluster): return self.data_start + (cluster - 2) * self.cluster

    def fat(self):
        return os.pread(self.fd, self.fat_bytes, self.fat_start)

    def chain(self, first, fat=None):
        fat = fat or self.fat()
        out, c = [], first
        while 2 <= c < 0x0FFFFFF8 and len(out) < 1 << 20:
            out.append(c)
            c = struct.unpack_from("<I", fat, 4 * c)[0] & 0x0FFFFFFF
        return out

    def entries(self, first):
        """(name, entry offset in the image, first cluster, size, is directory) of a directory's entries."""
        out, lfn = [], {}
        for c in self.chain(first):
            data = os.pread(self.fd, self.cluster, self.offset(c))
            for i in range(0, self.cluster, 32):
                e = data[i:i + 32]
                if e[0] == 0: return out
                if e[0] == 0xE5: lfn = {}; continue
                if e[11] == 0x0F:
                    part = e[1:11] + e[14:26] + e[28:32]
                    lfn[e[0] & 0x1F] = part.decode("utf-16-le", "replace").split("\x00")[0]
                    continue
                if e[11] & 0x08: lfn = {}; continue  # the volume label
                name = "".join(lfn[k] for k in sorted(lfn)) if lfn else \
                    (e[0:8].decode("ascii", "replace").strip() + ("." + e[8:11].decode("ascii", "replace").strip() if e[8:11].strip() else ""))
                lfn = {}
                first_cluster = struct.unpack_from("<H", e, 20)[0] << 16 | struct.unpack_from("<H", e, 26)[0]
                out.append((name, self.offset(c) + i, first_cluster, struct.unpack_from("<I", e, 28)[0], bool(e[11] & 0x10)))
        return out

    def find(self, path):
        cluster, found = self.root, None
        for part in path.strip("/").split("/"):
            found = next((e for e in self.entries(cluster) if e[0].lower() == part.lower()), None)
            if found is None: raise FileNotFoundError(path)
            cluster = found[2]
        return found

    def append(self, path, data):
        """Appends `data` to the file at `path` (which must have at least one cluster)."""
        name, entry, first, size, _ = self.find(path)
        fat = bytearray(self.fat())
        chain = self.chain(first, fat)
        end = size + len(data)
        need = -(-end // self.cluster) - len(chain)
        free, touched = 2, set()
        for _ in range(need):
            while struct.unpack_from("<I", fat, 4 * free)[0] & 0x0FFFFFFF: free += 1
            struct.pack_into("<I", fat, 4 * chain[-1], free)
            struct.pack_into("<I", fat, 4 * free, 0x0FFFFFFF)
            touched |= {4 * chain[-1] // self.sector, 4 * free // self.sector}
            chain.append(free)
        # Data first, cluster by cluster.
        position, done = size, 0
        while done < len(data):
            c = chain[position // self.cluster]
            within = position % self.cluster
            piece = data[done:done + self.cluster - within]
            os.pwrite(self.fd, piece, self.offset(c) + within)
            position += len(piece); done += len(piece)
        # Then the FAT sectors that changed, in every copy.
        for k in range(self.fats):
            for sector in sorted(touched):
                at = sector * self.sector
                os.pwrite(self.fd, bytes(fat[at:at + self.sector]), self.fat_start + k * self.fat_bytes + at)
        os.pwrite(self.fd, struct.pack("<I", end), entry + 28)
        os.fsync(self.fd)

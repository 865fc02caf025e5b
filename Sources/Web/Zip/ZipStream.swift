/// A zip archive of stored (uncompressed) entries, laid out as it is streamed: each entry's local header, its
/// bytes, then a data descriptor with the CRC computed on the way (bit 3), and the central directory at the end.
/// No temporary file: the server reads each clip once, straight into the response. Pure: it only builds headers.
///
/// Clips are already compressed video; storing them costs nothing and lets the exact length be known up front
/// (`Content-Length`, so a phone shows progress). Zip64 is used when the archive or an entry passes 4 GiB.
public struct ZipStream: Sendable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var size: UInt64
        /// Seconds since 1970 (shown as the file's time; the car's local time read as UTC).
        public var modified: Int64

        public init(name: String, size: UInt64, modified: Int64) {
            self.name = name
            self.size = size
            self.modified = modified
        }
    }

    public let entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    static let zip64Limit: UInt64 = 0xFFFF_FFFF
    private var needsZip64: Bool { Self.totalLength(entries, zip64: false) > Self.zip64Limit || entries.count >= 0xFFFF }

    /// Bytes the whole archive takes.
    public var length: UInt64 { Self.totalLength(entries, zip64: needsZip64) }

    private static func totalLength(_ entries: [Entry], zip64: Bool) -> UInt64 {
        var total: UInt64 = 0
        for entry in entries {
            let name = UInt64(entry.name.utf8.count)
            total += 30 + name + (zip64 ? 20 : 0) + entry.size + (zip64 ? 24 : 16)
            total += 46 + name + (zip64 ? 28 : 0)
        }
        return total + (zip64 ? 56 + 20 : 0) + 22
    }

    /// The local header written before entry `index`, whose first byte lands at `offset` of the archive.
    public func localHeader(_ index: Int) -> [UInt8] {
        let entry = entries[index], zip64 = needsZip64
        var out = ZipBytes()
        out.u32(0x0403_4B50)
        out.u16(zip64 ? 45 : 20)  // version needed
        out.u16(0x0808)  // bit 3: sizes and CRC follow the data; bit 11: UTF-8 names
        out.u16(0)  // stored
        out.dos(entry.modified)
        out.u32(0)  // CRC, sizes: in the descriptor
        out.u32(zip64 ? 0xFFFF_FFFF : 0)
        out.u32(zip64 ? 0xFFFF_FFFF : 0)
        out.u16(UInt16(entry.name.utf8.count))
        out.u16(zip64 ? 20 : 0)
        out.bytes.append(contentsOf: entry.name.utf8)
        if zip64 {
            out.u16(0x0001); out.u16(16); out.u64(0); out.u64(0)
        }
        return out.bytes
    }

    /// The data descriptor after entry `index`'s bytes.
    public func descriptor(_ index: Int, crc: UInt32) -> [UInt8] {
        var out = ZipBytes()
        out.u32(0x0807_4B50)
        out.u32(crc)
        if needsZip64 {
            out.u64(entries[index].size); out.u64(entries[index].size)
        } else {
            out.u32(UInt32(entries[index].size)); out.u32(UInt32(entries[index].size))
        }
        return out.bytes
    }

    /// The central directory and its end records, once every entry's CRC is known.
    public func centralDirectory(crcs: [UInt32]) -> [UInt8] {
        precondition(crcs.count == entries.count)
        let zip64 = needsZip64
        var out = ZipBytes()
        var offset: UInt64 = 0
        for (index, entry) in entries.enumerated() {
            let name = Array(entry.name.utf8)
            out.u32(0x0201_4B50)
            out.u16(0x0300 | (zip64 ? 45 : 20))  // made by: Unix
            out.u16(zip64 ? 45 : 20)
            out.u16(0x0808)
            out.u16(0)
            out.dos(entry.modified)
            out.u32(crcs[index])
            out.u32(zip64 ? 0xFFFF_FFFF : UInt32(entry.size))
            out.u32(zip64 ? 0xFFFF_FFFF : UInt32(entry.size))
            out.u16(UInt16(name.count))
            out.u16(zip64 ? 28 : 0)
            out.u16(0)  // comment
            out.u16(0)  // disk
            out.u16(0)  // internal attributes
            out.u32(0o100644 << 16)  // external: a regular file, rw-r--r--
            out.u32(zip64 ? 0xFFFF_FFFF : UInt32(offset))
            out.bytes.append(contentsOf: name)
            if zip64 {
                out.u16(0x0001); out.u16(24); out.u64(entry.size); out.u64(entry.size); out.u64(offset)
            }
            offset += 30 + UInt64(name.count) + (zip64 ? 20 : 0) + entry.size + (zip64 ? 24 : 16)
        }
        let directorySize = UInt64(out.bytes.count)
        if zip64 {
            let recordOffset = offset + directorySize
            out.u32(0x0606_4B50); out.u64(44); out.u16(0x032D); out.u16(45); out.u32(0); out.u32(0)
            out.u64(UInt64(entries.count)); out.u64(UInt64(entries.count)); out.u64(directorySize); out.u64(offset)
            out.u32(0x0706_4B50); out.u32(0); out.u64(recordOffset); out.u32(1)
        }
        out.u32(0x0605_4B50)
        out.u16(0); out.u16(0)
        out.u16(zip64 ? 0xFFFF : UInt16(entries.count))
        out.u16(zip64 ? 0xFFFF : UInt16(entries.count))
        out.u32(zip64 ? 0xFFFF_FFFF : UInt32(directorySize))
        out.u32(zip64 ? 0xFFFF_FFFF : UInt32(offset))
        out.u16(0)
        return out.bytes
    }
}

struct ZipBytes {
    var bytes: [UInt8] = []
    mutating func u16(_ v: UInt16) { bytes += [UInt8(v & 0xFF), UInt8(v >> 8)] }
    mutating func u32(_ v: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((v >> UInt32(shift)) & 0xFF)) } }
    mutating func u64(_ v: UInt64) { for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8((v >> UInt64(shift)) & 0xFF)) } }

    /// MS-DOS time and date (2-second resolution, 1980 onwards).
    mutating func dos(_ seconds: Int64) {
        let days = seconds / 86400, rest = seconds % 86400
        // Civil from days (Howard Hinnant), no Foundation.
        let z = days + 719_468, era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        guard year >= 1980, year <= 2107 else { u16(0); u16(0x21); return }
        u16(UInt16((rest / 3600) << 11 | ((rest % 3600) / 60) << 5 | (rest % 60) / 2))
        u16(UInt16((year - 1980) << 9 | month << 5 | day))
    }
}

import Crypto
import Glibc
import MP4
import Telemetry

/// Reads a complete archive file: its sha256 and, for an MP4, what its boxes say and its SEI telemetry.
///
/// The hash reads every byte; the telemetry then reads the moov, each sample's first bytes and the SEI NALs
/// (about 1 % of the clip), just after the hash pulled them through the page cache.
struct ClipInspection {
    var sha256: String
    var analysis: ClipAnalysis?
    /// For an MP4 with a movie index: its SEI telemetry, or why it cannot be read.
    var telemetry: Result<ClipTelemetry, TelemetryError>?

    enum Failure: Error, CustomStringConvertible {
        case unreadable(path: String, errno: Int32)
        var description: String {
            switch self {
            case let .unreadable(path, code): "cannot read \(path): \(String(cString: strerror(code)))"
            }
        }
    }

    static func inspect(path: String, analyse: Bool) throws(Failure) -> ClipInspection {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw .unreadable(path: path, errno: errno) }
        defer { close(fd) }
        var info = stat()
        fstat(fd, &info)
        let size = UInt64(info.st_size)
        func read(_ offset: UInt64, _ count: Int) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: count)
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
            return n >= 0 ? Array(bytes.prefix(n)) : []
        }
        var hasher = SHA256()
        var offset: UInt64 = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
            if n < 0 { if errno == EINTR { continue }; throw .unreadable(path: path, errno: errno) }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            offset += UInt64(n)
        }
        let digest = hasher.finalize().map { byte in
            let hex = Array("0123456789abcdef")
            return String([hex[Int(byte >> 4)], hex[Int(byte & 15)]])
        }.joined()
        let analysis = analyse ? MP4.analyse(fileSize: size, read: read) : nil
        var telemetry: Result<ClipTelemetry, TelemetryError>?
        if let analysis, analysis.kind == .mp4, analysis.movie != nil {
            telemetry = Result { () throws(TelemetryError) in try TelemetryReader.read(fileSize: size, read: read) }
        }
        return ClipInspection(sha256: digest, analysis: analysis, telemetry: telemetry)
    }
}

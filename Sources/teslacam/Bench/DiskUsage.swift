import Foundation
import Glibc

/// Disk bytes allocated under a directory (what `du` says: sparse files count what they hold, not their size).
enum DiskUsage {
    static func allocatedBytes(under path: String) -> UInt64 {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        var total = UInt64(info.st_blocks) * 512
        guard (info.st_mode & S_IFMT) == S_IFDIR, let directory = opendir(path) else { return total }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            total += allocatedBytes(under: path + "/" + name)
        }
        return total
    }

    /// Resident memory of this process (VmRSS), and its peak since start or the last reset (VmHWM), in KiB.
    static func residentKiB() -> (now: Int, peak: Int) {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Int {
            let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        return (field("VmRSS"), field("VmHWM"))
    }
}

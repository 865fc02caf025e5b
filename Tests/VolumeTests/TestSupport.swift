import BlockTrace
import FAT32
import Foundation
import Logging
@testable import Volume

/// A fresh directory under /tmp, removed when the value goes away.
final class TemporaryDirectory {
    let path: String
    init(_ name: String = "volume-tests") {
        path = NSTemporaryDirectory() + "teslacam-\(name)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}()

/// An engine over two fresh sparse files (no file system on it), for block-device tests.
func makeBlankEngine(in directory: String, diskBytes: UInt64 = 64 << 20,
                     layout: PartitionLayout = .mbr, logger: Logger = quietLogger,
                     discardsFreedClusters: Bool = true) throws -> VolumeEngine {
    let geometry = try VolumeGeometry(diskBytes: diskBytes, layout: layout)
    let regions = RegionMap(geometry: geometry)
    let metadata = try BackingFile(path: directory + "/metadata.img", create: true)
    try metadata.setSize(regions.metadataBytes)
    let staging = try BackingFile(path: directory + "/staging.img", create: true)
    try staging.setSize(regions.stagingBytes)
    return VolumeEngine(manifest: VolumeManifest(geometry: geometry, volumeID: 1, formattedAt: 0),
                        metadata: metadata, staging: staging, logger: logger,
                        discardsFreedClusters: discardsFreedClusters)
}

func randomBytes(_ count: Int, using rng: inout SplitMix64) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var i = 0
    while i < count {
        var word = rng.next()
        for _ in 0..<min(8, count - i) { bytes[i] = UInt8(truncatingIfNeeded: word); word >>= 8; i += 1 }
    }
    return bytes
}

/// Where two byte arrays first differ, or nil. Large arrays must never reach `#expect(a == b)`: Swift Testing
/// would diff them element by element for minutes.
func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> Int? {
    if a == b { return nil }
    return (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
}

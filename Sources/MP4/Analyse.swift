extension MP4 {
    /// Largest `ftyp` we accept as the start of an MP4; real ones are a few dozen bytes.
    public static let maximumFtypSize: UInt64 = 4096
    /// Largest `moov` parsed in memory; a 60 s Tesla clip's is tens of KiB.
    public static let maximumMoovSize: UInt64 = 16 << 20

    /// Classifies a clip file and reads its metadata, reading only box headers and the `moov`.
    ///
    /// Never traps on any input.
    /// - Parameters:
    ///   - fileSize: the file's length in bytes.
    ///   - read: returns the bytes at (offset, count); fewer than asked only past the end of file.
    public static func analyse(fileSize: UInt64, read: (UInt64, Int) -> [UInt8]) -> ClipAnalysis {
        let empty = BoxScan(boxes: [], problem: nil)
        guard fileSize > 0 else {
            return ClipAnalysis(
                kind: .empty, completeness: .incomplete(.notISOBMFF(reason: "the file is empty")),
                majorBrand: nil, scan: empty, movie: nil)
        }
        let start = read(0, Int(min(fileSize, 16)))
        if let reason = notFtypReason(start) {
            return ClipAnalysis(
                kind: .opaque, completeness: .incomplete(.notISOBMFF(reason: reason)), majorBrand: nil, scan: empty,
                movie: nil)
        }
        // The major brand follows the 8-byte header; a file cut inside ftyp may not have it yet.
        let brand = start.count >= 12 ? FourCC(bytes: start[8..<12]) : nil
        let scan = scanBoxes(fileSize: fileSize, read: read)
        var movie: MovieInfo?
        var moovProblem: MP4Error?
        if let moov = scan.first(.moov) {
            if moov.size > maximumMoovSize {
                moovProblem = .boxTooLarge(type: .moov, size: moov.size, limit: maximumMoovSize)
            } else {
                let bytes = read(moov.offset, Int(moov.size))
                if bytes.count < Int(moov.size) {
                    moovProblem = .shortRead(offset: moov.offset, requested: Int(moov.size), got: bytes.count)
                } else {
                    do throws(MP4Error) {
                        // No second copy of the moov unless the reader returned more than asked.
                        movie = try MovieInfo(moov: bytes.count == Int(moov.size) ? bytes : Array(bytes.prefix(Int(moov.size))))
                    } catch {
                        moovProblem = error
                    }
                }
            }
        }
        let completeness: ClipAnalysis.Completeness =
            if let problem = scan.problem {
                .incomplete(problem)
            } else if let garbage = scan.boxes.first(where: { !$0.type.isPrintable }) {
                // Zeroed or random tails (preallocated, never written) parse as a box; they are not one.
                .incomplete(.malformed(path: garbage.type.description, reason: "at offset \(garbage.offset) is not a "
                    + "box type (zeroed or garbage bytes); the file was not finished"))
            } else if scan.first(.mdat) == nil {
                .incomplete(.missingBox(path: "mdat"))
            } else if scan.first(.moov) == nil {
                .incomplete(.missingBox(path: "moov"))
            } else if let moovProblem {
                .incomplete(moovProblem)
            } else {
                .complete
            }
        return ClipAnalysis(kind: .mp4, completeness: completeness, majorBrand: brand, scan: scan, movie: movie)
    }

    /// Why `bytes` (the file's first up-to-16 bytes) do not begin an `ftyp` box, or nil if they do.
    static func notFtypReason(_ bytes: [UInt8]) -> String? {
        guard bytes.count >= 8 else { return "only \(bytes.count) bytes, too short for a box header" }
        guard let type = FourCC(bytes: bytes[4..<8]), type == .ftyp else {
            return "first box type is '\(FourCC(bytes: bytes[4..<8]).map(String.init(describing:)) ?? "")', not 'ftyp'"
        }
        // ftyp holds major brand and minor version (8 bytes) after its 8-byte header; no largesize expected.
        guard let size = bytes.uint32(at: 0), UInt64(size) >= 16, UInt64(size) <= maximumFtypSize else {
            return "ftyp size \(bytes.uint32(at: 0) ?? 0) is outside 16...\(maximumFtypSize)"
        }
        return nil
    }
}

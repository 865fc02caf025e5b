/// An 8.3 name: 8 bytes of base and 3 of extension, uppercase, space-padded, without the dot.
public struct ShortName: Hashable, Sendable, CustomStringConvertible {
    public static let dot = ShortName(unchecked: Array(".          ".utf8))
    public static let dotDot = ShortName(unchecked: Array("..         ".utf8))

    /// The 11 bytes of the name as it really is. A name whose first byte is 0xE5 (a lead byte in some code pages)
    /// keeps it here; the directory entry stores it as 0x05 because 0xE5 there means "deleted" (`onDiskBytes`).
    public let bytes: [UInt8]

    init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// Any 11 bytes, as they are meant (first byte 0xE5, not 0x05). No validation: names read from disk are
    /// whatever the writer put there.
    public init(bytes: some Collection<UInt8>) throws(FAT32Error) {
        self.bytes = try prefixBytes(bytes, count: 11, structure: "8.3 name")
    }

    /// The 11 bytes as a directory entry stores them (first byte 0x05 standing for 0xE5).
    public init(onDisk bytes: some Collection<UInt8>) throws(FAT32Error) {
        var b = try prefixBytes(bytes, count: 11, structure: "8.3 name")
        if b[0] == 0x05 { b[0] = 0xE5 }
        self.bytes = b
    }

    /// Parses `BASE.EXT` (or `BASE`): 1–8 base and 0–3 extension characters allowed in 8.3 names. Lowercase ASCII
    /// letters are uppercased (a directory entry keeps their case in its `caseFlags`, or in a long name).
    public init(_ name: String) throws(FAT32Error) {
        if name == "." || name == ".." {
            self = name == "." ? .dot : .dotDot
            return
        }
        let scalars = Array(name.unicodeScalars)
        let dot = scalars.lastIndex(of: ".")
        let base = scalars[..<(dot ?? scalars.endIndex)]
        let ext = dot.map { scalars[($0 + 1)...] } ?? []
        guard (1...8).contains(base.count) else {
            throw .invalidShortName(name: name, reason: "the part before the dot must have 1 to 8 characters")
        }
        guard dot == nil || (1...3).contains(ext.count) else {
            throw .invalidShortName(name: name, reason: "the extension must have 1 to 3 characters")
        }
        var bytes: [UInt8] = []
        for scalar in base + ext {
            guard let byte = Self.shortNameByte(scalar, allowSpace: false) else {
                throw .invalidShortName(name: name, reason: "\"\(scalar)\" is not allowed in an 8.3 name")
            }
            bytes.append(byte)
        }
        let padded = bytes.prefix(base.count) + Array(repeating: 0x20, count: 8 - base.count)
            + bytes.dropFirst(base.count) + Array(repeating: 0x20, count: 3 - ext.count)
        self.bytes = Array(padded)
    }

    /// The bytes a directory entry stores.
    public var onDiskBytes: [UInt8] {
        var b = bytes
        if b[0] == 0xE5 { b[0] = 0x05 }
        return b
    }

    /// The base without padding.
    public var base: String { Self.string(from: bytes[0..<8]).trimmingTrailingSpaces() }
    /// The extension without padding (empty when there is none).
    public var ext: String { Self.string(from: bytes[8..<11]).trimmingTrailingSpaces() }

    /// `BASE.EXT`, or `BASE` without an extension.
    public var description: String { ext.isEmpty ? base : base + "." + ext }

    /// The name as Windows NT and Linux show it when `caseFlags` ask for a lowercase base or extension.
    public func displayName(caseFlags: CaseFlags) -> String {
        let base = caseFlags.contains(.lowercaseBase) ? Self.asciiLowercased(self.base) : self.base
        let ext = caseFlags.contains(.lowercaseExtension) ? Self.asciiLowercased(self.ext) : self.ext
        return ext.isEmpty ? base : base + "." + ext
    }

    /// The checksum that ties long-name entries to this short entry (over the on-disk bytes).
    public var checksum: UInt8 {
        var sum: UInt8 = 0
        for byte in onDiskBytes { sum = (sum >> 1 | sum << 7) &+ byte }
        return sum
    }

    // MARK: - Character rules

    /// The 8.3 byte for `scalar` (lowercase ASCII uppercased), or nil if it is not allowed in short names.
    /// Non-ASCII is not allowed: which byte it would be depends on the reader's code page.
    static func shortNameByte(_ scalar: Unicode.Scalar, allowSpace: Bool) -> UInt8? {
        switch scalar {
        case "A"..."Z", "0"..."9": return UInt8(scalar.value)
        case "a"..."z": return UInt8(scalar.value) - 0x20
        case " ": return allowSpace ? 0x20 : nil
        case "!", "#", "$", "%", "&", "'", "(", ")", "-", "@", "^", "_", "`", "{", "}", "~": return UInt8(scalar.value)
        default: return nil
        }
    }

    /// Bytes as text: ASCII as is, other bytes as Latin-1 (the code page is unknown; this is for display only).
    static func string(from bytes: some Collection<UInt8>) -> String {
        String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    static func asciiLowercased(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map {
            ("A"..."Z").contains($0) ? Unicode.Scalar($0.value + 0x20)! : $0
        }))
    }

    private enum LetterCase { case none, upper, lower, mixed }

    private static func letterCase(_ scalars: some Collection<Unicode.Scalar>) -> LetterCase {
        let upper = scalars.contains { ("A"..."Z").contains($0) }
        let lower = scalars.contains { ("a"..."z").contains($0) }
        switch (upper, lower) {
        case (true, true): return .mixed
        case (true, false): return .upper
        case (false, true): return .lower
        case (false, false): return .none
        }
    }

    // MARK: - Alias generation

    /// The short entry to create for a file called `longName`, as Linux's vfat (`shortname=mixed`) does.
    ///
    /// - A name that is a valid 8.3 name up to case, with each part in one case (`readme.TXT`), is stored as is:
    ///   the case goes into the case flags and no long name is needed.
    /// - A valid 8.3 name in mixed case (`TeslaCam`) keeps its uppercased form but needs a long name.
    /// - Anything else gets a lossy alias with a numeric tail: spaces and leading dots removed, characters not
    ///   allowed replaced by `_`, base cut to fit `~N` (`Long File Name.mp4` → `LONGFI~1.MP4`).
    ///
    /// `isTaken` says whether a candidate already exists in the directory; the first free one is returned.
    public static func alias(for longName: String, isTaken: (ShortName) -> Bool = { _ in false }) -> ShortNameAlias {
        if longName == "." || longName == ".." {
            return ShortNameAlias(shortName: longName == "." ? .dot : .dotDot, caseFlags: [], needsLongName: false)
        }
        let scalars = Array(longName.unicodeScalars)
        if let lossless = try? ShortName(longName) {
            // A valid 8.3 name up to case: only the case decides whether a long name is needed.
            let dot = scalars.lastIndex(of: ".")
            let baseCase = letterCase(scalars[..<(dot ?? scalars.endIndex)])
            let extCase = letterCase(dot.map { scalars[($0 + 1)...] } ?? [])
            if !isTaken(lossless) {
                if baseCase != .mixed && extCase != .mixed {
                    var flags: CaseFlags = []
                    if baseCase == .lower { flags.insert(.lowercaseBase) }
                    if extCase == .lower { flags.insert(.lowercaseExtension) }
                    return ShortNameAlias(shortName: lossless, caseFlags: flags, needsLongName: false)
                }
                return ShortNameAlias(shortName: lossless, caseFlags: [], needsLongName: true)
            }
        }
        var stripped = scalars.filter { $0 != " " }[...]
        while stripped.first == "." { stripped.removeFirst() }
        let dot = stripped.lastIndex(of: ".")
        let baseScalars = stripped[..<(dot ?? stripped.endIndex)].filter { $0 != "." }
        let extScalars = dot.map { stripped[($0 + 1)...] } ?? []
        let map = { (s: Unicode.Scalar) in shortNameByte(s, allowSpace: false) ?? UInt8(ascii: "_") }
        var base = baseScalars.prefix(8).map(map)
        if base.isEmpty { base = [UInt8(ascii: "_")] }
        let ext = Array(extScalars.prefix(3).map(map))
        let paddedExt = ext + Array(repeating: 0x20, count: 3 - ext.count)
        var candidate = ShortName.dot
        for number in 1...999_999 {
            let tail = Array("~\(number)".utf8)
            let head = base.prefix(8 - tail.count)
            let name = head + tail
            candidate = ShortName(unchecked: name + Array(repeating: 0x20, count: 8 - name.count) + paddedExt)
            if !isTaken(candidate) { break }
        }
        return ShortNameAlias(shortName: candidate, caseFlags: [], needsLongName: true)
    }
}

/// What `ShortName.alias(for:isTaken:)` decided for a long name.
public struct ShortNameAlias: Hashable, Sendable {
    public var shortName: ShortName
    /// Case flags for the short entry (only when no long name is needed).
    public var caseFlags: CaseFlags
    /// Whether long-name entries must precede the short entry to keep the name.
    public var needsLongName: Bool

    public init(shortName: ShortName, caseFlags: CaseFlags, needsLongName: Bool) {
        self.shortName = shortName
        self.caseFlags = caseFlags
        self.needsLongName = needsLongName
    }
}

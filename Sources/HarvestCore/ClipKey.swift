/// A Tesla clip's place in its camera's series: `YYYY-MM-DD_HH-MM-SS-<camera>.mp4` in a directory gives the
/// series (directory + camera) and the time stamp. The car starts a camera's next clip only once the previous
/// one is closed, so a clip with a successor in its series is final.
public struct ClipKey: Sendable, Equatable {
    public var series: String
    public var stamp: String

    /// Nil for names that are not a camera's clip.
    public init?(name: String, directory: String) {
        guard name.utf8.count > 24, name.lowercased().hasSuffix(".mp4") else { return nil }
        let stamp = String(name.prefix(19))
        // Digits where the stamp has digits, the separators where it has them.
        for (i, byte) in stamp.utf8.enumerated() {
            let separator: UInt8? = [4: 45, 7: 45, 10: 95, 13: 45, 16: 45][i]
            if let separator { if byte != separator { return nil } } else if !(48...57).contains(byte) { return nil }
        }
        guard name.dropFirst(19).first == "-" else { return nil }
        series = directory + "/" + name.dropFirst(20).lowercased()
        self.stamp = stamp
    }

    /// For each key, whether a later clip of its series is among `keys` (false for nil keys).
    public static func haveSuccessors(_ keys: [ClipKey?]) -> [Bool] {
        var newest: [String: String] = [:]
        for case let key? in keys where newest[key.series].map({ key.stamp > $0 }) ?? true {
            newest[key.series] = key.stamp
        }
        return keys.map { key in
            guard let key, let latest = newest[key.series] else { return false }
            return latest > key.stamp
        }
    }
}

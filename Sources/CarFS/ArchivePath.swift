/// Turns the names the car gave into a relative path that cannot leave the archive, whatever the bytes.
///
/// The car (or a hostile USB host) may name a file `..`, put `/` or control characters in a long name, or write
/// invalid UTF-16; each component is made safe on its own, and the result is always below the archive root.
public enum ArchivePath {
    /// Longest component ext4 stores (bytes).
    static let maximumComponentBytes = 255

    public static func relative(_ components: [String]) -> String {
        components.map(component).joined(separator: "/")
    }

    public static func component(_ name: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in name.unicodeScalars {
            switch scalar.value {
            case 0..<0x20, 0x7F, 0x2F /* / */, 0x5C /* \ */, 0xFFFD:
                scalars.append("_")
            default:
                scalars.append(scalar)
            }
        }
        var safe = String(scalars)
        if safe.isEmpty || safe == "." || safe == ".." { safe = "_" + safe + "_" }
        if safe.utf8.count > maximumComponentBytes {
            // Keep the start, which carries the car's time stamp, and stay valid UTF-8.
            var cut = ""
            for character in safe {
                if cut.utf8.count + character.utf8.count > maximumComponentBytes - 1 { break }
                cut.append(character)
            }
            safe = cut + "~"
        }
        return safe
    }
}

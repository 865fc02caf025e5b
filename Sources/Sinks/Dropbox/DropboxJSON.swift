import Foundation

/// JSON for Dropbox's requests and answers. `Dropbox-API-Arg` must be plain ASCII, so everything past it is
/// written as \u escapes (as Dropbox documents).
enum DropboxJSON {
    static func encode(_ value: Any) -> String {
        switch value {
        case let text as String: return quote(text)
        case let flag as Bool: return flag ? "true" : "false"
        case let number as Int: return String(number)
        case let number as Int64: return String(number)
        case let object as [String: Any]:
            return "{" + object.keys.sorted().map { "\(quote($0)):\(encode(object[$0]!))" }.joined(separator: ",") + "}"
        default: return "null"
        }
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for unit in text.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5c: out += "\\\\"
            case 0x20..<0x7f: out.append(Character(Unicode.Scalar(unit)!))
            default: out += String(format: "\\u%04x", unit)
            }
        }
        return out + "\""
    }

    static func decode(_ bytes: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
    }
}

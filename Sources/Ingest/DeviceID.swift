/// A device's id: its client certificate's subject common name. It becomes a folder in object keys, so only
/// letters, digits, `.`, `_` and `-` pass (and no leading dot, which would hide it among the upload state).
public enum DeviceID {
    public static func validate(_ name: String) throws(TusError) -> String {
        guard !name.isEmpty, name.utf8.count <= 64, !name.hasPrefix("."),
              name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) })
        else {
            throw TusError(403, "the certificate's common name \"\(name.prefix(80))\" is not a device id "
                                + "(1 to 64 letters, digits, '.', '_' or '-'); issue it again with teslacam-ingest ca issue")
        }
        return name
    }
}

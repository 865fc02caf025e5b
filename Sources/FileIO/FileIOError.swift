import Glibc

/// A failed file operation on the board's disk: what was tried, on which path, and the errno, so a user can act on
/// it ("No space left on device", "Permission denied", ...).
public struct FileIOError: Error, CustomStringConvertible, Sendable, Equatable {
    public let operation: String
    public let path: String
    public let code: Int32

    public init(operation: String, path: String, code: Int32) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    public var description: String {
        "\(operation) \(path): \(String(cString: strerror(code))) (errno \(code))"
    }

    public var isOutOfSpace: Bool { code == ENOSPC || code == EDQUOT }
}

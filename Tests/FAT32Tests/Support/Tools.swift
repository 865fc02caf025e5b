import Foundation

/// Runs external validators (dosfstools, mtools).
enum Tools {
    struct Result {
        var status: Int32
        var output: String
    }

    /// Runs `executable` with `arguments`, stdout and stderr merged.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// The full path of `name` in the usual directories, or nil.
    static func find(_ name: String) -> String? {
        for directory in ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin", "/usr/local/sbin"] {
            let path = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    private static let installLock = NSLock()
    nonisolated(unsafe) private static var installAttempted = false

    /// `name`'s path, installing `package` with apt-get once if it is missing. nil with the reason if it cannot be had.
    static func require(_ name: String, package: String) -> (path: String?, reason: String) {
        if let path = find(name) { return (path, "") }
        installLock.lock()
        defer { installLock.unlock() }
        if !installAttempted {
            installAttempted = true
            _ = try? run("/usr/bin/apt-get", ["install", "-y", "dosfstools", "mtools"])
        }
        if let path = find(name) { return (path, "") }
        return (nil, "\(name) is not installed and `apt-get install -y \(package)` did not provide it")
    }
}

import Foundation

/// Runs a shell command and returns its exit status and combined output.
@discardableResult
func sh(_ command: String, environment: [String: String] = [:]) -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command + " 2>&1"]
    var env = ProcessInfo.processInfo.environment
    env["MTOOLS_SKIP_CHECK"] = "1"
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let pipe = Pipe()
    process.standardOutput = pipe
    try! process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A fresh directory, removed (after unmounting anything left in it) when the value goes away.
final class Scratch {
    let path: String
    init(_ name: String) {
        path = "/tmp/teslacam-it-\(name)-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit {
        sh("grep -o ' \(path)[^ ]*' /proc/mounts | xargs -r -n1 umount -l")
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The `teslacam` binary built next to this test bundle.
let teslacamBinary: String = {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [bundle, bundle.deletingLastPathComponent()] {
        let path = candidate.appendingPathComponent("teslacam").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    let found = sh("find \(FileManager.default.currentDirectoryPath)/.build -name teslacam -type f -perm -u+x | head -1")
    return found.output.trimmingCharacters(in: .whitespacesAndNewlines)
}()

let isRoot = getuid() == 0
let hasFUSE = FileManager.default.fileExists(atPath: "/dev/fuse")

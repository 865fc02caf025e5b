import Foundation
import Testing

/// Garbage in: a clear message, a non-zero exit, and nothing overwritten.
@Suite(.enabled(if: isRoot && hasFUSE, "needs root and /dev/fuse"))
struct BadInputTests {
    @Test(arguments: ["16M", "3T", "banana", "0"])
    func sizesFAT32CannotHoldAreRefused(size: String) {
        let scratch = Scratch("badsize")
        let result = sh("\(teslacamBinary) format --state \(scratch.path)/state --size \(size)")
        #expect(result.status != 0)
        #expect(result.output.contains("Error"), "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/state/volume.json"))
    }

    @Test func aForeignDirectoryIsNotFormatted() {
        let daemon = Daemon("foreign")
        try! FileManager.default.createDirectory(atPath: daemon.state, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: daemon.state + "/holiday.jpg", contents: Data("precious".utf8))
        let result = sh("\(teslacamBinary) run --state \(daemon.state) --archive \(daemon.archive) --mountpoint \(daemon.mountpoint)")
        #expect(result.status != 0)
        #expect(result.output.contains("not a TeslaCam state directory"), "\(result.output)")
        #expect(try! String(contentsOfFile: daemon.state + "/holiday.jpg", encoding: .utf8) == "precious")
        #expect(sh("\(teslacamBinary) format --state \(daemon.state)").status != 0)
    }

    @Test(arguments: ["truncate", "garbage-manifest", "missing-staging", "edited-geometry"])
    func aDamagedStateIsRefused(damage: String) {
        let daemon = Daemon("damaged-\(damage)")
        #expect(daemon.format(size: "2G", layout: "mbr").status == 0)
        let before = sh("cd \(daemon.state) && ls -l && sha256sum volume.json").output
        switch damage {
        case "truncate": sh("truncate -s 1000 \(daemon.state)/metadata.img")
        case "garbage-manifest": sh("head -c 300 /dev/urandom > \(daemon.state)/volume.json")
        case "missing-staging": sh("rm \(daemon.state)/staging.img")
        default: sh("sed -i 's/\"sectorsPerFAT\" : [0-9]*/\"sectorsPerFAT\" : 7/' \(daemon.state)/volume.json")
        }
        let damaged = sh("cd \(daemon.state) && ls -l && sha256sum volume.json").output
        let result = sh("\(teslacamBinary) run --state \(daemon.state) --archive \(daemon.archive) --mountpoint \(daemon.mountpoint)")
        #expect(result.status != 0)
        #expect(result.output.contains("Error:"), "\(result.output)")
        #expect(sh("cd \(daemon.state) && ls -l && sha256sum volume.json").output == damaged, "run changed the state")
        #expect(before != damaged)
        #expect(sh("\(teslacamBinary) inspect --state \(daemon.state)").status != 0)
    }

    @Test func aMissingMountpointIsExplained() {
        let daemon = Daemon("nomount")
        let result = sh("\(teslacamBinary) run --state \(daemon.state) --archive \(daemon.archive) --mountpoint \(daemon.root.path)/nowhere")
        #expect(result.status != 0)
        #expect(result.output.contains("does not exist"), "\(result.output)")
    }

    @Test func aSecondDaemonOnTheSameStateIsRefused() throws {
        let daemon = Daemon("twice")
        try daemon.start(extra: "--size 2G")
        let other = Scratch("twice-mnt")
        let result = sh("\(teslacamBinary) run --state \(daemon.state) --archive \(daemon.archive) --mountpoint \(other.path)")
        #expect(result.status != 0)
        #expect(result.output.contains("in use"), "\(result.output)")
        #expect(daemon.stop() == 0)
    }
}

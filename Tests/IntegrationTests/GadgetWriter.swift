import Foundation

/// What the USB gadget does to volume.img: 16 KiB O_DIRECT writes going round a region, each read back at once,
/// an fsync every eighth (the car's SYNCHRONIZE CACHE), and at the end every block read back as written last.
///
/// In its own process (a shell running dd), never in the test's: every close(2) of a FUSE file waits for the
/// server's FLUSH answer, so a test process holding volume.img open would hang the start of the next daemon (its
/// child closes the inherited descriptor at exec) while no daemon serves, which the gadget, in the kernel, never does.
final class GadgetWriter {
    let directory: String
    private let process = Process()

    static let script = #"""
        img=$1 dir=$2 n=0
        while [ ! -e "$dir/stop" ]; do
            idx=$((n % 64)); seek=$((6144 + idx))
            head -c 16384 /dev/urandom > "$dir/blk"
            if [ $((n % 8)) = 7 ]; then conv=notrunc,fsync; else conv=notrunc; fi
            dd if="$dir/blk" of="$img" bs=16384 seek=$seek count=1 oflag=direct conv=$conv 2>"$dir/dd.err" \
                || { echo "write $n: $(cat "$dir/dd.err")" >> "$dir/errors"; break; }
            mv "$dir/blk" "$dir/last.$idx"
            dd if="$img" bs=16384 skip=$seek count=1 iflag=direct 2>/dev/null | cmp -s - "$dir/last.$idx" \
                || { echo "read-back $n (block $idx) differs" >> "$dir/errors"; break; }
            n=$((n + 1)); echo $n > "$dir/count.tmp"; mv "$dir/count.tmp" "$dir/count"
        done
        for f in "$dir"/last.*; do
            idx=${f##*.}
            dd if="$img" bs=16384 skip=$((6144 + idx)) count=1 iflag=direct 2>/dev/null | cmp -s - "$f" \
                || echo "block $idx does not read back as written last" >> "$dir/errors"
        done
        """#

    init(image: String, directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: directory + "/errors", contents: nil)
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", Self.script, "writer", image, directory]
        try process.run()
    }

    var writes: Int { Int(((try? String(contentsOfFile: directory + "/count", encoding: .utf8)) ?? "0").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 }
    var errors: [String] {
        ((try? String(contentsOfFile: directory + "/errors", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
    var running: Bool { process.isRunning }

    /// Stops after the write under way, verifies every block, and waits for the process.
    func stop() {
        FileManager.default.createFile(atPath: directory + "/stop", contents: nil)
        process.waitUntilExit()
    }
}

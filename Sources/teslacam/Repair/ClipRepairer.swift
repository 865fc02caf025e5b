import ClipRepair
import Foundation
import MP4

/// The I/O around `ClipRepair`: finds a reference clip, writes the repaired copy beside nothing the engine owns.
///
/// The truncated clip is only read. The copy is written to `NAME.repaired.mp4.partial` and renamed when whole, so
/// a power cut during a repair leaves no half file under the final name.
struct ClipRepairer {
    struct Outcome {
        let plan: RepairPlan
        let output: String
        let reference: String
    }

    /// Repairs `clip` into `output` with `reference` (or the nearest complete clip of the same camera beside it).
    static func repair(clip: String, reference: String?, output: String) throws -> Outcome {
        let own = try ClipFile(path: clip)
        let complete = MP4.analyse(fileSize: own.size, read: own.read).isComplete
        own.close()
        if complete { throw TelemetryCommandError("\(clip): \(RepairError.notTruncated)") }
        let referencePath = try reference ?? nearestReference(for: clip)
        let referenceFile = try ClipFile(path: referencePath)
        defer { referenceFile.close() }
        let lent: RepairReference
        do {
            lent = try RepairReference.read(fileSize: referenceFile.size, read: referenceFile.read)
        } catch {
            throw TelemetryCommandError("\(referencePath): \(error)")
        }
        let file = try ClipFile(path: clip)
        defer { file.close() }
        let plan: RepairPlan
        do {
            plan = try ClipRepair.plan(fileSize: file.size, read: file.read, reference: lent,
                                       creationTime: creationTime(clip: clip, reference: referencePath, lent: lent))
        } catch {
            throw TelemetryCommandError("\(clip): \(error)")
        }
        guard URL(fileURLWithPath: output).standardizedFileURL != URL(fileURLWithPath: clip).standardizedFileURL else {
            throw TelemetryCommandError("the repaired copy must not replace the clip itself: give another --output")
        }
        try write(plan, from: file, to: output)
        return Outcome(plan: plan, output: output, reference: referencePath)
    }

    /// The clip's own creation time: the reference's, moved by the difference of the two clips' name stamps
    /// (both in the car's clock, whatever zone it uses).
    static func creationTime(clip: String, reference: String, lent: RepairReference) -> UInt64? {
        guard let own = TeslaClipName((clip as NSString).lastPathComponent),
            let other = TeslaClipName((reference as NSString).lastPathComponent), lent.creationTime > 0
        else { return nil }
        let moved = Int64(lent.creationTime) + own.secondsSince1970 - other.secondsSince1970
        return moved > 0 ? UInt64(moved) : nil
    }

    /// The complete clip of the same camera in the same folder whose name stamp is nearest the clip's.
    static func nearestReference(for clip: String) throws -> String {
        let folder = (clip as NSString).deletingLastPathComponent
        guard let name = TeslaClipName((clip as NSString).lastPathComponent) else {
            throw TelemetryCommandError("\(clip) is not named like a Tesla clip (YYYY-MM-DD_HH-MM-SS-camera.mp4): "
                + "give a complete clip of the same camera with --reference")
        }
        let siblings = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        let candidates = siblings.compactMap { file -> (String, Int64)? in
            guard let other = TeslaClipName(file), other.camera == name.camera, other != name else { return nil }
            return (file, abs(other.secondsSince1970 - name.secondsSince1970))
        }.sorted { $0.1 < $1.1 }
        for (file, _) in candidates.prefix(20) {
            let path = (folder as NSString).appendingPathComponent(file)
            guard let candidate = try? ClipFile(path: path) else { continue }
            defer { candidate.close() }
            if (try? RepairReference.read(fileSize: candidate.size, read: candidate.read)) != nil { return path }
        }
        throw TelemetryCommandError("no complete \(name.camera) clip beside \(clip) to lend its codec settings: "
            + "give one with --reference")
    }

    static func write(_ plan: RepairPlan, from source: ClipFile, to output: String) throws {
        let folder = (output as NSString).deletingLastPathComponent
        if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let partial = output + ".partial"
        FileManager.default.createFile(atPath: partial, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: partial) else {
            throw TelemetryCommandError("cannot write \(partial)")
        }
        do {
            for piece in plan.pieces {
                switch piece {
                case let .bytes(bytes): try handle.write(contentsOf: bytes)
                case let .copy(offset, count):
                    var done: UInt64 = 0
                    while done < count {
                        let chunk = source.read(offset + done, Int(min(count - done, 1 << 20)))
                        guard !chunk.isEmpty else { throw TelemetryCommandError("the clip shrank while being repaired") }
                        try handle.write(contentsOf: chunk)
                        done += UInt64(chunk.count)
                    }
                }
            }
            try handle.synchronize()
            try handle.close()
            if FileManager.default.fileExists(atPath: output) { try FileManager.default.removeItem(atPath: output) }
            try FileManager.default.moveItem(atPath: partial, toPath: output)
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }
}

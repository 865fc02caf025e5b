/// Where a file goes on a sink: the archive path under the sink's prefix, so the remote tree mirrors the archive
/// (`model3/TeslaCam/SentryClips/<event>/<file>`).
public enum RemoteName {
    public static func of(archivePath: String, prefix: String) -> String {
        let path = archivePath.split(separator: "/").joined(separator: "/")
        let base = prefix.split(separator: "/").joined(separator: "/")
        return base.isEmpty ? path : base + "/" + path
    }
}

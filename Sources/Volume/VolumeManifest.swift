import FAT32

/// What `teslacam format` decided about a volume, stored as `volume.json` in the state directory.
///
/// The car may rewrite the boot sector (or reformat the drive), so the advertised size and the split between the
/// metadata image and the data-cluster staging area are recorded here, not re-read from the volume.
public struct VolumeManifest: Codable, Equatable, Sendable {
    public static let currentVersion = 1

    public var version: Int
    public var geometry: VolumeGeometry
    public var volumeID: UInt32
    /// Seconds since 1970 when the volume was formatted.
    public var formattedAt: Double

    public init(geometry: VolumeGeometry, volumeID: UInt32, formattedAt: Double) {
        self.version = Self.currentVersion
        self.geometry = geometry
        self.volumeID = volumeID
        self.formattedAt = formattedAt
    }
}

import RealModule

/// A position on the Earth in degrees (WGS 84, as GPS reports it).
public struct GeoPoint: Hashable, Sendable {
    public let latitude: Double
    public let longitude: Double

    /// Nil for what is not a fix: NaN or infinite values, off-globe coordinates, or exactly (0, 0), which the
    /// car reports before it has one.
    public init?(latitude: Double, longitude: Double) {
        guard latitude.isFinite, longitude.isFinite, abs(latitude) <= 90, abs(longitude) <= 180,
            latitude != 0 || longitude != 0
        else { return nil }
        self.latitude = latitude
        self.longitude = longitude
    }

    /// Mean Earth radius in metres (IUGG).
    public static let earthRadius = 6_371_008.8

    /// Great-circle distance in metres (haversine; within 0.5 % of the ellipsoid, far better over a frame's step).
    public func distance(to other: GeoPoint) -> Double {
        let toRadians = Double.pi / 180
        let φ1 = latitude * toRadians, φ2 = other.latitude * toRadians
        let Δφ = φ2 - φ1, Δλ = (other.longitude - longitude) * toRadians
        let a = sin2(Δφ / 2) + Double.cos(φ1) * Double.cos(φ2) * sin2(Δλ / 2)
        return 2 * Self.earthRadius * Double.asin(min(1, a.squareRoot()))
    }
}

private func sin2(_ x: Double) -> Double { let s = Double.sin(x); return s * s }

import Catalog
import Foundation
import MP4

/// Names for a drive's start and end from what the board has offline: the city and street the car wrote into
/// each event's `event.json` beside the event's coordinates. No geocoder, no internet: a drive that starts where
/// an event happened is named by it; elsewhere it has no name, only coordinates.
struct DrivePlaces: Sendable {
    struct Place: Sendable, Equatable {
        var latitude: Double
        var longitude: Double
        var city: String
        var street: String
    }

    /// Within this of an event, its street names the spot; within `cityMetres`, its city does ("near Palo Alto").
    static let streetMetres = 300.0
    static let cityMetres = 5_000.0

    let places: [Place]

    init(_ places: [Place]) { self.places = places.filter { !$0.city.isEmpty || !$0.street.isEmpty } }

    /// "El Camino Real, Palo Alto", "Palo Alto", "near Palo Alto", or nil when no event lies within 5 km.
    func name(latitude: Double, longitude: Double) -> String? {
        let nearest = places.map { ($0, Self.metres(latitude, longitude, $0.latitude, $0.longitude)) }.min { $0.1 < $1.1 }
        guard let (place, distance) = nearest, distance <= Self.cityMetres else { return nil }
        if distance <= Self.streetMetres, !place.street.isEmpty {
            return place.city.isEmpty ? place.street : place.street + ", " + place.city
        }
        guard !place.city.isEmpty else { return nil }
        return distance <= 1_000 ? place.city : "near " + place.city
    }

    /// Great-circle distance (haversine, a sphere of the Earth's mean radius).
    static func metres(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
        let radians = Double.pi / 180
        let dLat = (lat2 - lat1) * radians, dLon = (lon2 - lon1) * radians
        let a = sin(dLat / 2) * sin(dLat / 2) + cos(lat1 * radians) * cos(lat2 * radians) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * 6_371_000 * asin(min(1, a.squareRoot()))
    }
}

extension WebServer {
    /// Every event's place, read from its event.json (a few hundred bytes each), kept while the events stay the same.
    func drivePlaces() throws -> DrivePlaces {
        let folders = try catalog.eventFolders(limit: 5_000)
        // The files count too: an event's event.json may arrive after its first clips.
        let key = "\(folders.count):\(folders.reduce(0) { $0 + $1.files }):\(folders.first?.event ?? "")"
        if let known = placesCache[key] { return known }
        let sidecars = try catalog.eventSidecars(folders.map(\.event))
        var places: [DrivePlaces.Place] = []
        for folder in folders {
            guard let row = sidecars[folder.event]?.first(where: { $0.path.hasSuffix("/event.json") }),
                  let event = readEvent(row), let latitude = event.latitude, let longitude = event.longitude else { continue }
            places.append(DrivePlaces.Place(latitude: latitude, longitude: longitude, city: event.city ?? "",
                                            street: event.street ?? ""))
        }
        let result = DrivePlaces(places)
        placesCache[key] = result
        return result
    }
}

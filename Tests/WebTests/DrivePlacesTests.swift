import Testing
@testable import Web

/// A drive's ends named from the events' event.json nearby, offline.
@Suite("Drive places") struct DrivePlacesTests {
    let places = DrivePlaces([
        .init(latitude: 37.4059, longitude: -122.1450, city: "Palo Alto", street: "El Camino Real"),
        .init(latitude: 37.3947, longitude: -122.1503, city: "Palo Alto", street: ""),
        .init(latitude: 59.91, longitude: 10.75, city: "", street: ""),
    ])

    @Test func theNearestEventNamesTheSpot() {
        // 10 m from the first event: its street and city.
        #expect(places.name(latitude: 37.40599, longitude: -122.14505) == "El Camino Real, Palo Alto")
        // At the second, which has no street: its city.
        #expect(places.name(latitude: 37.39474, longitude: -122.15032) == "Palo Alto")
        // 3 km north: only near the city.
        #expect(places.name(latitude: 37.433, longitude: -122.145) == "near Palo Alto")
        // 50 km away, and beside an event that named nothing: no name.
        #expect(places.name(latitude: 37.85, longitude: -122.145) == nil)
        #expect(places.name(latitude: 59.91, longitude: 10.75) == nil)
        #expect(DrivePlaces([]).name(latitude: 0, longitude: 0) == nil)
    }

    @Test func distancesAreGreatCircle() {
        // A degree of latitude is about 111.2 km.
        let metres = DrivePlaces.metres(37, -122, 38, -122)
        #expect(abs(metres - 111_195) < 100)
    }
}

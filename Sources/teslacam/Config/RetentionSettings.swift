import Retention
import Volume

/// The config's `retention` section: `{ "recentDays": 2, "eventDays": 30, "reserve": "auto", "minFree": "2G" }`.
/// Absent keys take those defaults.
struct RetentionSettings: Encodable, Equatable, ConfigSection {
    var recentDays: Double?
    var eventDays: Double?
    /// "auto" (the volume's free clusters + minFree) or a size to keep free.
    var reserve: Reserve?
    var minFree: ByteSize?

    enum Reserve: Equatable, Encodable {
        case auto
        case fixed(ByteSize)

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .auto: try container.encode("auto")
            case let .fixed(size): try container.encode(size)
            }
        }
    }

    init(recentDays: Double? = nil, eventDays: Double? = nil, reserve: Reserve? = nil, minFree: ByteSize? = nil) {
        self.recentDays = recentDays
        self.eventDays = eventDays
        self.reserve = reserve
        self.minFree = minFree
    }

    init(reading reader: inout ConfigReader) throws(ConfigurationError) {
        recentDays = try reader.nonNegativeNumber("recentDays", unit: "days")
        eventDays = try reader.nonNegativeNumber("eventDays", unit: "days")
        reserve = switch try reader.sizeOrWord("reserve", word: "auto") {
        case nil: nil
        case .word: .auto
        case let .size(size): .fixed(size)
        }
        minFree = try reader.size("minFree")
    }

    /// The policy these settings describe, defaults filled in.
    var policy: RetentionPolicy {
        let standard = RetentionPolicy.standard
        let reserve: RetentionPolicy.Reserve = switch self.reserve {
        case nil, .auto: .auto
        case let .fixed(size): .fixed(size.bytes)
        }
        return RetentionPolicy(recentDays: recentDays ?? standard.recentDays, eventDays: eventDays ?? standard.eventDays,
                               reserve: reserve, minFreeBytes: minFree?.bytes ?? standard.minFreeBytes)
    }
}

extension Configuration {
    /// The retention policy in force: the file's section, or the defaults.
    var retentionPolicy: RetentionPolicy { (retention ?? RetentionSettings()).policy }
}

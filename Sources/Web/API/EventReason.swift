/// `event.json`'s `reason` in words an owner reads on a phone. Unknown reasons keep their own words.
public enum EventReason {
    static let known: [String: String] = [
        "user_interaction_dashcam_icon_tapped": "Saved with the dashcam icon",
        "user_interaction_dashcam_panel_save": "Saved from the dashcam panel",
        "user_interaction_dashcam_launcher_action_tapped": "Saved from the app launcher",
        "user_interaction_honk": "Saved by honking",
        "user_interaction_voice_command": "Saved by voice command",
        "sentry_aware_object_detection": "Sentry: someone or something came close",
        "sentry_locked_handle_pulled": "Sentry: a door handle was pulled",
        "sentry_panic_alarm": "Sentry: the alarm went off",
        "sentry_aware_accel": "Sentry: the car was bumped",
        "vehicle_auto_emergency_braking": "Automatic emergency braking",
        "vehicle_collision": "Collision detected",
    ]

    public static func words(_ reason: String?) -> String {
        guard let reason, !reason.isEmpty else { return "Event" }
        if let words = known[reason] { return words }
        if reason.hasPrefix("sentry_aware_accel") { return known["sentry_aware_accel"]! }
        let spaced = reason.split(separator: "_").joined(separator: " ")
        return spaced.prefix(1).uppercased() + spaced.dropFirst()
    }
}

import Hummingbird

/// The sinks as `teslacam sinks` shows them, and the owner's switches (CSRF-checked like every change).
extension WebServer {
    func registerSinks(_ add: Add) {
        add(.get, "/api/sinks", .owner) { [self] _, _ in try Reply.json(sinkStates()) }
        add(.post, "/api/sinks/:name/:action", .owner) { [self] _, context in
            guard let sinks else { throw WebError(.notFound, "no sinks are configured") }
            // The name is only compared with the configured ones; it reaches nothing else.
            let name = context.parameters.get("name") ?? ""
            guard sinks.sinks.contains(where: { $0.name == name }) else {
                throw WebError(.notFound, "no sink is named '\(name.prefix(40))'")
            }
            switch context.parameters.get("action") {
            case "enable": try sinks.setEnabled(name, true)
            case "disable": try sinks.setEnabled(name, false)
            case "retry": _ = try sinks.retry(name)
            default: throw WebError(.badRequest, "the action must be enable, disable or retry")
            }
            return try Reply.json(sinkStates())
        }
    }
}

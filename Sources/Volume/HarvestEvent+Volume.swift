import HarvestCore

/// The harvest's lifecycle events are planned in HarvestCore; the engine's users (catalog, sinks, CLI) keep
/// naming them through Volume.
public typealias HarvestEvent = HarvestCore.HarvestEvent

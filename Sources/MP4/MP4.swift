/// ISO base media file format (MP4) parsing for Tesla clips.
///
/// Pure: functions take bytes or a `read(offset, count)` closure, so callers can inspect large files
/// without loading them. Entry points: `MP4.analyse(fileSize:read:)`, `MP4.scanBoxes(fileSize:read:)`,
/// `TeslaClipName`, `TeslaTimestamp` (event folder names) and `TeslaEvent` (`event.json`).
public enum MP4 {}

/// ISO base media file format (MP4) parsing for Tesla clips.
public enum MP4 {}

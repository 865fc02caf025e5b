/// The car's file system, modelled from the block writes that reach the volume.
public enum CarFS {}

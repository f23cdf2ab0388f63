namespace ClassSR.Edge.Daemon.Sources;

/// <summary>A stream is not in the format it claims; the message is one line naming the source and the reason.</summary>
public sealed class FrameFormatException(string message) : IOException(Printable.Of(message));

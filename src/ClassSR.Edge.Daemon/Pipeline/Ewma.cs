namespace ClassSR.Edge.Daemon.Pipeline;

/// <summary>A smoothed figure written by one thread and read by others (a torn read is impossible for a double on 64-bit).</summary>
public sealed class Ewma(double weight = 0.1)
{
    double _value = double.NaN;

    public double Value => double.IsNaN(_value) ? 0 : _value;

    public void Add(double sample) =>
        _value = double.IsNaN(_value) ? sample : _value + weight * (sample - _value);
}

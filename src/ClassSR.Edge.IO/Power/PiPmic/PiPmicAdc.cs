using System.Globalization;
using System.Text.RegularExpressions;

namespace ClassSR.Edge.IO.Power.PiPmic;

/// <summary>
/// Raspberry Pi 5's PMIC through `vcgencmd pmic_read_adc`: each rail's current (NAME_A current(N)=xA) and
/// volts (NAME_V volt(N)=xV); the board's power is the sum of volts times amps over rails that report both.
/// The 5 V input itself has only a voltage, so this is the power the PMIC delivers, not what the USB-C
/// supply gives the board (converter losses are not in it).
/// </summary>
public sealed partial class PiPmicAdc(Func<string?> readAdc, bool simulated = false) : IPowerSensor
{
    public sealed record Rail(string Name, double Volts, double Amps)
    {
        public double Watts => Volts * Amps;
    }

    public string Name => simulated ? "simulated vcgencmd pmic_read_adc" : "vcgencmd pmic_read_adc (Raspberry Pi 5 PMIC rails, summed)";
    public bool Simulated => simulated;
    // Each reading starts a vcgencmd process (a few ms of CPU); 10 Hz keeps that out of the figures.
    public double RateHz => 10;

    /// <summary>The real tool; null when vcgencmd is absent or says the board has no PMIC ADC.</summary>
    public static PiPmicAdc? Find()
    {
        var text = ExternalTool.Run("vcgencmd", "pmic_read_adc");
        return text != null && Parse(text).Count > 0 ? new PiPmicAdc(() => ExternalTool.Run("vcgencmd", "pmic_read_adc")) : null;
    }

    public static List<Rail> Parse(string text)
    {
        var amps = new Dictionary<string, double>();
        var volts = new Dictionary<string, double>();
        foreach (Match m in Line().Matches(text))
        {
            double v = double.Parse(m.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
            (m.Groups["kind"].Value == "current" ? amps : volts)[m.Groups["rail"].Value] = v;
        }
        return [.. amps.Where(a => volts.ContainsKey(a.Key)).OrderBy(a => a.Key, StringComparer.Ordinal)
            .Select(a => new Rail(a.Key, volts[a.Key], a.Value))];
    }

    public PowerReading Read()
    {
        var text = readAdc() ?? throw new IOException("vcgencmd pmic_read_adc gave no output");
        var rails = Parse(text);
        if (rails.Count == 0)
            throw new IOException("vcgencmd pmic_read_adc: no rail with both current and volts");
        return new PowerReading(rails.Sum(r => r.Watts));
    }

    public void Dispose() { }

    [GeneratedRegex(@"^\s*(?<rail>\S+)_[AV]\s+(?<kind>current|volt)\(\d+\)=(?<value>[-+0-9.eE]+)[AV]\s*$", RegexOptions.Multiline)]
    private static partial Regex Line();
}

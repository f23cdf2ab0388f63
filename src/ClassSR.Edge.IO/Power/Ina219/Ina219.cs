using System.Device.I2c;

namespace ClassSR.Edge.IO.Power.Ina219;

/// <summary>INA219 register map (TI SBOS448): 16-bit registers, big-endian on the bus.</summary>
public static class Ina219Registers
{
    public const byte Configuration = 0x00;
    public const byte ShuntVoltage = 0x01;
    public const byte BusVoltage = 0x02;
    public const byte Power = 0x03;
    public const byte Current = 0x04;
    public const byte Calibration = 0x05;

    /// <summary>BRNG 32 V, PGA /8 (+-320 mV), 12-bit shunt and bus ADC (532 us each), continuous shunt and bus: the reset value.</summary>
    public const ushort Config32V320mV12Bit = 0x399F;
}

/// <summary>
/// TI INA219: shunt voltage LSB 10 uV (signed), bus voltage in bits 15:3 with LSB 4 mV,
/// Cal = trunc(0.04096 / (Current_LSB * R)), Power_LSB = 20 * Current_LSB.
/// </summary>
public sealed class Ina219Sensor(I2cDevice device, double shuntOhms, double maxAmps, bool simulated = false)
    : InaSensor(Datasheet, device, shuntOhms, maxAmps, simulated)
{
    public static readonly InaSpec Datasheet = new()
    {
        Part = "ina219",
        ConfigurationRegister = Ina219Registers.Configuration,
        ShuntVoltageRegister = Ina219Registers.ShuntVoltage,
        BusVoltageRegister = Ina219Registers.BusVoltage,
        PowerRegister = Ina219Registers.Power,
        CurrentRegister = Ina219Registers.Current,
        CalibrationRegister = Ina219Registers.Calibration,
        ShuntLsbVolts = 10e-6,
        BusLsbVolts = 4e-3,
        BusShift = 3,
        CalibrationScale = 0.04096,
        CurrentDivisor = 4096,
        PowerDivisor = 5000,
        MaxCalibration = 0xFFFE,
        PowerLsbFactor = 20,
        Configuration = Ina219Registers.Config32V320mV12Bit,
        // 532 us per channel, both channels: about 940 conversions a second; 500 Hz leaves the bus some slack.
        ConversionRateHz = 500,
    };

}

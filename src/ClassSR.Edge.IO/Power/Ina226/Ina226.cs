using System.Device.I2c;

namespace ClassSR.Edge.IO.Power.Ina226;

/// <summary>INA226 register map (TI SBOS547): 16-bit registers, big-endian on the bus.</summary>
public static class Ina226Registers
{
    public const byte Configuration = 0x00;
    public const byte ShuntVoltage = 0x01;
    public const byte BusVoltage = 0x02;
    public const byte Power = 0x03;
    public const byte Current = 0x04;
    public const byte Calibration = 0x05;
    public const byte MaskEnable = 0x06;
    public const byte AlertLimit = 0x07;
    public const byte ManufacturerId = 0xFE;
    public const byte DieId = 0xFF;

    /// <summary>AVG 4, bus and shunt conversion 1.1 ms each, continuous shunt and bus: 8.8 ms per averaged pair (about 113 Hz).</summary>
    public const ushort ConfigAvg4Ct1100us = 0x4327;
}

/// <summary>
/// TI INA226: shunt voltage LSB 2.5 uV (signed), bus voltage LSB 1.25 mV,
/// Cal = trunc(0.00512 / (Current_LSB * R)), Power_LSB = 25 * Current_LSB.
/// </summary>
public sealed class Ina226Sensor(I2cDevice device, double shuntOhms, double maxAmps, bool simulated = false)
    : InaSensor(Datasheet, device, shuntOhms, maxAmps, simulated)
{
    public static readonly InaSpec Datasheet = new()
    {
        Part = "ina226",
        ConfigurationRegister = Ina226Registers.Configuration,
        ShuntVoltageRegister = Ina226Registers.ShuntVoltage,
        BusVoltageRegister = Ina226Registers.BusVoltage,
        PowerRegister = Ina226Registers.Power,
        CurrentRegister = Ina226Registers.Current,
        CalibrationRegister = Ina226Registers.Calibration,
        ShuntLsbVolts = 2.5e-6,
        BusLsbVolts = 1.25e-3,
        BusShift = 0,
        CalibrationScale = 0.00512,
        CurrentDivisor = 2048,
        PowerDivisor = 20000,
        MaxCalibration = 0x7FFF,
        PowerLsbFactor = 25,
        Configuration = Ina226Registers.ConfigAvg4Ct1100us,
        ConversionRateHz = 110,
    };
}

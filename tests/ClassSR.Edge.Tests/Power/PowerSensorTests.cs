using System.Diagnostics;
using ClassSR.Edge.IO.Power;
using ClassSR.Edge.IO.Power.Ina219;
using ClassSR.Edge.IO.Power.Ina226;
using ClassSR.Edge.IO.Power.Ina3221;
using ClassSR.Edge.IO.Power.PiPmic;
using ClassSR.Edge.IO.Power.PowerSupply;
using ClassSR.Edge.IO.Power.Rapl;
using Xunit;
using ClassSR.Edge.Tests.Bench;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests.Power;

[Collection(BenchCollection.Name)]
public class PowerSensorTests
{
    /// <summary>Writes a fake sysfs file under <paramref name="root"/>.</summary>
    static void Put(string root, string path, string text)
    {
        string full = Path.Combine(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text + "\n");
    }

    [Fact]
    public void Ina219_decodes_shunt_bus_current_and_power_registers_and_programs_calibration()
    {
        var chip = new SimulatedInaChip(Ina219Sensor.Datasheet);
        using var ina = new Ina219Sensor(chip, shuntOhms: 0.1, maxAmps: 3.2);
        // Current_LSB = 3.2 / 2^15; Cal = trunc(0.04096 / (Current_LSB * 0.1)) = trunc(4194.3).
        Assert.Equal(4194, chip[Ina219Registers.Calibration]);
        Assert.Equal(0x399F, chip[Ina219Registers.Configuration]);
        chip[Ina219Registers.ShuntVoltage] = 0x0FA0;          // 4000 * 10 uV = 40 mV
        chip[Ina219Registers.BusVoltage] = (1250 << 3) | 0b10;  // 1250 * 4 mV = 5 V, CNVR set
        var r = ina.Read();
        Assert.Equal(0.040, ina.ShuntVolts(), 9);
        Assert.Equal(5.0, r.Volts!.Value, 9);
        Assert.Equal(0.400, r.Amps!.Value, 9);
        Assert.Equal(2.0, r.Watts, 9);
        // The chip's own registers: 4000 * 4194 / 4096 = 4095 counts of Current_LSB, within one LSB of 0.4 A.
        Assert.Equal(4095, chip[Ina219Registers.Current]);
        Assert.InRange(ina.ChipAmps(), 0.4 - ina.CurrentLsb, 0.4);
        Assert.InRange(ina.ChipWatts(), 2.0 - 2 * ina.PowerLsb, 2.0 + ina.PowerLsb);
    }

    [Fact]
    public void Ina219_shunt_voltage_is_signed()
    {
        var chip = new SimulatedInaChip(Ina219Sensor.Datasheet);
        using var ina = new Ina219Sensor(chip, 0.1, 3.2);
        chip[Ina219Registers.ShuntVoltage] = 0xF060; // -4000
        chip[Ina219Registers.BusVoltage] = 1250 << 3;
        Assert.Equal(-0.4, ina.Read().Amps!.Value, 9);
        Assert.True(ina.ChipAmps() < -0.39);
    }

    [Fact]
    public void Ina226_uses_its_own_lsbs_and_calibration()
    {
        var chip = new SimulatedInaChip(Ina226Sensor.Datasheet);
        using var ina = new Ina226Sensor(chip, shuntOhms: 0.002, maxAmps: 10);
        // Cal = trunc(0.00512 / (10 / 2^15 * 0.002)) = trunc(8388.6).
        Assert.Equal(8388, chip[Ina226Registers.Calibration]);
        chip[Ina226Registers.ShuntVoltage] = 0x0FA0;  // 4000 * 2.5 uV = 10 mV -> 5 A through 2 mOhm
        chip[Ina226Registers.BusVoltage] = 0x0FA0;    // 4000 * 1.25 mV = 5 V, no status bits
        var r = ina.Read();
        Assert.Equal(5.0, r.Amps!.Value, 9);
        Assert.Equal(5.0, r.Volts!.Value, 9);
        Assert.Equal(25.0, r.Watts, 9);
        // The chip's registers lose the truncated part of Cal (0.6 of 8388.6, 0.36 mA here) and a count to rounding.
        Assert.Equal(16382, chip[Ina226Registers.Current]);
        Assert.InRange(ina.ChipAmps(), 5.0 - 3 * ina.CurrentLsb, 5.0);
        Assert.InRange(ina.ChipWatts(), 25.0 - 3 * ina.PowerLsb, 25.0 + ina.PowerLsb);
    }

    [Fact]
    public void Calibration_that_does_not_fit_the_register_is_refused()
    {
        // 0.1 ohm at 0.01 A: Cal = 0.00512 / (0.01 / 32768 * 0.1) = 167772, beyond 15 bits.
        var e = Assert.Throws<ArgumentException>(() => InaSensor.CalibrationFor(Ina226Sensor.Datasheet, 0.1, 0.01));
        Assert.Contains("calibration 167772", e.Message);
    }

    [Fact]
    public void Integrator_gives_trapezoid_energy_and_windows_between_any_two_instants()
    {
        long f = 1000;
        var integ = new PowerIntegrator(f);
        integ.Add(0, new PowerReading(2));
        integ.Add(1000, new PowerReading(2));
        integ.Add(2000, new PowerReading(2));
        integ.Add(3000, new PowerReading(4));
        Assert.Equal(4.0, integ.JoulesAt(2000), 9);
        Assert.Equal(7.0, integ.JoulesAt(3000), 9);     // 4 J + (2 + 4) / 2 W * 1 s
        Assert.Equal(2.0, integ.JoulesAt(1500) - integ.JoulesAt(500), 9);
        Assert.Equal(7.0, integ.JoulesAt(99_000), 9);    // clamped to the trace's end
    }

    [Fact]
    public void Integrator_uses_an_energy_counter_when_the_sensor_has_one()
    {
        var integ = new PowerIntegrator(1);
        integ.Add(0, new PowerReading(0, EnergyJoules: 100));
        integ.Add(1, new PowerReading(999, EnergyJoules: 102.5)); // the watts field would say otherwise
        Assert.Equal(2.5, integ.JoulesAt(1), 9);
    }

    [Fact]
    public void Monitor_samples_an_ina219_twin_on_its_schedule_and_integrates_its_power()
    {
        var chip = new SimulatedInaChip(Ina219Sensor.Datasheet);
        using var monitor = new PowerMonitor(new Ina219Sensor(chip, 0.1, 3.2), rateHz: 200);
        chip[Ina219Registers.ShuntVoltage] = 0x0FA0;
        chip[Ina219Registers.BusVoltage] = 1250 << 3;
        monitor.Start();
        Assert.True(monitor.WaitForFirstSample(TimeSpan.FromSeconds(10)));
        Thread.Sleep(200);
        monitor.Stop();
        var s = monitor.Samples();
        // The rate reached depends on how busy the machine is (the field bench prints it); what the loop itself
        // guarantees is that it never runs ahead of the rate asked, not even to catch up after a stall: at most one
        // sample per period, plus the one at the stop.
        double seconds = (s[^1].Ticks - s[0].Ticks) / (double)Stopwatch.Frequency;
        Assert.True(s.Length >= 2, $"{s.Length} samples");
        Assert.True(s.Length <= seconds * 200 + 2, $"{s.Length} samples in {seconds:0.000} s at 200 Hz");
        Assert.True(monitor.AchievedRateHz() <= 200 * 1.05 + 1 / seconds, $"sampled at {monitor.AchievedRateHz():0} Hz");
        for (int i = 1; i < s.Length; i++)
            Assert.True(s[i].Ticks > s[i - 1].Ticks);
        var w = monitor.Between(s[0].Ticks, s[^1].Ticks);
        Assert.Equal(2.0 * w.Seconds, w.Joules, 6);
        Assert.Equal(2.0, w.MeanWatts, 6);
        Assert.Equal(s.Length, w.Samples);
    }

    [Fact]
    public void Simulated_board_draws_in_proportion_to_cpu_load_through_the_ina219_twin()
    {
        // Clocks of the test's own: the board's load is a model of CPU time, and this process runs other tests.
        long ticks = 0;
        var cpu = TimeSpan.Zero;
        var board = new BoardModel(() => cpu, () => ticks);
        using var ina = SimulatedPower.Ina219(board);
        double Step(double cores)
        {
            ticks += Stopwatch.Frequency;                      // one second, long past the 50 ms averaging
            cpu += TimeSpan.FromSeconds(cores);
            return ina.Read().Watts;
        }
        // The INA219 measures the bus on the load side of its 0.1 ohm shunt: the board's draw less I^2 R.
        double AtLoad(double watts) => watts - Math.Pow(watts / board.SupplyVolts, 2) * 0.1;
        int n = Environment.ProcessorCount;
        Assert.Equal(AtLoad(board.IdleWatts), Step(0), tolerance: 0.02);
        Assert.Equal(AtLoad(board.BusyWatts), Step(n), tolerance: 0.02);
        Assert.Equal(AtLoad((board.IdleWatts + board.BusyWatts) / 2), Step(n / 2.0), tolerance: 0.02);
        Assert.Equal(AtLoad(board.BusyWatts), Step(2 * n), tolerance: 0.02); // more CPU time than cores: clamped to all busy
        Assert.Equal(AtLoad(board.IdleWatts), Step(0), tolerance: 0.02);
    }

    [Fact]
    public void Ina3221_hwmon_reads_the_vdd_in_rail_when_labelled()
    {
        string root = TestImages.TemporaryDirectory();
        string hw = "sys/bus/i2c/devices/1-0040/hwmon/hwmon3";
        Put(root, $"{hw}/name", "ina3221");
        Put(root, $"{hw}/in1_label", "VDD_IN");
        Put(root, $"{hw}/in1_input", "5080");
        Put(root, $"{hw}/curr1_input", "1500");
        Put(root, $"{hw}/in2_label", "VDD_CPU_GPU_CV");
        Put(root, $"{hw}/in2_input", "5072");
        Put(root, $"{hw}/curr2_input", "400");
        Put(root, $"{hw}/in7_label", "sum of shunt voltages"); // no curr7: not a rail
        Put(root, $"{hw}/in7_input", "12");
        using var s = Ina3221Hwmon.Find(root)!;
        var r = s.Read();
        Assert.Equal(5.08 * 1.5, r.Watts, 9);
        Assert.Equal(5.08, r.Volts!.Value, 9);
        Assert.Equal(1.5, r.Amps!.Value, 9);
        Assert.Contains("VDD_IN", s.Name);

        // Without a total rail the labelled rails are summed.
        File.WriteAllText(Path.Combine(root, hw, "in1_label"), "VDD_SOC\n");
        using var sum = Ina3221Hwmon.Find(root)!;
        Assert.Equal(5.08 * 1.5 + 5.072 * 0.4, sum.Read().Watts, 9);
        Assert.Equal(2, sum.Channels.Count);
    }

    [Fact]
    public void Ina3221_iio_reads_milliwatts_by_rail_name()
    {
        string root = TestImages.TemporaryDirectory();
        string iio = "sys/bus/i2c/devices/6-0040/iio:device0";
        Put(root, $"{iio}/rail_name_0", "VDD_IN");
        Put(root, $"{iio}/in_power0_input", "4210");
        Put(root, $"{iio}/rail_name_1", "VDD_GPU");
        Put(root, $"{iio}/in_power1_input", "800");
        using var s = Ina3221Iio.Find(root)!;
        Assert.Equal(4.21, s.Read().Watts, 9);
        File.WriteAllText(Path.Combine(root, iio, "rail_name_0"), "VDD_CPU\n");
        using var sum = Ina3221Iio.Find(root)!;
        Assert.Equal(5.01, sum.Read().Watts, 9);
    }

    const string PmicText = """
             3V7_WL_SW_A current(0)=0.00000000A
             3V3_SYS_A current(1)=0.06246720A
             VDD_CORE_A current(7)=2.23000000A
             3V7_WL_SW_V volt(8)=3.71796000V
             3V3_SYS_V volt(9)=3.31104000V
             VDD_CORE_V volt(15)=0.88000000V
             EXT5V_V volt(24)=5.15464000V
             BATT_V volt(25)=0.00000000V
        """;

    [Fact]
    public void Pi5_pmic_text_is_parsed_into_rails_and_summed()
    {
        var rails = PiPmicAdc.Parse(PmicText);
        Assert.Equal(["3V3_SYS", "3V7_WL_SW", "VDD_CORE"], rails.Select(r => r.Name));
        var core = rails.Single(r => r.Name == "VDD_CORE");
        Assert.Equal((0.88, 2.23), (core.Volts, core.Amps));
        using var s = new PiPmicAdc(() => PmicText, simulated: true);
        Assert.Equal(0.0624672 * 3.31104 + 2.23 * 0.88, s.Read().Watts, 9);
        using var broken = new PiPmicAdc(() => "error=1 error_msg=\"Command not registered\"", simulated: true);
        Assert.Throws<IOException>(() => broken.Read());
    }

    [Fact]
    public void Rapl_counts_energy_across_the_counter_wrapping()
    {
        string root = TestImages.TemporaryDirectory();
        string zone = "sys/class/powercap/intel-rapl:0";
        Put(root, $"{zone}/name", "package-0");
        Put(root, $"{zone}/max_energy_range_uj", "1000000");
        Put(root, $"{zone}/energy_uj", "990000");
        Put(root, "sys/class/powercap/intel-rapl:0:0/energy_uj", "5"); // a subzone, already inside the package
        using var rapl = RaplSensor.Find(root, out var why)!;
        Assert.Null(why);
        Assert.Equal(0, rapl.ReadJoules());
        File.WriteAllText(Path.Combine(root, zone, "energy_uj"), "995000\n");
        Assert.Equal(0.005, rapl.ReadJoules(), 9);
        File.WriteAllText(Path.Combine(root, zone, "energy_uj"), "3000\n"); // wrapped: 5000 + 3000 more
        Assert.Equal(0.013, rapl.ReadJoules(), 9);
        Assert.Equal(0.013, rapl.Read().EnergyJoules!.Value, 9);
    }

    [Fact]
    public void Power_supply_reads_power_now_or_current_times_voltage()
    {
        string root = TestImages.TemporaryDirectory();
        Put(root, "sys/class/power_supply/BAT0/power_now", "12500000");
        Put(root, "sys/class/power_supply/BAT1/current_now", "500000");
        Put(root, "sys/class/power_supply/BAT1/voltage_now", "12000000");
        Put(root, "sys/class/power_supply/AC/online", "1");
        using var s = PowerSupplySensor.Find(root)!;
        Assert.Equal(12.5 + 6.0, s.Read().Watts, 9);
        Assert.Contains("BAT0 + BAT1", s.Name);
    }

    [Fact]
    public void Auto_detection_picks_what_is_there_or_says_what_is_missing()
    {
        string empty = TestImages.TemporaryDirectory();
        var none = PowerSensors.Open("auto", empty, () => null);
        Assert.Null(none.Sensor);
        Assert.Contains("no power sensor found", none.Missing);

        string root = TestImages.TemporaryDirectory();
        Put(root, "sys/class/power_supply/BAT0/power_now", "1000000");
        Put(root, "sys/class/powercap/intel-rapl:0/energy_uj", "1");
        Put(root, "sys/class/powercap/intel-rapl:0/max_energy_range_uj", "100");
        using var found = PowerSensors.Open("auto", root, () => null).Sensor!;
        Assert.IsType<RaplSensor>(found); // RAPL counts energy; preferred over a fuel gauge
        // The simulated twins are the tests' own: the product does not offer them.
        Assert.Throws<FormatException>(() => PowerSensors.Open("sim-ina226", empty));
        Assert.Throws<FormatException>(() => PowerSensors.Open("ina219:1:0x40:0.1", empty));
        Assert.Throws<FormatException>(() => PowerSensors.Open("tplink", empty));
        Assert.Throws<IOException>(() => PowerSensors.Open("rapl", empty));
    }
}

using ClassSR.Edge.IO.Power.Ina219;
using ClassSR.Edge.IO.Power.Ina226;

namespace ClassSR.Edge.IO.Power;

/// <summary>The INA219 and INA226 drivers on their simulated chips, fed by a board model: what the bench tests measure.</summary>
public static class SimulatedPower
{
    /// <summary>An INA219 on the simulated chip, reading <paramref name="board"/>.</summary>
    public static Ina219Sensor Ina219(BoardModel board, double shuntOhms = 0.1, double maxAmps = 3.2)
    {
        var chip = new SimulatedInaChip(Ina219Sensor.Datasheet) { Analog = board.InaInput(shuntOhms) };
        return new Ina219Sensor(chip, shuntOhms, maxAmps, simulated: true);
    }

    /// <summary>An INA226 on the simulated chip, reading <paramref name="board"/>.</summary>
    public static Ina226Sensor Ina226(BoardModel board, double shuntOhms = 0.1, double maxAmps = 3.2)
    {
        var chip = new SimulatedInaChip(Ina226Sensor.Datasheet) { Analog = board.InaInput(shuntOhms) };
        return new Ina226Sensor(chip, shuntOhms, maxAmps, simulated: true);
    }
}

using AsgiBridge.Hosting;

namespace AsgiBridge.Tests.Hosting;

public sealed class BurstTrimTests
{
    [Fact]
    public void A_collection_runs_once_when_a_burst_of_connections_has_ended()
    {
        var trim = new BurstTrim();
        for (var open = 1; open <= 2000; open++)
        {
            trim.Opened(open);
        }

        for (var open = 1999; open > 250; open--)
        {
            trim.Closed(open);
        }

        Assert.Equal(0, trim.Collections); // still more than an eighth of the peak open
        trim.Closed(250);
        Assert.Equal(1, trim.Collections);
        for (var open = 249; open >= 0; open--)
        {
            trim.Closed(open);
        }

        Assert.Equal(1, trim.Collections); // the peak was reset: no second collection for the same burst
    }

    [Fact]
    public void Small_peaks_and_a_second_burst_within_the_interval_collect_nothing()
    {
        var trim = new BurstTrim();
        for (var open = 1; open < BurstTrim.MinPeak; open++)
        {
            trim.Opened(open);
        }

        trim.Closed(0);
        Assert.Equal(0, trim.Collections);

        trim.Opened(BurstTrim.MinPeak);
        trim.Closed(0);
        Assert.Equal(1, trim.Collections);

        trim.Opened(BurstTrim.MinPeak * 2);
        trim.Closed(0);
        Assert.Equal(1, trim.Collections); // within MinInterval of the first
    }
}

using System.Globalization;
using System.Text;

namespace AsgiBridge.Tests.Fuzz;

/// <summary>
/// One fuzz case: a seed request, the mutations applied to it, the bytes sent, and how they are delivered. A case
/// depends only on the run's seed and its index (<see cref="Create"/>), so a failure is replayed from those two
/// numbers, or from <see cref="ToCSharp"/>'s literal of the exact bytes.
/// </summary>
internal sealed record FuzzCase(ulong RunSeed, long Index, string SeedName, IReadOnlyList<string> Mutations, byte[] Bytes, bool KeepOpen, int[] SplitPoints)
{
    /// <summary>
    /// Case <paramref name="index"/> of run <paramref name="runSeed"/>: seeds in turn, mostly one mutation, up to 6 (one
    /// case in 32 is the seed itself). One in 16 keeps the connection open after sending, so the server's timeouts end it;
    /// the rest half-close it. One in 4 of those is also sent again in 2 to 4 pieces, which must be answered alike.
    /// </summary>
    public static FuzzCase Create(ulong runSeed, long index)
    {
        var random = new FuzzRandom(FuzzRandom.CaseSeed(runSeed, index));
        var seed = FuzzSeeds.All[(int)(index % FuzzSeeds.All.Count)];
        var count = random.Next(32) switch
        {
            0 => 0,
            < 17 => 1,
            < 25 => 2,
            _ => random.Next(3, 7),
        };
        var mutations = new List<string>(count);
        var bytes = RequestMutator.Mutate(seed.Bytes, random, count, mutations);
        var keepOpen = random.OneIn(16);
        var splitPoints = !keepOpen && random.OneIn(4) && bytes.Length > 1 ? Split(bytes.Length, random) : [];
        return new FuzzCase(runSeed, index, seed.Name, mutations, bytes, keepOpen, splitPoints);
    }

    public string Describe()
    {
        var delivery = KeepOpen ? "sent whole, connection kept open" : "sent whole and half-closed";
        if (SplitPoints.Length > 0)
        {
            delivery += $"; again in pieces split at [{string.Join(", ", SplitPoints)}] and half-closed";
        }

        var mutations = Mutations.Count == 0 ? "unmutated" : string.Join("; ", Mutations);
        return $"case {Index} of run seed 0x{RunSeed:X} (seed {SeedName}: {mutations}; {delivery}), {Bytes.Length} bytes:\n{ToCSharp(Bytes)}";
    }

    /// <summary>Bytes as a C# string expression (one char per byte, Latin-1), runs of 16 or more as <c>new string(c, n)</c>.</summary>
    public static string ToCSharp(ReadOnlySpan<byte> bytes)
    {
        var parts = new List<string>();
        var start = 0;
        var i = 0;
        while (i < bytes.Length)
        {
            var run = 1;
            while (i + run < bytes.Length && bytes[i + run] == bytes[i])
            {
                run++;
            }

            if (run >= 16)
            {
                if (i > start)
                {
                    parts.Add("\"" + Escape(bytes[start..i]) + "\"");
                }

                parts.Add($"new string('{Escape(bytes.Slice(i, 1)).Replace("\\\"", "\"", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}', {run.ToString(CultureInfo.InvariantCulture)})");
                start = i + run;
            }

            i += run;
        }

        if (start < bytes.Length || parts.Count == 0)
        {
            parts.Add("\"" + Escape(bytes[start..]) + "\"");
        }

        return string.Join(" + ", parts);
    }

    /// <summary>Bytes as the inside of a C# string literal: printable ASCII as is, the rest escaped (<c>\r</c>, <c>\u0000</c>).</summary>
    public static string Escape(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            builder.Append(b switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n",
                (byte)'\t' => "\\t",
                (byte)'"' => "\\\"",
                (byte)'\\' => "\\\\",
                < 0x20 or >= 0x7F => "\\u00" + b.ToString("X2", CultureInfo.InvariantCulture),
                _ => ((char)b).ToString(),
            });
        }

        return builder.ToString();
    }

    private static int[] Split(int length, FuzzRandom random)
    {
        var points = new SortedSet<int>();
        var pieces = random.Next(2, 5);
        while (points.Count < Math.Min(pieces - 1, length - 1))
        {
            points.Add(random.Next(1, length));
        }

        return [.. points];
    }
}

using CsCheck;

namespace AsgiBridge.Tests.Http1;

/// <summary>
/// Runs a CsCheck generator a fixed number of times from a fixed seed, on one thread, so a property test is
/// deterministic (CsCheck's <c>Sample</c> draws fresh random seeds on every run). A failure reports the CsCheck seed
/// of the failing iteration, which <c>gen.Sample(assert, seed: "...")</c> reproduces, and the input.
/// </summary>
internal static class Property
{
    public static void ForAll<T>(Gen<T> gen, int iterations, ulong seed, Action<T> assert, Func<T, string> print)
    {
        var pcg = new PCG(1, seed);
        for (var i = 0; i < iterations; i++)
        {
            var state = pcg.ToString();
            var value = gen.Generate(pcg, null!, out _);
            try
            {
                assert(value);
            }
            catch (Exception ex)
            {
                Assert.Fail($"Property failed at iteration {i} (CsCheck seed \"{state}\").\nInput: {print(value)}\n{ex.Message}");
            }
        }
    }

    /// <summary>Greedy minimisation of a failing byte stream: drop runs of bytes, then single bytes, while it still fails.</summary>
    public static byte[] Minimize(byte[] input, Func<byte[], bool> fails)
    {
        var current = input;
        for (var run = Math.Max(1, current.Length / 2); run >= 1; run /= 2)
        {
            var start = 0;
            while (start < current.Length)
            {
                var candidate = new byte[current.Length - Math.Min(run, current.Length - start)];
                current.AsSpan(0, start).CopyTo(candidate);
                current.AsSpan(Math.Min(current.Length, start + run)).CopyTo(candidate.AsSpan(start));
                if (fails(candidate))
                {
                    current = candidate;
                }
                else
                {
                    start++;
                }
            }
        }

        return current;
    }

    public static string Show(byte[] bytes) => "\"" + CompleteHead.Escape(System.Text.Encoding.Latin1.GetString(bytes)) + "\"";
}

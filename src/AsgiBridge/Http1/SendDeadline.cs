using System.IO.Pipelines;

namespace AsgiBridge.Http1;

/// <summary>Runs a flush under <see cref="ISendDeadline"/>: armed only while the flush really waits for the client.</summary>
internal static class SendDeadline
{
    /// <summary>The flush itself when it completed at once (no state machine); otherwise its wait, under the deadline.</summary>
    /// <param name="deadline">The connection's deadlines.</param>
    /// <param name="flush">The flush (or write) under way.</param>
    /// <param name="bytes">The bytes it hands to the transport, for the minimum response data rate.</param>
    public static ValueTask<FlushResult> Guard(ISendDeadline deadline, ValueTask<FlushResult> flush, long bytes)
    {
        if (flush.IsCompleted)
        {
            deadline.Count(bytes);
            return flush;
        }

        return WaitAsync(deadline, flush, bytes);
    }

    private static async ValueTask<FlushResult> WaitAsync(ISendDeadline deadline, ValueTask<FlushResult> flush, long bytes)
    {
        deadline.Arm(bytes);
        try
        {
            return await flush.ConfigureAwait(false);
        }
        finally
        {
            deadline.Disarm();
        }
    }
}

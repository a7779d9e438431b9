using System.IO.Pipelines;

namespace AsgiBridge.Http1;

/// <summary>Runs a flush under <see cref="ISendDeadline"/>: armed only while the flush really waits for the client.</summary>
internal static class SendDeadline
{
    /// <summary>The flush itself when it completed at once (no state machine); otherwise its wait, under the deadline.</summary>
    public static ValueTask<FlushResult> Guard(ISendDeadline deadline, ValueTask<FlushResult> flush) =>
        flush.IsCompleted ? flush : WaitAsync(deadline, flush);

    private static async ValueTask<FlushResult> WaitAsync(ISendDeadline deadline, ValueTask<FlushResult> flush)
    {
        deadline.Arm();
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

using System.IO.Pipelines;
using AsgiBridge.Python.Bridge;

namespace AsgiBridge.Python.Sockets;

/// <summary>
/// Where a socket's send loop resumes after the handler flushed a response: on the loop thread, once the callbacks
/// the loop is running now are done (<see cref="PythonLoop.Defer"/>), so the responses of every task the loop ran
/// in this iteration go out together; on any other thread, at once. Sending at each flush would wake the client once
/// per response while the loop still has tasks to run, and a client woken that often costs the server's core more
/// in the kernel's loopback delivery than the sends themselves (bench/python/README.md).
/// </summary>
internal sealed class EndOfIterationScheduler(PythonLoop loop) : PipeScheduler
{
    public override void Schedule(Action<object?> action, object? state)
    {
        if (loop.OnLoopThread)
        {
            loop.Defer(action, state);
        }
        else
        {
            action(state);
        }
    }
}

using System.Net;
using System.Threading.Channels;

namespace AsgiBridge.Tests.HttpContextBackend;

/// <summary>A request body written piece by piece as the test produces them, each flushed (chunked on HTTP/1.1).</summary>
public sealed class PushContent(ChannelReader<byte[]> pieces) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        await foreach (var piece in pieces.ReadAllAsync())
        {
            await stream.WriteAsync(piece);
            await stream.FlushAsync();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
